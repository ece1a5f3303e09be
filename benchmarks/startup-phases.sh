#!/usr/bin/env bash
# Where the start-up time of `./nova -c 'drv:settle'` goes, phase by phase: RUNS runs (default 5),
# each with a log directory of its own, and the median milliseconds of each phase, measured from
# the moment ./nova is started (before the script's own work) to the runtime log's line that ends
# the phase, then to the process's exit. The phases follow the start in order; the markers are
# log lines at INFO, the runtime's default level:
#   launcher      JVM, ./nova, bnd launcher, framework, install + resolve + start of the bundles
#                 up to the driver core (DriverCoreImpl: bus auxiliary registered)
#   platform      the simulated platform: bridge, pci-testdevs, edu, both GPU models (firmware
#                 generated, VRAM and BAR1 set up) until the GA102 is hot-added
#   drivers       NovaCore, nova-drm, the samples and vgpu registered
#   unblock       the rest of the bundles (web, the JLine shell, FileInstall; a -c run leaves the
#                 Web Console and Jetty down) until probing is
#                 unblocked and the first device (pci-testdev 00:02.0) is bound
#   gpu0 / gpu1   the probe of the AD102 (00:06.0) and then the GA102 (00:05.0), each with its
#                 GSP boot, until bound
#   settle        until the settle condition holds (the edu sample's probe waits on its DMA timer)
#   stop          the command run, the framework stopped in order (every device unbound)
#   exit          the JVM's exit
# Like startup.sh it builds nothing: run ./nova build first.
#
# usage: benchmarks/startup-phases.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "startup-phases: RUNS must be a positive number, not '$runs'" >&2; exit 2; }
[ -f "$here/runtime/target/nova.jar" ] || { echo "startup-phases: runtime/target/nova.jar is missing: ./nova build" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name, then the extended regular expression of the log line that ends the phase (its first match)
phases=(
  "launcher|DriverCoreImpl - bus auxiliary registered"
  "platform|hot add 0000:00:05\\.0"
  "drivers|pci driver nvidia-vgpu-vfio registered"
  "unblock|0000:00:02\\.0: bound to"
  "gpu0|pci 0000:00:06\\.0: bound to NovaCore"
  "gpu1|pci 0000:00:05\\.0: bound to NovaCore"
  "settle|settled in"
  "stop|shutdown: .* devices unbound"
)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$runs"); do
  mkdir -p "$work/log$r"
  start=$(date +%s.%N)
  # the last -Dnova.log.dir on the command line wins over the one ./nova passes
  (cd "$here" && NOVA_OPTS="${NOVA_OPTS:-} -Dnova.log.dir=$work/log$r" ./nova -c drv:settle) >"$work/out$r" 2>&1 ||
    { echo "startup-phases: ./nova -c drv:settle failed:" >&2; tail -n 20 "$work/out$r" >&2; exit 1; }
  end=$(date +%s.%N)
  for p in "${phases[@]}"; do
    line=$(grep -m 1 -E "${p#*|}" "$work/log$r/nova.log") ||
      { echo "startup-phases: no log line matches '${p#*|}' (phase ${p%%|*}) in run $r" >&2; exit 1; }
    echo "${p%%|*} ${line:0:23}"
  done | awk -v start="$start" -v end="$end" '
    { split($2, d, "-"); split($3, t, ":"); # 2026-12-07 04:10:05.043
      at = mktime(d[1] " " d[2] " " d[3] " " t[1] " " t[2] " 0") + t[3]
      printf "%s %.1f\n", $1, (at - prev0) * 1000; prev0 = at }
    BEGIN { prev0 = start }
    END { printf "exit %.1f\ntotal %.1f\n", (end - prev0) * 1000, (end - start) * 1000 }' >"$work/run$r"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

echo "startup-phases: $runs runs of ./nova -c drv:settle on $(nproc) cores, load average $load_before before, $load_after after; median ms per phase"
for name in $(awk '{ print $1 }' "$work/run1"); do
  awk -v n="$name" '$1 == n { print $2 }' "$work"/run* | sort -g |
    awk -v n="$name" '{ v[NR] = $1 } END { printf "%-9s %7.0f ms\n", n, (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
done
