package org.nova.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The telnet protocol's server side (RFC 854, 1073, 1091): what reaches the shell and what the client gets. */
class TelnetProtocolTest {
    private static final int IAC = TelnetProtocol.IAC;

    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final List<int[]> sizes = new ArrayList<>();

    private TelnetProtocol protocol(int... received) {
        byte[] b = new byte[received.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) received[i];
        }
        return new TelnetProtocol(new ByteArrayInputStream(b), sent, (c, r) -> sizes.add(new int[] { c, r }));
    }

    private static String data(TelnetProtocol p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] one = new byte[16];
        for (int n; (n = p.input().read(one, 0, one.length)) > 0;) {
            out.write(one, 0, n);
        }
        return out.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    @Test
    void theNvtNewlineReachesTheShellAsOneCarriageReturn() throws IOException {
        assertEquals("ls\rpwd\rx\r", data(protocol('l', 's', '\r', '\n', 'p', 'w', 'd', '\r', 0, 'x', '\r')));
    }

    @Test
    void commandsAndNegotiationAreNotData() throws IOException {
        TelnetProtocol p = protocol('a', IAC, TelnetProtocol.DO, TelnetProtocol.ECHO, 'b', IAC, 241 /* NOP */, 'c',
                IAC, TelnetProtocol.WONT, TelnetProtocol.NAWS, 'd');
        assertEquals("abcd", data(p));
        assertEquals(0, sent.size(), "nothing answered: the server's offers stand");
    }

    @Test
    void anEscapedIacIsTheByte255() throws IOException {
        assertEquals("a\u00ffb", data(protocol('a', IAC, IAC, 'b')));
    }

    @Test
    void theWindowSizeIsReportedAndTheTerminalTypeKept() throws IOException {
        TelnetProtocol p = protocol(IAC, TelnetProtocol.SB, TelnetProtocol.NAWS, 0, 200, 0, 50, IAC, TelnetProtocol.SE,
                IAC, TelnetProtocol.WILL, TelnetProtocol.TTYPE,
                IAC, TelnetProtocol.SB, TelnetProtocol.TTYPE, TelnetProtocol.TTYPE_IS, 'X', 'T', 'E', 'R', 'M', IAC,
                TelnetProtocol.SE, 'k');
        assertNull(p.terminalType());
        assertEquals("k", data(p));
        assertEquals(1, sizes.size());
        assertArrayEquals(new int[] { 200, 50 }, sizes.get(0));
        assertEquals("xterm", p.terminalType());
        // WILL TTYPE is answered with SB TTYPE SEND
        assertArrayEquals(new byte[] { (byte) IAC, (byte) TelnetProtocol.SB, TelnetProtocol.TTYPE,
                TelnetProtocol.TTYPE_SEND, (byte) IAC, (byte) TelnetProtocol.SE }, sent.toByteArray());
    }

    @Test
    void aWindowOfNoSizeAndAnOverlongSubnegotiationAreDropped() throws IOException {
        int[] bytes = new int[4 + TelnetProtocol.MAX_SUBNEGOTIATION * 2 + 3];
        int i = 0;
        bytes[i++] = IAC;
        bytes[i++] = TelnetProtocol.SB;
        bytes[i++] = TelnetProtocol.TTYPE;
        bytes[i++] = TelnetProtocol.TTYPE_IS;
        while (i < bytes.length - 3) {
            bytes[i++] = 'x';
        }
        bytes[i++] = IAC;
        bytes[i++] = TelnetProtocol.SE;
        bytes[i] = 'z';
        TelnetProtocol p = protocol(bytes);
        assertEquals("z", data(p));
        assertEquals(TelnetProtocol.MAX_SUBNEGOTIATION - 2, p.terminalType().length());

        TelnetProtocol q = protocol(IAC, TelnetProtocol.SB, TelnetProtocol.NAWS, 0, 0, 0, 0, IAC, TelnetProtocol.SE, 'y');
        assertEquals("y", data(q));
        assertEquals(0, sizes.size());
    }

    @Test
    void theServerOffersEchoAndNoGoAheadAndAsksForSizeAndType() throws IOException {
        protocol().negotiate();
        assertArrayEquals(new byte[] { (byte) IAC, (byte) TelnetProtocol.WILL, TelnetProtocol.ECHO,
                (byte) IAC, (byte) TelnetProtocol.WILL, TelnetProtocol.SGA,
                (byte) IAC, (byte) TelnetProtocol.DO, TelnetProtocol.NAWS,
                (byte) IAC, (byte) TelnetProtocol.DO, TelnetProtocol.TTYPE }, sent.toByteArray());
    }

    @Test
    void outputEscapesTheByte255() throws IOException {
        TelnetProtocol p = protocol();
        p.output().write(new byte[] { 'a', (byte) 0xff, 'b' });
        assertArrayEquals(new byte[] { 'a', (byte) 0xff, (byte) 0xff, 'b' }, sent.toByteArray());
    }
}
