#!/bin/bash
# Prepares everything the real-kernel (QEMU/VFIO) suite needs; idempotent, cached in
# integration-tests/qemu-work/ (ignored by git, survives `mvn clean`).
#
#   1. host packages: qemu-system-x86 busybox-static cpio kmod pciutils (apt-get, only when missing;
#      pciutils' lspci also goes into the guest, as the reference for the host backend's lspci -n)
#   2. Debian's kernel: the package linux-image-amd64 depends on (apt-cache), downloaded with
#      apt-get download and unpacked with dpkg-deb -x, never installed
#   3. the guest initramfs: busybox, the virtio/9p and VFIO modules, glibc, and guest/init; for the
#      lspci comparison (guest/lspci.sh) the drivers of its devices, depmod's indexes and pci.ids
#      (the JDK and the runtime come from the host over virtio-9p at boot, see run.sh)
#
# It may assume root with apt, as CI has. On success it writes qemu-work/guest.env (KVER,
# VMLINUZ, INITRD) and prints it; on failure it exits non-zero naming what is missing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${NOVA_QEMU_WORK:-$(cd "$here/.." && pwd)/qemu-work}
mkdir -p "$work"
cd "$work"
log() { echo "prepare: $*" >&2; }
die() { echo "prepare: FAILED: $*" >&2; exit 1; }

# ---- 1. host packages ----------------------------------------------------------------------
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
# (grep reads the whole list: with pipefail, grep -q's early exit would make busybox die of
# SIGPIPE and the test fail at random)
has_insmod() { [ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -x insmod >/dev/null; }
has_insmod || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v modinfo >/dev/null || need+=(kmod)
command -v lspci >/dev/null || need+=(pciutils)
apt_updated=
apt_update() { [ -n "$apt_updated" ] || { log "apt-get update"; apt-get update -q >&2 || die "apt-get update failed"; apt_updated=1; }; }
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "missing host packages (${need[*]}) and not root: run 'apt-get install ${need[*]}' as root"
  apt_update
  log "apt-get install ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2 \
    || die "apt-get install ${need[*]} failed"
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found after installing qemu-system-x86"
has_insmod || die "/bin/busybox has no insmod applet (is busybox-static installed?)"
LSPCI=$(command -v lspci) || die "lspci not found after installing pciutils"

# ---- 2. the kernel ---------------------------------------------------------------------------
kpkg_name() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=$(kpkg_name)
if [ -z "$KPKG" ]; then apt_update; KPKG=$(kpkg_name); fi
[ -n "$KPKG" ] || die "apt-cache knows no dependency of linux-image-amd64 (no Debian apt sources?)"
KVER=${KPKG#linux-image-}
kdir=kernel/$KVER
if [ ! -f "$kdir/boot/vmlinuz-$KVER" ]; then
  mkdir -p dl
  if ! ls dl/${KPKG}_*.deb >/dev/null 2>&1; then
    log "apt-get download $KPKG"
    (cd dl && apt-get download "$KPKG" >&2) || { apt_update; KPKG=$(kpkg_name); KVER=${KPKG#linux-image-}; kdir=kernel/$KVER;
      (cd dl && apt-get download "$KPKG" >&2) || die "apt-get download $KPKG failed"; }
  fi
  rm -rf "$kdir.tmp" && mkdir -p "$kdir.tmp"
  log "dpkg-deb -x $(ls dl/${KPKG}_*.deb | head -1)"
  dpkg-deb -x "$(ls dl/${KPKG}_*.deb | head -1)" "$kdir.tmp" || die "dpkg-deb -x failed"
  rm -rf "$kdir" && mv "$kdir.tmp" "$kdir"
fi
VMLINUZ=$work/$kdir/boot/vmlinuz-$KVER
[ -f "$VMLINUZ" ] || die "no $VMLINUZ in $KPKG"

# ---- 3. the initramfs ------------------------------------------------------------------------
KMOD=$work/$kdir/lib/modules/$KVER/kernel
MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_legacy_dev
  drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci fs/netfs/netfs fs/fscache/fscache
  net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p
  virt/lib/irqbypass drivers/vfio/vfio drivers/vfio/vfio_virqfd drivers/vfio/vfio_iommu_type1
  drivers/vfio/pci/vfio-pci-core drivers/vfio/pci/vfio-pci"
# the drivers of the lspci comparison's devices (guest/lspci.sh loads them, in this order; init does not)
LSPCI_MODULES="crypto/crct10dif_common crypto/crct10dif_generic lib/crc-t10dif lib/crc64
  crypto/crc64_rocksoft_generic lib/crc64-rocksoft block/t10-pi drivers/nvme/host/nvme-core drivers/nvme/host/nvme
  drivers/net/ethernet/intel/e1000e/e1000e drivers/usb/common/usb-common drivers/usb/core/usbcore
  drivers/usb/host/xhci-hcd drivers/usb/host/xhci-pci drivers/scsi/scsi_common drivers/scsi/scsi_mod
  drivers/ata/libata drivers/ata/libahci drivers/ata/ahci drivers/char/hw_random/virtio-rng"
INITRD=$work/initramfs-$KVER.cpio.gz
PCI_IDS=/usr/share/misc/pci.ids
inputs=("$here/guest/init" "$here/prepare.sh" "$LSPCI")
fresh=1
[ -f "$INITRD" ] || fresh=
for f in "${inputs[@]}"; do [ -n "$fresh" ] && [ "$f" -nt "$INITRD" ] && fresh=; done
if [ -z "$fresh" ]; then
  log "building $INITRD"
  R=$work/rootfs
  rm -rf "$R" && mkdir -p "$R"/{bin,dev,proc,sys,tmp,lib/modules,lib/x86_64-linux-gnu,lib64,jdk,nova}
  cp /bin/busybox "$R/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
  copy_modules() { # $1: the load-order file under lib/modules; the rest: modules (paths under kernel/, no .ko)
    local order=$1 m src modlist=
    shift
    for m in "$@"; do
      src=$KMOD/$m.ko
      [ -f "$src" ] || { [ -f "$src.xz" ] && src=$src.xz; } || true
      [ -f "$src" ] || die "kernel module $m not found in $KPKG"
      cp "$src" "$R/lib/modules/"
      modlist="$modlist $(basename "$src")"
    done
    echo "$modlist" > "$R/lib/modules/$order"
  }
  # shellcheck disable=SC2086 # the lists are split into module names on purpose
  copy_modules ORDER $MODULES
  # shellcheck disable=SC2086
  copy_modules ORDER.lspci $LSPCI_MODULES
  # depmod's indexes, so that lspci -k finds "Kernel modules" through libkmod as on an installed system
  depmod -b "$work/$kdir" "$KVER" || die "depmod for $KVER failed"
  mkdir -p "$R/lib/modules/$KVER"
  cp "$work/$kdir/lib/modules/$KVER"/modules.* "$R/lib/modules/$KVER/"
  # the PCI ID database both lspci read (pciutils' and the runtime's PciNames)
  [ -f "$PCI_IDS" ] && mkdir -p "$R/usr/share/misc" && cp "$PCI_IDS" "$R/usr/share/misc/"
  for l in libc.so.6 libdl.so.2 libm.so.6 libpthread.so.0 librt.so.1 libz.so.1; do
    [ -f /lib/x86_64-linux-gnu/$l ] && cp /lib/x86_64-linux-gnu/$l "$R/lib/x86_64-linux-gnu/"
  done
  cp /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
  # pciutils' lspci and the libraries it links (libpci, libkmod, libudev, ...)
  cp "$LSPCI" "$R/bin/lspci.pciutils"
  for l in $(ldd "$LSPCI" | awk '/=> \//{print $3}'); do cp -L "$l" "$R/lib/x86_64-linux-gnu/"; done
  cp "$here/guest/init" "$R/init" && chmod +x "$R/init"
  (cd "$R" && find . | cpio -o -H newc --quiet) | gzip -1 > "$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
fi
cat > guest.env <<ENV
KVER=$KVER
VMLINUZ=$VMLINUZ
INITRD=$INITRD
ENV
cat guest.env
