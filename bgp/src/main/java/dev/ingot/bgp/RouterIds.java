package dev.ingot.bgp;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/** MetalLB's router-id rule (metallb.md §3.4) when none is configured. */
final class RouterIds {
    private RouterIds() {}

    static Inet4Address choose(Inet4Address configured, InetAddress local, String nodeName) {
        if (configured != null) return configured;
        if (local instanceof Inet4Address v4) return v4;
        if (local != null) {
            try {
                NetworkInterface nif = NetworkInterface.getByInetAddress(local);
                if (nif != null) {
                    var it = nif.getInetAddresses();
                    while (it.hasMoreElements()) {
                        if (it.nextElement() instanceof Inet4Address v4) return v4;
                    }
                }
            } catch (SocketException e) {
                // fall through to the node-name hash
            }
        }
        return fromNodeName(nodeName);
    }

    /** The 4 bytes of CRC-32/IEEE of the node name, little-endian (MetalLB: "node-1" gives 95.28.242.19). */
    static Inet4Address fromNodeName(String nodeName) {
        CRC32 crc = new CRC32();
        crc.update((nodeName == null ? "" : nodeName).getBytes(StandardCharsets.UTF_8));
        long v = crc.getValue();
        byte[] b = {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
