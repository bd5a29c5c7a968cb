package dev.ingot.ipvs.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One netlink message as received: the header fields and the payload after {@code struct nlmsghdr} (a view in the
 * host's byte order, starting at position 0).
 */
public record Message(int type, int flags, int seq, int pid, ByteBuffer payload) {

    /** Splits a datagram into its messages. A malformed length ends the walk with an exception. */
    public static List<Message> parseAll(ByteBuffer datagram) {
        ByteBuffer b = datagram.duplicate().order(ByteOrder.nativeOrder());
        List<Message> out = new ArrayList<>();
        int base = b.position();
        int limit = b.limit();
        int at = base;
        while (limit - at >= Nl.HDRLEN) {
            int len = b.getInt(at);
            if (len < Nl.HDRLEN || len > limit - at) {
                throw new IllegalArgumentException("malformed netlink message: length " + len + " at offset "
                        + (at - base) + " of " + (limit - base));
            }
            int type = b.getShort(at + 4) & 0xffff;
            int flags = b.getShort(at + 6) & 0xffff;
            int seq = b.getInt(at + 8);
            int pid = b.getInt(at + 12);
            ByteBuffer payload = b.slice(at + Nl.HDRLEN, len - Nl.HDRLEN).order(ByteOrder.nativeOrder());
            out.add(new Message(type, flags, seq, pid, payload));
            at += Nl.align(len);
        }
        return out;
    }

    public boolean isError() {
        return type == Nl.NLMSG_ERROR;
    }

    public boolean isDone() {
        return type == Nl.NLMSG_DONE;
    }

    /** For NLMSG_ERROR and NLMSG_DONE: the positive errno, 0 for an ACK or a clean end of dump. */
    public int errno() {
        return payload.remaining() >= 4 ? -payload.getInt(0) : 0;
    }

    /**
     * The kernel's extended-ACK text of an NLMSG_ERROR or NLMSG_DONE ({@code NLMSGERR_ATTR_MSG}), or null. An error
     * message carries it after the echoed request (only its header when the reply is capped).
     */
    public String extAckMessage() {
        if ((flags & Nl.F_ACK_TLVS) == 0) {
            return null;
        }
        int at;
        if (isError()) {
            if (payload.remaining() < 4 + Nl.HDRLEN) {
                return null;
            }
            int echoed = (flags & Nl.F_CAPPED) != 0 ? Nl.HDRLEN : Nl.align(payload.getInt(4));
            at = 4 + echoed;
        } else {
            at = 4;
        }
        if (at > payload.remaining()) {
            return null;
        }
        ByteBuffer tlvs = payload.slice(at, payload.remaining() - at).order(ByteOrder.nativeOrder());
        ByteBuffer msg = Attributes.parse(tlvs).get(Nl.NLMSGERR_ATTR_MSG);
        return msg == null ? null : Attributes.string(msg);
    }

    /** A short description for logs and errors. */
    @Override
    public String toString() {
        return "Message[type=" + type + ", flags=0x" + Integer.toHexString(flags) + ", seq=" + seq + ", pid=" + pid
                + ", payload=" + payload.remaining() + "B]";
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.US_ASCII);
    }
}
