# The lspci comparison (LspciQemuIT), sourced by the guest's init when run.sh stages it (GUEST_SH):
# loads the drivers of the comparison's devices, enables the SR-IOV PF's virtual functions
# through sysfs (sriov_numvfs, not probed: sriov_drivers_autoprobe 0), then lists the machine
# with pciutils' lspci and with the runtime's lspci on the read-only host backend, one flag set
# at a time, between markers the harness reads:
#   GUEST ref-begin N FLAGS ... GUEST ref-end N       pciutils
#   NOVA-LSPCI-BEGIN N ... NOVA-LSPCI-END N            the runtime (Gogo's echo prints the markers)
#   NOVA-TIME N MILLIS                                 the runtime's clock before listing N
# The flag sets are the FLAGS lines below; the harness compares each pair. At the end the runtime
# lists -v and -vv once more, warm, for the timing (NOVA-TIME marks around them), then turns the
# host backend off and lists edu through the VFIO backend (NOVA-VFIO-BEGIN/END; pciutils' view of
# it between GUEST ref-vfio-begin/end): what config space shows must be the same.
for m in $(cat /lib/modules/ORDER.lspci); do insmod /lib/modules/$m || echo "GUEST insmod $m FAILED"; done

for d in /sys/bus/pci/devices/*; do
  if [ -f $d/sriov_totalvfs ] && [ "$(cat $d/sriov_totalvfs)" -gt 0 ]; then
    echo 0 > $d/sriov_drivers_autoprobe
    echo "$(cat $d/sriov_totalvfs)" > $d/sriov_numvfs || echo "GUEST sriov $(basename $d) FAILED"
    echo "GUEST sriov $(basename $d) numvfs=$(cat $d/sriov_numvfs) driver=$(basename "$(readlink $d/driver)")"
  fi
done
# edu to vfio-pci, for the runtime's last listing through the VFIO backend (its config region read in one block)
EDU=$(for d in /sys/bus/pci/devices/*; do [ "$(cat $d/vendor)" = 0x1234 ] && [ "$(cat $d/device)" = 0x11e8 ] && basename $d; done)
echo vfio-pci > /sys/bus/pci/devices/$EDU/driver_override
echo $EDU > /sys/bus/pci/drivers_probe
echo "GUEST edu=$EDU driver=$(basename "$(readlink /sys/bus/pci/devices/$EDU/driver)")"
echo "GUEST functions=$(ls /sys/bus/pci/devices | wc -l) pci.ids=$(ls /usr/share/misc/pci.ids 2>/dev/null)"
echo "GUEST slots $(for s in /sys/bus/pci/slots/*; do [ -f $s/address ] && echo "$(basename $s)=$(cat $s/address)"; done | tr '\n' ' ')"

# -vv on the functions whose every capability the runtime decodes at -vv (the bridge, the host
# bridge, the ICH9 functions, virtio, and edu / pci-testdev behind the bridge); a set starting with
# ? is listed and reported but not required to be equal (-vv over every function: PCI Express,
# AER and SR-IOV show their first line only).
FLAGS='-n
-nn
-v
-nnv
-k
-D -n
-nn -s 02:
-v -d 1af4:
-v -s 00:1f
-vv -s 04:
-vv -s 00:06
-nnvv -d 1af4:
-vv -s 00:1f
-vv -s 00:00
?-vv'
n=0
SCRIPT=
echo "$FLAGS" > /tmp/flags
while read -r f; do
  n=$((n + 1))
  args=${f#\?}
  echo "GUEST ref-begin $n $f"
  /bin/lspci.pciutils $args 2>&1
  echo "GUEST ref-end $n"
  SCRIPT="$SCRIPT
echo NOVA-TIME $n ((new java.util.Date) getTime)
echo NOVA-LSPCI-BEGIN $n
lspci $args
echo NOVA-LSPCI-END $n"
done < /tmp/flags
SCRIPT="$SCRIPT
echo NOVA-TIME lspci-v ((new java.util.Date) getTime)
lspci -v
echo NOVA-TIME lspci-vv ((new java.util.Date) getTime)
lspci -vv
echo NOVA-TIME end ((new java.util.Date) getTime)
cm:set org.nova.hw.host enabled=false
drv:settle
vfio:enable $EDU
vfio:await $EDU
drv:settle
echo NOVA-VFIO-BEGIN
lspci -vv -s $EDU
echo NOVA-VFIO-END"
echo "GUEST ref-vfio-begin"
/bin/lspci.pciutils -vv -s $EDU 2>&1
echo "GUEST ref-vfio-end"

JAVA_OPTS=$(sed -n 's/.*nova.java_opts=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')
echo "GUEST java start uptime=$(cut -d' ' -f1 /proc/uptime)"
NOVA_CONSOLE_LOG=warn /jdk/bin/java -XX:-UsePerfData -Xshare:auto $JAVA_OPTS \
  --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -Dlogback.configurationFile=/nova/logback.xml -Dnova.log.dir=/tmp/nova-log \
  -Dorg.osgi.framework.storage=/tmp/felix-cache \
  -Dnova.sim.defaults=false -Dnova.host.enabled=true \
  -Dgosh.args=--nointeractive -Dnova.command="$SCRIPT" \
  -jar /nova/nova.jar < /dev/null
echo "GUEST NOVA_EXIT=$? uptime=$(cut -d' ' -f1 /proc/uptime)"
