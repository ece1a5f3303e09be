package org.nova.gpu.internal.fifo;

import org.nova.gpu.channel.ChannelError;
import org.nova.gpu.channel.Engine;

/**
 * One open channel as {@code nova:channels} shows it.
 *
 * @param id the channel ID
 * @param owner who opened it
 * @param engine its engine
 * @param free GPFIFO entries free
 * @param entries the ring's size
 * @param gpGet GP_GET as the host last wrote it to USERD
 * @param gpPut GP_PUT as nova.core last wrote it
 * @param completed the completed sequence number
 * @param error why it stopped, or null while it runs
 */
public record ChannelState(int id, String owner, Engine engine, int free, int entries, int gpGet, int gpPut,
        long completed, ChannelError error) {
}
