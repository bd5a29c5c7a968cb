package dev.ingot.ipvs.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The attributes ({@code struct nlattr} TLVs) of one level, by type. Types are masked of the nested and byte-order
 * flags; a type seen twice keeps its last value. Values are views in the host's byte order at position 0.
 */
public final class Attributes {
    private static final Attributes EMPTY = new Attributes(new ByteBuffer[0]);
    private final ByteBuffer[] byType;

    private Attributes(ByteBuffer[] byType) {
        this.byType = byType;
    }

    /** Parses the TLVs from the buffer's position to its limit. */
    public static Attributes parse(ByteBuffer b) {
        ByteBuffer[] found = new ByteBuffer[16];
        int at = b.position();
        int limit = b.limit();
        while (limit - at >= Nl.NLA_HDRLEN) {
            int len = b.getShort(at) & 0xffff;
            int type = b.getShort(at + 2) & Nl.NLA_TYPE_MASK;
            if (len < Nl.NLA_HDRLEN || len > limit - at) {
                throw new IllegalArgumentException("malformed netlink attribute: type " + type + " length " + len);
            }
            if (type >= found.length) {
                found = java.util.Arrays.copyOf(found, Math.max(type + 1, found.length * 2));
            }
            found[type] = b.slice(at + Nl.NLA_HDRLEN, len - Nl.NLA_HDRLEN).order(ByteOrder.nativeOrder());
            at += Nl.align(len);
        }
        return new Attributes(found);
    }

    /** Parses the attributes of a message payload that starts with a fixed header of {@code headerLen} bytes. */
    public static Attributes parse(ByteBuffer payload, int headerLen) {
        if (payload.remaining() < headerLen) {
            return EMPTY;
        }
        return parse(payload.slice(headerLen, payload.remaining() - headerLen).order(ByteOrder.nativeOrder()));
    }

    public ByteBuffer get(int type) {
        return type < byType.length ? byType[type] : null;
    }

    public boolean has(int type) {
        return get(type) != null;
    }

    public Attributes nested(int type) {
        ByteBuffer v = get(type);
        return v == null ? EMPTY : parse(v);
    }

    public int u8(int type, int dflt) {
        ByteBuffer v = get(type);
        return v == null || v.remaining() < 1 ? dflt : v.get(0) & 0xff;
    }

    public int u16(int type, int dflt) {
        ByteBuffer v = get(type);
        return v == null || v.remaining() < 2 ? dflt : v.getShort(0) & 0xffff;
    }

    public int u32(int type, int dflt) {
        ByteBuffer v = get(type);
        return v == null || v.remaining() < 4 ? dflt : v.getInt(0);
    }

    public int be16(int type, int dflt) {
        ByteBuffer v = get(type);
        return v == null || v.remaining() < 2 ? dflt : ((v.get(0) & 0xff) << 8) | (v.get(1) & 0xff);
    }

    public String string(int type) {
        ByteBuffer v = get(type);
        return v == null ? null : string(v);
    }

    /** The first {@code len} bytes (4 or 16) of an address attribute. */
    public InetAddress address(int type, int len) {
        ByteBuffer v = get(type);
        if (v == null || v.remaining() < len) {
            return null;
        }
        byte[] b = new byte[len];
        v.get(0, b);
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static String string(ByteBuffer v) {
        byte[] b = new byte[v.remaining()];
        v.get(v.position(), b);
        return Message.cString(b);
    }
}
