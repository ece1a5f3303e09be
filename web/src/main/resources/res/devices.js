/*
 * The device tree page (org.nova.web.DeviceTreePlugin): draws the snapshot of tree.json, follows
 * the uevent stream of events.stream (Server-Sent Events) and redraws on every uevent, and posts
 * bind / unbind / override. Data goes into the page as text only (textContent), never as markup.
 * The element classes and data attributes are what the browser test reads.
 */
(function () {
  'use strict';
  var page = document.getElementById('nova');
  var root = page.getAttribute('data-root');
  var live = document.getElementById('nova-live');
  var devresTotal = document.getElementById('nova-devres');
  var message = document.getElementById('nova-message');
  var busesBox = document.getElementById('nova-buses');
  var gpusBox = document.getElementById('nova-gpus');
  var uevents = document.getElementById('nova-uevents');
  /** How many uevents the list keeps, newest first. */
  var MAX_UEVENTS = 200;
  /** A burst of uevents (a GPU probing adds several devices) redraws once, this many ms after the first. */
  var REDRAW_DELAY_MS = 50;
  /** The header every action carries (DeviceTreePlugin.REQUEST_HEADER). */
  var REQUEST_HEADER = 'X-Requested-With';
  var REQUEST_HEADER_VALUE = 'nova';
  var redrawTimer = null;
  var drawn = null;
  var stream = null;
  var redraws = 0;

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function table(caption, headers) {
    var t = el('table', { 'class': 'nicetable nova-table' });
    t.appendChild(el('caption', {}, caption));
    var tr = el('tr');
    headers.forEach(function (h) { tr.appendChild(el('th', {}, h)); });
    t.appendChild(el('thead')).appendChild(tr);
    t.appendChild(el('tbody'));
    return t;
  }

  function row(t, cells, attrs) {
    var tr = el('tr', attrs);
    cells.forEach(function (c) {
      tr.appendChild(c instanceof Element ? c : el('td', {}, c === null ? '-' : c));
    });
    t.tBodies[0].appendChild(tr);
    return tr;
  }

  function td(cls, text) {
    return el('td', { 'class': cls }, text === null ? '-' : text);
  }

  function button(cls, label, onClick) {
    var b = el('button', { 'class': cls, type: 'button' }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  function showMessage(ok, text) {
    message.textContent = text;
    message.className = ok ? 'nova-ok' : 'nova-error';
  }

  function act(action, bus, device, driver) {
    var body = new URLSearchParams();
    body.set('bus', bus);
    body.set('device', device);
    if (driver !== undefined) {
      body.set('driver', driver);
    }
    var headers = {};
    headers[REQUEST_HEADER] = REQUEST_HEADER_VALUE;
    fetch(root + '/' + action, { method: 'POST', headers: headers, body: body, credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(function (answer) { showMessage(answer.ok, answer.message); })
      .catch(function (e) { showMessage(false, action + ' failed: ' + e); })
      // driver_override posts no uevent: read the tree again after every action
      .then(scheduleRedraw);
  }

  function deviceActions(bus, d) {
    var cell = el('td', { 'class': 'actions' });
    if (d.driver !== null) {
      cell.appendChild(button('unbind', 'Unbind', function () { act('unbind', bus.name, d.name); }));
    } else {
      var choice = el('select', { 'class': 'driver-choice' });
      bus.drivers.forEach(function (drv) { choice.appendChild(el('option', { value: drv.name }, drv.name)); });
      cell.appendChild(choice);
      cell.appendChild(button('bind', 'Bind', function () { act('bind', bus.name, d.name, choice.value); }));
    }
    var override = el('input', { 'class': 'override-value', type: 'text', size: '12', placeholder: 'driver_override' });
    cell.appendChild(override);
    cell.appendChild(button('override', 'Set override', function () {
      act('override', bus.name, d.name, override.value);
    }));
    return cell;
  }

  function drawBuses(tree) {
    busesBox.replaceChildren();
    tree.buses.forEach(function (bus) {
      var section = el('section', { 'class': 'nova-bus', 'data-bus': bus.name });
      section.appendChild(el('h3', {}, 'bus ' + bus.name + ' (autoprobe ' + (bus.autoprobe ? 'on' : 'off') + ')'));
      var devices = table('devices', ['DEVICE', 'DRIVER', 'STATE', 'PARENT', 'DEVRES', 'OVERRIDE', '']);
      bus.devices.forEach(function (d) {
        row(devices, [td('device', d.name), td('driver', d.driver), td('state', d.state), td('parent', d.parent),
          td('devres', d.devres), td('override', d.override), deviceActions(bus, d)],
          { 'class': 'device', 'data-bus': bus.name, 'data-device': d.name, title: d.devpath });
      });
      section.appendChild(devices);
      var drivers = table('drivers', ['DRIVER', 'BUNDLE', 'RANKING', 'PROBE', 'DEVICES']);
      bus.drivers.forEach(function (d) {
        row(drivers, [d.name, d.bundle, d.ranking, d.probe, d.devices.length ? d.devices.join(', ') : '-'],
          { 'class': 'driver', 'data-bus': bus.name, 'data-driver': d.name });
      });
      section.appendChild(drivers);
      busesBox.appendChild(section);
    });
  }

  function mib(bytes) {
    return Math.round(bytes / 1048576) + ' MiB';
  }

  function drawGpuStack(tree) {
    gpusBox.replaceChildren();
    var gpus = table('GPUs (nova-core)', ['DEVICE', 'CHIPSET', 'ARCHITECTURE', 'REVISION', 'VBIOS', 'FIRMWARE', 'VRAM', 'BAR1', 'STATE']);
    tree.gpus.forEach(function (g) {
      row(gpus, [g.device, g.chipset, g.architecture, g.revision, g.vbios || '-', g.firmware, mib(g.fbSize),
        mib(g.bar1Size), g.state], { 'class': 'gpu', 'data-device': g.device });
    });
    var drm = table('DRM devices (nova-drm)', ['CARD', 'RENDER', 'DRIVER', 'PARENT', 'FILES', 'GEM OBJECTS', 'VRAM IN USE', 'UNPLUGGED']);
    tree.drm.forEach(function (d) {
      row(drm, [d.card, d.render, d.driver, d.parent, d.files, d.objects, mib(d.vramInUse), d.unplugged ? 'yes' : 'no'],
        { 'class': 'drm', 'data-card': d.card });
    });
    var vgpus = table('vGPUs (nvidia-vgpu)', ['VF', 'GPU', 'GFID', 'TYPE', 'FRAMEBUFFER', 'CHANNELS']);
    tree.vgpus.forEach(function (v) {
      row(vgpus, [v.vf, v.pf, v.gfid, v.type, mib(v.fbSize), v.channels], { 'class': 'vgpu', 'data-vf': v.vf });
    });
    [gpus, drm, vgpus].forEach(function (t) { gpusBox.appendChild(t); });
  }

  function draw(tree) {
    devresTotal.textContent = 'devres live: ' + tree.devresTotal;
    var text = JSON.stringify([tree.buses, tree.gpus, tree.drm, tree.vgpus]);
    if (text !== drawn) {
      // an unchanged tree is not redrawn, so a half-typed driver_override survives unrelated uevents
      drawn = text;
      drawBuses(tree);
      drawGpuStack(tree);
      redraws++;
      page.setAttribute('data-redraws', String(redraws));
    }
    if (stream === null) {
      follow();
    }
  }

  function redraw() {
    redrawTimer = null;
    fetch(root + '/tree.json', { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.json(); })
      .then(draw)
      .catch(function (e) { showMessage(false, 'cannot read the device tree: ' + e); });
  }

  function scheduleRedraw() {
    if (redrawTimer === null) {
      redrawTimer = setTimeout(redraw, REDRAW_DELAY_MS);
    }
  }

  function addUevent(u) {
    var path = u.env.DEVPATH || u.device;
    var li = el('li', { 'class': 'uevent', 'data-seq': String(u.seq), 'data-action': u.action,
      'data-bus': u.bus, 'data-device': u.device }, 'KERNEL[' + u.seq + '] ' + u.action + ' ' + path + ' (' + u.bus + ')'
      + (u.env.DRIVER ? ' driver ' + u.env.DRIVER : ''));
    uevents.insertBefore(li, uevents.firstChild);
    while (uevents.children.length > MAX_UEVENTS) {
      uevents.removeChild(uevents.lastChild);
    }
  }

  function follow() {
    // from SEQNUM 0: the uevents the core still holds make the list's history
    stream = new EventSource(root + '/events.stream?after=0');
    stream.addEventListener('uevent', function (e) {
      addUevent(JSON.parse(e.data));
      scheduleRedraw();
    });
    stream.onopen = function () { live.textContent = 'live'; live.className = 'nova-ok'; };
    stream.onerror = function () { live.textContent = 'reconnecting'; live.className = 'nova-error'; };
  }

  redraw();
}());
