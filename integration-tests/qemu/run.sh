#!/bin/bash
# Boots the real-kernel suite once: QEMU q35 (TCG) with an emulated Intel IOMMU, edu,
# pci-testdev and e1000e, the kernel and initramfs prepare.sh made, the host JDK and a staged copy of the
# runtime shared read-only over virtio-9p. The guest runs guest/init; the console goes to stdout (and to $LOG
# if set). Exits with QEMU's status (124 on timeout).
#   env: JDK (default: the JDK running ./nova or Temurin 25), TIMEOUT (s, default 240),
#        SMP (2), MEM (MiB, 1536), JAVA_OPTS_GUEST (comma-separated extra JVM options),
#        SUITE (the Gogo script, default guest/suite.gosh), STAGE (staging directory),
#        JMH=1 (also run the JMH benchmark VfioMmioBench in the guest after the suite),
#        JMH_ARGS (comma-separated extra JMH options, e.g. -wi,1,-i,3),
#        DEVICES (the QEMU -device options of the guest's PCI devices, default edu, pci-testdev and
#        e1000e: the one with MSI-X, its table in BAR3; no netdev, the suite needs no network),
#        GUEST_SH (a shell script the guest's init sources instead of the VFIO suite, e.g. guest/lspci.sh),
#        GUEST_APPEND (more kernel command line, e.g. no_timer_check)
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${NOVA_QEMU_WORK:-$repo/integration-tests/qemu-work}
[ -f "$work/guest.env" ] || { echo "run: $work/guest.env missing: run prepare.sh first" >&2; exit 2; }
. "$work/guest.env"
JDK=${JDK:-${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}}
[ -x "$JDK/bin/java" ] || { echo "run: no JDK at $JDK" >&2; exit 2; }
[ -f "$repo/runtime/target/nova.jar" ] || { echo "run: $repo/runtime/target/nova.jar missing: build the runtime first" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run: qemu-system-x86_64 not installed (run prepare.sh)" >&2; exit 2; }
# Stage what the guest runs (the runtime jar, its logback.xml, the Gogo suite) in a directory of
# its own, so a concurrent rebuild of runtime/target cannot hand the guest a half-written jar.
STAGE=${STAGE:-$repo/integration-tests/target/qemu-stage}
mkdir -p "$STAGE"
for attempt in 1 2 3; do
  cp "$repo/runtime/target/nova.jar" "$STAGE/nova.jar.tmp" && "$JDK/bin/jar" tf "$STAGE/nova.jar.tmp" >/dev/null 2>&1 && break
  echo "run: runtime/target/nova.jar unreadable (being rebuilt?), retrying" >&2; sleep 5
done
"$JDK/bin/jar" tf "$STAGE/nova.jar.tmp" >/dev/null 2>&1 || { echo "run: runtime/target/nova.jar is not a valid jar" >&2; exit 2; }
mv "$STAGE/nova.jar.tmp" "$STAGE/nova.jar"
cp "$repo/runtime/etc/logback.xml" "$STAGE/logback.xml"
cp "${SUITE:-$here/guest/suite.gosh}" "$STAGE/suite.gosh"
rm -f "$STAGE/guest.sh"
[ -z "${GUEST_SH:-}" ] || cp "$GUEST_SH" "$STAGE/guest.sh"
rm -f "$STAGE/benchmarks.jar"
if [ "${JMH:-0}" = 1 ]; then # the JMH benchmark VfioMmioBench after the suite (the build packages benchmarks.jar)
  [ -f "$repo/benchmarks/target/benchmarks.jar" ] || { echo "run: JMH=1 but benchmarks/target/benchmarks.jar is missing (build the benchmarks module)" >&2; exit 2; }
  cp "$repo/benchmarks/target/benchmarks.jar" "$STAGE/benchmarks.jar"
fi
LOG=${LOG:-/dev/null}
timeout "${TIMEOUT:-240}" qemu-system-x86_64 \
  -machine q35,accel=tcg,kernel-irqchip=split -cpu max -smp "${SMP:-2}" -m "${MEM:-1536}" \
  -device intel-iommu,intremap=on \
  ${DEVICES:--device edu -device pci-testdev -device e1000e} \
  -virtfs local,path="$JDK",mount_tag=jdk,security_model=none,readonly=on \
  -virtfs local,path="$STAGE",mount_tag=nova,security_model=none,readonly=on \
  -nographic -no-reboot -nodefaults -serial stdio -display none \
  -kernel "$VMLINUZ" -initrd "$INITRD" \
  -append "console=ttyS0 intel_iommu=on panic=-1 quiet loglevel=4 nova.java_opts=${JAVA_OPTS_GUEST:-} nova.jmh=${JMH:-0} nova.jmh_args=${JMH_ARGS:-} ${GUEST_APPEND:-}" 2>&1 | tee "$LOG"
exit "${PIPESTATUS[0]}"
