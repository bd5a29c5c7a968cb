package dev.ingot.ipvs.netlink;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Writes netlink messages, one after the other, into a buffer of fixed capacity in the host's byte order: a header,
 * a protocol's fixed header, then attributes (nestable). Pure code: it does no I/O, so every message can be checked
 * byte by byte. A message that does not fit raises {@link BufferOverflowException} and is rolled back by
 * {@link #abandon()}, so that a batch can be sent and the message written again into the emptied buffer.
 */
public final class MessageWriter {
    private static final int MAX_DEPTH = 8;
    private final ByteBuffer buf;
    private int start = -1;
    private final int[] nests = new int[MAX_DEPTH];
    private int depth;
    private int messages;
    private int last = -1;

    public MessageWriter(int capacity) {
        this.buf = ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
    }

    /** Starts a message: {@code struct nlmsghdr} with its length filled in by {@link #end()}; pid 0 (the kernel). */
    public MessageWriter begin(int type, int flags, int seq) {
        if (start >= 0) {
            throw new IllegalStateException("message not ended");
        }
        start = buf.position();
        depth = 0;
        buf.putInt(0).putShort((short) type).putShort((short) flags).putInt(seq).putInt(0);
        return this;
    }

    /** Ends the current message: fills in nlmsg_len and pads to 4 bytes. */
    public MessageWriter end() {
        if (depth != 0) {
            throw new IllegalStateException("nested attribute not ended");
        }
        buf.putInt(start, buf.position() - start);
        pad();
        last = start;
        start = -1;
        messages++;
        return this;
    }

    /** Drops the message being written, e.g. after it did not fit. */
    public void abandon() {
        if (start >= 0) {
            buf.position(start);
            start = -1;
            depth = 0;
        }
    }

    public MessageWriter u8(int v) {
        buf.put((byte) v);
        return this;
    }

    public MessageWriter u16(int v) {
        buf.putShort((short) v);
        return this;
    }

    public MessageWriter u32(int v) {
        buf.putInt(v);
        return this;
    }

    public MessageWriter attr(int type, byte[] value) {
        header(type, value.length);
        buf.put(value);
        pad();
        return this;
    }

    public MessageWriter attrU8(int type, int v) {
        header(type, 1);
        buf.put((byte) v);
        pad();
        return this;
    }

    public MessageWriter attrU16(int type, int v) {
        header(type, 2);
        buf.putShort((short) v);
        pad();
        return this;
    }

    public MessageWriter attrU32(int type, int v) {
        header(type, 4);
        buf.putInt(v);
        return this;
    }

    /** A 16-bit value in network byte order (ports). */
    public MessageWriter attrBe16(int type, int v) {
        header(type, 2);
        buf.put((byte) (v >>> 8)).put((byte) v);
        pad();
        return this;
    }

    /** A 32-bit value in network byte order (netmasks). */
    public MessageWriter attrBe32(int type, int v) {
        header(type, 4);
        buf.put((byte) (v >>> 24)).put((byte) (v >>> 16)).put((byte) (v >>> 8)).put((byte) v);
        return this;
    }

    /** A NUL-terminated string. */
    public MessageWriter attrString(int type, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        header(type, b.length + 1);
        buf.put(b).put((byte) 0);
        pad();
        return this;
    }

    /** An address as a {@code union nf_inet_addr}: 16 bytes, an IPv4 address in the first 4. */
    public MessageWriter attrInetAddr16(int type, InetAddress a) {
        header(type, 16);
        buf.put(a.getAddress());
        if (a instanceof Inet4Address) {
            buf.putInt(0).putLong(0);
        }
        return this;
    }

    /** Two 32-bit values in host order (e.g. {@code struct ip_vs_flags}). */
    public MessageWriter attrU32Pair(int type, int first, int second) {
        header(type, 8);
        buf.putInt(first).putInt(second);
        return this;
    }

    /** An address in its own length: 4 bytes for IPv4, 16 for IPv6. */
    public MessageWriter attrInetAddr(int type, InetAddress a) {
        return attr(type, a.getAddress());
    }

    /** Opens a nested attribute (type | NLA_F_NESTED), closed by {@link #nestEnd()}. */
    public MessageWriter nestStart(int type) {
        if (depth == MAX_DEPTH) {
            throw new IllegalStateException("nesting too deep");
        }
        nests[depth++] = buf.position();
        header(type | Nl.NLA_F_NESTED, 0);
        return this;
    }

    public MessageWriter nestEnd() {
        int at = nests[--depth];
        buf.putShort(at, (short) (buf.position() - at));
        return this;
    }

    private void header(int type, int payloadLen) {
        if (start < 0) {
            throw new IllegalStateException("no message begun");
        }
        int len = Nl.NLA_HDRLEN + payloadLen;
        if (buf.remaining() < Nl.align(len)) {
            throw new BufferOverflowException();
        }
        buf.putShort((short) len).putShort((short) type);
    }

    private void pad() {
        while ((buf.position() & 3) != 0) {
            buf.put((byte) 0);
        }
    }

    /** Bytes of complete messages written so far. */
    public int size() {
        return start >= 0 ? start : buf.position();
    }

    /** Complete messages written since the last {@link #clear()}. */
    public int messages() {
        return messages;
    }

    public boolean isEmpty() {
        return messages == 0;
    }

    /** A read-only view of the complete messages, for sending or for tests. */
    public ByteBuffer contents() {
        return buf.asReadOnlyBuffer().order(buf.order()).position(0).limit(size()).slice().order(buf.order());
    }

    /** The complete messages as a new array. */
    public byte[] toByteArray() {
        byte[] out = new byte[size()];
        buf.get(0, out);
        return out;
    }

    /** Empties the buffer, keeping a message in progress (which it moves to the front). */
    public void clear() {
        if (start >= 0) {
            int len = buf.position() - start;
            buf.put(0, buf, start, len);
            for (int i = 0; i < depth; i++) {
                nests[i] -= start;
            }
            start = 0;
            buf.position(len);
        } else {
            buf.clear();
        }
        messages = 0;
        last = -1;
    }

    /** Adds flags to the last complete message (e.g. NLM_F_ACK on the last of a batch). */
    public void orFlagsOfLast(int flags) {
        if (last < 0) {
            throw new IllegalStateException("no complete message");
        }
        buf.putShort(last + 6, (short) (buf.getShort(last + 6) | flags));
    }

    public int capacity() {
        return buf.capacity();
    }

    static boolean isIpv4(InetAddress a) {
        return a instanceof Inet4Address;
    }
}
