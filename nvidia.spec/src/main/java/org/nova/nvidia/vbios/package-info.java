/**
 * The VBIOS in its real layout, as a parser ({@link org.nova.nvidia.vbios.Vbios}) and a builder
 * ({@link org.nova.nvidia.vbios.VbiosBuilder}, for the simulated GPU's expansion ROM).
 *
 * <p>The ROM may start with an IFR header ({@link org.nova.nvidia.vbios.IfrHeader}) that gives
 * where the PCI ROM begins. A VBIOS is a chain of PCI expansion ROM images, each starting with a PCI ROM header
 * (signature 0xAA55) that points to a PCI data structure ("PCIR"), followed 16-byte aligned by
 * NVIDIA's PCI data extension ("NPDE") with the image length and the last-image flag. The first
 * (PC-AT) image holds the BIOS Information Table ("BIT" header and tokens); its falcon-data
 * token points to the PMU lookup table ("falcon ucode table") in the first FWSEC image, whose
 * FWSEC_PROD entry points to the FWSEC descriptor ({@link org.nova.nvidia.fw.FalconUcodeDesc},
 * version 2 on Turing and GA100, 3 later) in the FWSEC section: the first FWSEC image and every
 * image after it. Pointers count as if the PC-AT image and that section were contiguous (the EFI
 * image between them is skipped), as nova-core's vbios.rs works it out.
 *
 * <p>2.0.0: {@code Vbios} gained the IFR header and the FWSEC section and its descriptor became
 * version-independent ({@code fwsecDesc()} is a {@code FalconUcodeDesc}; {@code fwsecSecond()} gave
 * way to {@code fwsecSection()}), an incompatible change.
 *
 * <p>The parser copies nothing: images, the ucode and the signatures are slices of the ROM
 * segment the caller passes. Every failure is an {@link org.nova.nvidia.FormatException}
 * naming the structure and its offset in the ROM. Source: Linux nova-core vbios.rs; the PCI
 * Firmware Specification (ROM header, PCIR); NVIDIA open-gpu-doc (BIT).
 */
@Export
@Version("2.0.0")
package org.nova.nvidia.vbios;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
