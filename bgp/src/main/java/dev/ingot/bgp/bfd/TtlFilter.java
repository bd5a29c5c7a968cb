package dev.ingot.bgp.bfd;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;

/**
 * Classic BPF socket filters that make the kernel drop BFD packets whose TTL (IPv4) or Hop Limit
 * (IPv6) is too low, before they reach the socket: the GTSM check of RFC 5881 §5 (TTL 255 on
 * single-hop) and the minimum-ttl check of RFC 5883 §5 (per peer on multihop). Linux does not apply
 * {@code IP_MINTTL} to UDP sockets and Netty does not expose the {@code IP_RECVTTL} ancillary data,
 * so the check runs in the kernel as a filter reading the IP header (offsets relative to
 * {@code SKF_NET_OFF}). Pure: it builds the instructions, {@link LinuxSockets} attaches them.
 */
final class TtlFilter {
    private static final int SKF_NET_OFF = -0x100000;
    private static final int LD_W_ABS = 0x20;
    private static final int LD_B_ABS = 0x30;
    private static final int JEQ_K = 0x15;
    private static final int JGE_K = 0x35;
    private static final int RET_K = 0x06;
    private static final int ACCEPT = 0xFFFF;
    private static final int DROP = 0;

    private TtlFilter() {
    }

    /** Accept only packets whose TTL/Hop Limit is at least {@code minTtl}, from anyone. */
    static byte[] minimumTtl(boolean ipv6, int minTtl) {
        Program p = new Program(4);
        p.ins(LD_B_ABS, 0, 0, SKF_NET_OFF + ttlOffset(ipv6));
        p.ins(JGE_K, 0, 1, minTtl);
        p.ins(RET_K, 0, 0, ACCEPT);
        p.ins(RET_K, 0, 0, DROP);
        return p.bytes();
    }

    /**
     * Accept a packet only if its source is one of {@code minTtlByPeer}'s keys and its TTL/Hop Limit is
     * at least that peer's minimum; drop everything else (no session would take it anyway).
     */
    static byte[] perPeer(boolean ipv6, Map<InetAddress, Integer> minTtlByPeer) {
        int words = ipv6 ? 4 : 1;
        Program p = new Program(minTtlByPeer.size() * (words * 2 + 4) + 1);
        for (var e : minTtlByPeer.entrySet()) {
            byte[] a = e.getKey().getAddress();
            if ((e.getKey() instanceof Inet4Address) == ipv6) {
                throw new IllegalArgumentException(e.getKey() + " is not of the socket's family");
            }
            // block: words x (ld src word; jeq -> next, else skip to the next block), ld ttl, jge, ret ok, ret drop
            int blockLeft = words * 2 + 4;
            for (int w = 0; w < words; w++) {
                p.ins(LD_W_ABS, 0, 0, SKF_NET_OFF + srcOffset(ipv6) + 4 * w);
                blockLeft -= 2;
                p.ins(JEQ_K, 0, blockLeft, ByteBuffer.wrap(a, 4 * w, 4).getInt());
            }
            p.ins(LD_B_ABS, 0, 0, SKF_NET_OFF + ttlOffset(ipv6));
            p.ins(JGE_K, 0, 1, e.getValue());
            p.ins(RET_K, 0, 0, ACCEPT);
            p.ins(RET_K, 0, 0, DROP);
        }
        p.ins(RET_K, 0, 0, DROP);
        return p.bytes();
    }

    private static int ttlOffset(boolean ipv6) {
        return ipv6 ? 7 : 8; // IPv6 Hop Limit / IPv4 TTL
    }

    private static int srcOffset(boolean ipv6) {
        return ipv6 ? 8 : 12;
    }

    /** struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; } in native byte order. */
    private static final class Program {
        private final ByteBuffer buf;

        Program(int capacity) {
            buf = ByteBuffer.allocate(capacity * 8).order(ByteOrder.nativeOrder());
        }

        void ins(int code, int jt, int jf, int k) {
            if (jt > 255 || jf > 255) {
                throw new IllegalStateException("BPF jump too long");
            }
            buf.putShort((short) code).put((byte) jt).put((byte) jf).putInt(k);
        }

        byte[] bytes() {
            byte[] out = new byte[buf.position()];
            buf.flip().get(out);
            return out;
        }
    }
}
