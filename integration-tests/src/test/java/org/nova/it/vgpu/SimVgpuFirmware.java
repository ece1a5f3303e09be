package org.nova.it.vgpu;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.nova.hw.HostBridge;
import org.nova.hw.pci.PciAddress;
import org.nova.hw.PciFunction;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;

/**
 * The firmware's side of the vGPUs: which GFIDs GSP-RM (the simulated GPU's vGPU manager) has
 * booted a vGPU plugin task for and not yet cleaned up. Nothing the driver stack reports, so a
 * test can tell "the driver forgot its vGPU" from "the firmware tore it down". Read from the
 * simulated model's {@link PciFunction#deviceState()} ({@code vgpu.gfids}).
 */
final class SimVgpuFirmware {
    private SimVgpuFirmware() {
    }

    /**
     * @param context a bundle context to find the bridge with
     * @param bridge the simulated bridge's name ("sim0")
     * @param gpu the GPU's PCI device name ("0000:00:06.0")
     * @return the GFIDs the simulated firmware holds a vGPU for (booted, or shut down but not yet
     *     cleaned up), ascending
     */
    static List<Integer> activeGfids(BundleContext context, String bridge, String gpu) {
        Collection<ServiceReference<HostBridge>> refs;
        try {
            refs = context.getServiceReferences(HostBridge.class, "(" + HostBridge.PROP_BRIDGE + "=" + bridge + ")");
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
        if (refs.size() != 1) {
            throw new AssertionError("HostBridge services named " + bridge + ": " + refs.size());
        }
        ServiceReference<HostBridge> ref = refs.iterator().next();
        HostBridge b = context.getService(ref);
        try {
            PciFunction f = b.function(PciAddress.parse(gpu))
                    .orElseThrow(() -> new AssertionError("no function " + gpu + " behind " + bridge));
            String gfids = f.deviceState().get("vgpu.gfids");
            if (gfids == null) {
                throw new AssertionError(gpu + " reports no vgpu.gfids: not a simulated vGPU-capable GPU ("
                        + f.deviceState() + ")");
            }
            List<Integer> out = new ArrayList<>();
            for (String g : gfids.split(",")) {
                if (!g.isEmpty()) {
                    out.add(Integer.parseInt(g));
                }
            }
            return List.copyOf(out);
        } finally {
            context.ungetService(ref);
        }
    }
}
