package org.nova.gpu;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One GPU's GSP as nova.core sees it (a snapshot).
 *
 * @param device the PCI device
 * @param firmwareVersion the loaded firmware's {@code .fwversion}
 * @param bindings the generated ABI bindings in use (their Java package)
 * @param gpuName the name GSP-RM reports (empty if the release's bindings do not declare it)
 * @param fbLength the framebuffer length GSP-RM reports (0 if not declared)
 * @param commandsSent commands written to the command queue
 * @param messagesReceived messages read from the GSP's queue
 * @param queueFullWaits sends that had to wait for room (backpressure)
 * @param interrupts message-queue interrupts the driver handled (GSP-RM's SWGEN0 signal)
 * @param fallbackPolls messages found by the bounded fallback check rather than an interrupt (0
 *        when every message was signalled; counts up when interrupts are lost)
 * @param sequencerRuns CPU sequencer buffers GSP-RM had the driver run
 * @param staticInfo what GetGspStaticInfo reported, by the release's field names
 *        ({@code GspStaticConfigInfo}): every scalar field (decimal) and the name strings, in the
 *        structure's order; empty before the GSP answered
 * @param error why the queues are unusable, empty while they work
 */
public record GspStatus(String device, String firmwareVersion, String bindings, String gpuName, long fbLength,
        long commandsSent, long messagesReceived, long queueFullWaits, long interrupts, long fallbackPolls,
        long sequencerRuns, Map<String, String> staticInfo, String error) {
    public GspStatus {
        staticInfo = Collections.unmodifiableMap(new LinkedHashMap<>(staticInfo));
    }
}
