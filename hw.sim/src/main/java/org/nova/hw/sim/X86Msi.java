package org.nova.hw.sim;

/**
 * The platform's side of a message-signalled interrupt: where a simulated function's MSI and MSI-X
 * writes land. The simulated platform is an x86 machine, as QEMU's q35 and pc are.
 */
final class X86Msi {
    private X86Msi() {
    }

    /** x86 MSI message address base, the local APIC's window (arch/x86/include/asm/msidef.h MSI_ADDR_BASE_LO). */
    static final int MSI_ADDR_BASE_LO = 0xfee00000;
}
