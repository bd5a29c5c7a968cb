package dev.ingot.bgp.codec;

import static dev.ingot.bgp.codec.BgpMessage.Notification.MESSAGE_HEADER_ERROR;
import static dev.ingot.bgp.codec.BgpMessage.Notification.OPEN_MESSAGE_ERROR;
import static dev.ingot.bgp.codec.BgpMessage.Notification.ROUTE_REFRESH_MESSAGE_ERROR;
import static dev.ingot.bgp.codec.BgpMessage.Notification.UPDATE_MESSAGE_ERROR;

import dev.ingot.bgp.codec.BgpMessage.Keepalive;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.BgpMessage.Open;
import dev.ingot.bgp.codec.BgpMessage.RouteRefresh;
import dev.ingot.bgp.codec.BgpMessage.Update;
import dev.ingot.bgp.codec.PathAttribute.AsPath;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Symmetric encoder and decoder of whole BGP messages (header included). Pure: no I/O, no state besides the
 * {@link CodecOptions} passed in. Every malformed input ends in a {@link BgpProtocolException} that carries the
 * NOTIFICATION RFC 4271 §6 asks for, or, where RFC 7606 allows it, in an {@link Update} marked treat-as-withdraw.
 */
public final class BgpCodec {
    private BgpCodec() {}

    // ---------------------------------------------------------------- decode

    /** Decodes one message; {@code frame} holds exactly one message, header included. */
    public static BgpMessage decode(ByteBuf frame, CodecOptions options) {
        int length = frame.readableBytes();
        if (length < BgpMessage.HEADER_LENGTH) {
            throw new BgpProtocolException(MESSAGE_HEADER_ERROR, 2, u16(length), "message of " + length + " octets is shorter than the 19-octet header (RFC 4271 §4.1)");
        }
        int start = frame.readerIndex();
        for (int i = 0; i < 16; i++) {
            if (frame.getByte(start + i) != (byte) 0xFF) {
                throw new BgpProtocolException(MESSAGE_HEADER_ERROR, 1, "marker is not all ones (RFC 4271 §4.1)");
            }
        }
        int declared = frame.getUnsignedShort(start + 16);
        if (declared != length) {
            throw new BgpProtocolException(MESSAGE_HEADER_ERROR, 2, u16(declared), "length field " + declared + " but frame has " + length + " octets");
        }
        int type = frame.getUnsignedByte(start + 18);
        ByteBuf body = frame.slice(start + BgpMessage.HEADER_LENGTH, length - BgpMessage.HEADER_LENGTH);
        frame.skipBytes(length);
        return switch (type) {
            case BgpMessage.OPEN -> {
                checkLength(length >= 29, length, "OPEN is at least 29 octets");
                yield decodeOpen(body, length);
            }
            case BgpMessage.UPDATE -> {
                checkLength(length >= 23, length, "UPDATE is at least 23 octets");
                yield decodeUpdate(body, options);
            }
            case BgpMessage.NOTIFICATION -> {
                checkLength(length >= 21, length, "NOTIFICATION is at least 21 octets");
                yield new Notification(body.readUnsignedByte(), body.readUnsignedByte(), ByteBufUtil.getBytes(body));
            }
            case BgpMessage.KEEPALIVE -> {
                checkLength(length == 19, length, "KEEPALIVE is exactly 19 octets");
                yield Keepalive.INSTANCE;
            }
            case BgpMessage.ROUTE_REFRESH -> {
                if (length != 23) {
                    throw new BgpProtocolException(ROUTE_REFRESH_MESSAGE_ERROR, 1, ByteBufUtil.getBytes(frame, start, length),
                            "ROUTE-REFRESH is exactly 23 octets, got " + length + " (RFC 7313 §5)");
                }
                int afi = body.readUnsignedShort();
                int subtype = body.readUnsignedByte();
                int safi = body.readUnsignedByte();
                yield new RouteRefresh(new AfiSafi(afi, safi), subtype);
            }
            default -> throw new BgpProtocolException(MESSAGE_HEADER_ERROR, 3, new byte[] {(byte) type},
                    "unknown message type " + type + " (RFC 4271 §6.1)");
        };
    }

    private static void checkLength(boolean ok, int length, String rule) {
        if (!ok) {
            throw new BgpProtocolException(MESSAGE_HEADER_ERROR, 2, u16(length), "bad message length " + length + ": " + rule + " (RFC 4271 §6.1)");
        }
    }

    private static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    private static Open decodeOpen(ByteBuf b, int length) {
        int version = b.readUnsignedByte();
        if (version != 4) {
            throw new BgpProtocolException(OPEN_MESSAGE_ERROR, 1, u16(4), "BGP version " + version + " is not supported; this speaker speaks version 4");
        }
        int myAs = b.readUnsignedShort();
        int hold = b.readUnsignedShort();
        byte[] id = new byte[4];
        b.readBytes(id);
        int optLen = b.readUnsignedByte();
        if (optLen != b.readableBytes()) {
            throw new BgpProtocolException(MESSAGE_HEADER_ERROR, 2, u16(length),
                    "OPEN Optional Parameters Length " + optLen + " does not match the " + b.readableBytes() + " octets that follow");
        }
        List<Capability> caps = new ArrayList<>();
        while (b.isReadable()) {
            if (b.readableBytes() < 2) throw malformedOpen("truncated optional parameter");
            int ptype = b.readUnsignedByte();
            int plen = b.readUnsignedByte();
            if (plen > b.readableBytes()) throw malformedOpen("optional parameter length " + plen + " overruns the OPEN");
            ByteBuf p = b.readSlice(plen);
            if (ptype != 2) {
                throw new BgpProtocolException(OPEN_MESSAGE_ERROR, 4, "optional parameter type " + ptype + " is not supported (only capabilities, RFC 5492)");
            }
            while (p.isReadable()) {
                if (p.readableBytes() < 2) throw malformedOpen("truncated capability");
                int code = p.readUnsignedByte();
                int clen = p.readUnsignedByte();
                if (clen > p.readableBytes()) throw malformedOpen("capability " + code + " length " + clen + " overruns its parameter");
                caps.add(decodeCapability(code, p.readSlice(clen)));
            }
        }
        return new Open(version, myAs, hold, (Inet4Address) address(id), caps);
    }

    private static BgpProtocolException malformedOpen(String why) {
        return new BgpProtocolException(OPEN_MESSAGE_ERROR, 0, "malformed OPEN: " + why + " (RFC 4271 §4.2, RFC 5492)");
    }

    private static Capability decodeCapability(int code, ByteBuf v) {
        int len = v.readableBytes();
        switch (code) {
            case Capability.MULTIPROTOCOL -> {
                if (len != 4) throw malformedOpen("multiprotocol capability has length " + len + ", not 4 (RFC 4760 §8)");
                int afi = v.readUnsignedShort();
                v.skipBytes(1);
                return new Capability.Multiprotocol(new AfiSafi(afi, v.readUnsignedByte()));
            }
            case Capability.ROUTE_REFRESH, Capability.EXTENDED_MESSAGE -> {
                if (len != 0) throw malformedOpen("capability " + code + " has length " + len + ", not 0");
                return code == Capability.ROUTE_REFRESH ? new Capability.RouteRefresh() : new Capability.ExtendedMessage();
            }
            case Capability.FOUR_OCTET_AS -> {
                if (len != 4) throw malformedOpen("4-octet AS capability has length " + len + ", not 4 (RFC 6793)");
                return new Capability.FourOctetAs(v.readUnsignedInt());
            }
            case Capability.GRACEFUL_RESTART -> {
                if (len < 2 || (len - 2) % 4 != 0) throw malformedOpen("graceful restart capability has length " + len + " (RFC 4724 §3)");
                int w = v.readUnsignedShort();
                List<Capability.GracefulRestart.Family> fams = new ArrayList<>();
                while (v.isReadable()) {
                    int afi = v.readUnsignedShort();
                    int safi = v.readUnsignedByte();
                    fams.add(new Capability.GracefulRestart.Family(new AfiSafi(afi, safi), v.readUnsignedByte()));
                }
                return new Capability.GracefulRestart(w >> 12, w & 0xFFF, fams);
            }
            default -> {
                return new Capability.Unknown(code, ByteBufUtil.getBytes(v));
            }
        }
    }

    private static Update decodeUpdate(ByteBuf b, CodecOptions options) {
        int wlen = b.readUnsignedShort();
        if (wlen > b.readableBytes() - 2) {
            throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 1, "Withdrawn Routes Length " + wlen + " overruns the UPDATE (RFC 4271 §6.3)");
        }
        List<Prefix> withdrawn = decodePrefixes(b.readSlice(wlen), 4, 1, "Withdrawn Routes");
        int alen = b.readUnsignedShort();
        if (alen > b.readableBytes()) {
            throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 1, "Total Path Attribute Length " + alen + " overruns the UPDATE (RFC 4271 §6.3)");
        }
        ByteBuf attrs = b.readSlice(alen);
        List<Prefix> nlri = decodePrefixes(b, 4, 10, "NLRI");

        List<PathAttribute> out = new ArrayList<>();
        boolean[] seen = new boolean[256];
        String taw = null;
        while (attrs.isReadable()) {
            int at = attrs.readerIndex();
            if (attrs.readableBytes() < 3) {
                throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 1, "truncated path attribute header (RFC 4271 §6.3)");
            }
            int flags = attrs.readUnsignedByte();
            int type = attrs.readUnsignedByte();
            int len;
            if ((flags & PathAttribute.EXTENDED_LENGTH) != 0) {
                if (attrs.readableBytes() < 2) throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 1, "truncated extended attribute length");
                len = attrs.readUnsignedShort();
            } else {
                len = attrs.readUnsignedByte();
            }
            if (len > attrs.readableBytes()) {
                throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 1,
                        "attribute type " + type + " length " + len + " overruns the attribute list (RFC 4271 §6.3, RFC 7606 §4)");
            }
            ByteBuf v = attrs.readSlice(len);
            boolean mp = type == PathAttribute.MP_REACH_NLRI || type == PathAttribute.MP_UNREACH_NLRI;
            if (seen[type]) {
                if (mp) throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 1, "MP_REACH_NLRI or MP_UNREACH_NLRI appears twice (RFC 7606 §3 g)");
                continue; // RFC 7606 §3 g: discard all but the first occurrence
            }
            seen[type] = true;
            try {
                out.add(decodeAttribute(flags, type, v, options));
            } catch (Malformed m) {
                if (mp) {
                    throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 9, ByteBufUtil.getBytes(attrs, at, attrs.readerIndex() - at),
                            m.getMessage() + " (RFC 7606 §7.3: session reset)");
                }
                if (taw == null) taw = m.getMessage();
            }
        }
        boolean mpReach = out.stream().anyMatch(a -> a instanceof PathAttribute.MpReach);
        if (taw == null && (!nlri.isEmpty() || mpReach)) {
            // RFC 4271 §6.3 / RFC 7606 §3 d: missing well-known mandatory attributes.
            if (!seen[PathAttribute.ORIGIN]) taw = "missing well-known attribute ORIGIN";
            else if (!seen[PathAttribute.AS_PATH]) taw = "missing well-known attribute AS_PATH";
            else if (!nlri.isEmpty() && !seen[PathAttribute.NEXT_HOP]) taw = "missing well-known attribute NEXT_HOP";
            if (taw != null) taw += " (RFC 7606 §3 d)";
        }
        return new Update(withdrawn, out, nlri, taw);
    }

    /** A malformed attribute value: handled as RFC 7606 says for its type (treat-as-withdraw or session reset). */
    private static final class Malformed extends Exception {
        Malformed(String m) { super(m, null, false, false); }
    }

    private static void expectFlags(int flags, int want, String name) throws Malformed {
        if ((flags & (PathAttribute.OPTIONAL | PathAttribute.TRANSITIVE)) != want) {
            throw new Malformed(name + " has attribute flags 0x" + Integer.toHexString(flags) + " (RFC 7606 §3 c)");
        }
    }

    private static void expectLength(ByteBuf v, boolean ok, String name) throws Malformed {
        if (!ok) throw new Malformed(name + " has bad length " + v.readableBytes() + " (RFC 7606 §7)");
    }

    private static PathAttribute decodeAttribute(int flags, int type, ByteBuf v, CodecOptions options) throws Malformed {
        int wk = PathAttribute.TRANSITIVE;
        int len = v.readableBytes();
        switch (type) {
            case PathAttribute.ORIGIN -> {
                expectFlags(flags, wk, "ORIGIN");
                expectLength(v, len == 1, "ORIGIN");
                int o = v.readUnsignedByte();
                if (o > 2) throw new Malformed("ORIGIN value " + o + " is undefined (RFC 7606 §7.1)");
                return new PathAttribute.Origin(o);
            }
            case PathAttribute.AS_PATH -> {
                expectFlags(flags, wk, "AS_PATH");
                int width = options.fourOctetAs() ? 4 : 2;
                List<AsPath.Segment> segs = new ArrayList<>();
                while (v.isReadable()) {
                    if (v.readableBytes() < 2) throw new Malformed("AS_PATH segment header truncated (RFC 7606 §7.2)");
                    int st = v.readUnsignedByte();
                    int n = v.readUnsignedByte();
                    if (st < 1 || st > 4) throw new Malformed("AS_PATH segment type " + st + " is undefined (RFC 7606 §7.2)");
                    if (n == 0 || n * width > v.readableBytes()) throw new Malformed("AS_PATH segment of " + n + " ASNs is empty or overruns (RFC 7606 §7.2)");
                    List<Long> asns = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) asns.add(width == 4 ? v.readUnsignedInt() : (long) v.readUnsignedShort());
                    segs.add(new AsPath.Segment(st, asns));
                }
                return new AsPath(segs);
            }
            case PathAttribute.NEXT_HOP -> {
                expectFlags(flags, wk, "NEXT_HOP");
                expectLength(v, len == 4, "NEXT_HOP");
                return new PathAttribute.NextHop(address(ByteBufUtil.getBytes(v)));
            }
            case PathAttribute.MULTI_EXIT_DISC -> {
                expectFlags(flags, PathAttribute.OPTIONAL, "MULTI_EXIT_DISC");
                expectLength(v, len == 4, "MULTI_EXIT_DISC");
                return new PathAttribute.MultiExitDisc(v.readUnsignedInt());
            }
            case PathAttribute.LOCAL_PREF -> {
                expectFlags(flags, wk, "LOCAL_PREF");
                expectLength(v, len == 4, "LOCAL_PREF");
                return new PathAttribute.LocalPref(v.readUnsignedInt());
            }
            case PathAttribute.COMMUNITIES -> {
                expectFlags(flags, PathAttribute.OPTIONAL | PathAttribute.TRANSITIVE, "COMMUNITIES");
                expectLength(v, len > 0 && len % 4 == 0, "COMMUNITIES");
                List<Long> c = new ArrayList<>(len / 4);
                while (v.isReadable()) c.add(v.readUnsignedInt());
                return new PathAttribute.Communities(c);
            }
            case PathAttribute.EXTENDED_COMMUNITIES -> {
                expectFlags(flags, PathAttribute.OPTIONAL | PathAttribute.TRANSITIVE, "EXTENDED_COMMUNITIES");
                expectLength(v, len > 0 && len % 8 == 0, "EXTENDED_COMMUNITIES");
                List<Long> c = new ArrayList<>(len / 8);
                while (v.isReadable()) c.add(v.readLong());
                return new PathAttribute.ExtendedCommunities(c);
            }
            case PathAttribute.LARGE_COMMUNITIES -> {
                expectFlags(flags, PathAttribute.OPTIONAL | PathAttribute.TRANSITIVE, "LARGE_COMMUNITIES");
                expectLength(v, len > 0 && len % 12 == 0, "LARGE_COMMUNITIES");
                List<PathAttribute.LargeCommunity> c = new ArrayList<>(len / 12);
                while (v.isReadable()) c.add(new PathAttribute.LargeCommunity(v.readUnsignedInt(), v.readUnsignedInt(), v.readUnsignedInt()));
                return new PathAttribute.LargeCommunities(c);
            }
            case PathAttribute.MP_REACH_NLRI, PathAttribute.MP_UNREACH_NLRI -> {
                boolean reach = type == PathAttribute.MP_REACH_NLRI;
                String name = reach ? "MP_REACH_NLRI" : "MP_UNREACH_NLRI";
                expectFlags(flags, PathAttribute.OPTIONAL, name);
                expectLength(v, len >= (reach ? 5 : 3), name);
                int afi = v.getUnsignedShort(v.readerIndex());
                int safi = v.getUnsignedByte(v.readerIndex() + 2);
                if (safi != AfiSafi.SAFI_UNICAST || (afi != AfiSafi.AFI_IPV4 && afi != AfiSafi.AFI_IPV6)) {
                    return new PathAttribute.Unknown(flags, type, ByteBufUtil.getBytes(v)); // a family we do not speak
                }
                v.skipBytes(3);
                AfiSafi fam = new AfiSafi(afi, safi);
                int alen = afi == AfiSafi.AFI_IPV4 ? 4 : 16;
                try {
                    if (!reach) return new PathAttribute.MpUnreach(fam, decodePrefixes(v, alen, 9, name));
                    int nhLen = v.readUnsignedByte();
                    if (nhLen > v.readableBytes() - 1 || (nhLen != alen && nhLen != 2 * alen) || (afi == AfiSafi.AFI_IPV4 && nhLen != 4)) {
                        throw new Malformed(name + " next hop length " + nhLen + " is invalid for " + fam);
                    }
                    List<InetAddress> nhs = new ArrayList<>(2);
                    for (int i = 0; i < nhLen / alen; i++) {
                        byte[] a = new byte[alen];
                        v.readBytes(a);
                        nhs.add(address(a));
                    }
                    v.skipBytes(1); // reserved
                    return new PathAttribute.MpReach(fam, nhs, decodePrefixes(v, alen, 9, name));
                } catch (BgpProtocolException e) {
                    throw new Malformed(e.getMessage());
                }
            }
            default -> {
                if ((flags & PathAttribute.OPTIONAL) == 0) {
                    throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, 2, attributeBytes(flags, type, v),
                            "unrecognized well-known attribute type " + type + " (RFC 4271 §6.3)");
                }
                return new PathAttribute.Unknown(flags, type, ByteBufUtil.getBytes(v));
            }
        }
    }

    private static byte[] attributeBytes(int flags, int type, ByteBuf v) {
        int len = v.readableBytes();
        boolean ext = (flags & PathAttribute.EXTENDED_LENGTH) != 0;
        byte[] out = new byte[(ext ? 4 : 3) + len];
        out[0] = (byte) flags;
        out[1] = (byte) type;
        if (ext) { out[2] = (byte) (len >> 8); out[3] = (byte) len; } else { out[2] = (byte) len; }
        v.getBytes(v.readerIndex(), out, ext ? 4 : 3, len);
        return out;
    }

    /** Prefixes in NLRI encoding until {@code b} is exhausted; host bits past the length are cleared. */
    private static List<Prefix> decodePrefixes(ByteBuf b, int addrLen, int subcode, String field) {
        List<Prefix> out = new ArrayList<>();
        while (b.isReadable()) {
            int len = b.readUnsignedByte();
            int n = (len + 7) / 8;
            if (len > addrLen * 8 || n > b.readableBytes()) {
                throw new BgpProtocolException(UPDATE_MESSAGE_ERROR, subcode,
                        field + ": prefix length " + len + " is invalid or overruns the field (RFC 4271 §6.3)");
            }
            byte[] a = new byte[addrLen];
            b.readBytes(a, 0, n);
            if (len % 8 != 0) a[n - 1] &= (byte) (0xFF << (8 - len % 8));
            out.add(Prefix.of(a, len));
        }
        return out;
    }

    private static InetAddress address(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------- encode

    /**
     * Appends the encoding of {@code msg} to {@code out}.
     *
     * @throws IllegalArgumentException if the message would exceed the negotiated maximum length: a caller's bug,
     *     never a peer's.
     */
    public static void encode(BgpMessage msg, ByteBuf out, CodecOptions options) {
        int start = out.writerIndex();
        out.writeLong(-1L).writeLong(-1L).writeShort(0).writeByte(msg.type());
        switch (msg) {
            case Open o -> encodeOpen(o, out);
            case Update u -> encodeUpdate(u, out, options);
            case Notification n -> out.writeByte(n.code()).writeByte(n.subcode()).writeBytes(n.data());
            case Keepalive k -> { }
            case RouteRefresh r -> out.writeShort(r.family().afi()).writeByte(r.subtype()).writeByte(r.family().safi());
        }
        int length = out.writerIndex() - start;
        int max = msg instanceof Update ? options.maxMessageLength() : BgpMessage.MAX_LENGTH;
        if (length > max) {
            out.writerIndex(start);
            throw new IllegalArgumentException(msg.typeName() + " of " + length + " octets exceeds the maximum of " + max);
        }
        out.setShort(start + 16, length);
    }

    private static void encodeOpen(Open o, ByteBuf out) {
        out.writeByte(o.version()).writeShort(o.myAs()).writeShort(o.holdTime()).writeBytes(o.bgpIdentifier().getAddress());
        int optLenAt = out.writerIndex();
        out.writeByte(0);
        int paramAt = -1;
        for (Capability c : o.capabilities()) {
            int needed = 2 + capabilityLength(c);
            if (paramAt < 0 || out.writerIndex() - paramAt - 2 + needed > 255) {
                if (paramAt >= 0) out.setByte(paramAt + 1, out.writerIndex() - paramAt - 2);
                paramAt = out.writerIndex();
                out.writeByte(2).writeByte(0); // optional parameter: capabilities
            }
            encodeCapability(c, out);
        }
        if (paramAt >= 0) out.setByte(paramAt + 1, out.writerIndex() - paramAt - 2);
        int optLen = out.writerIndex() - optLenAt - 1;
        if (optLen > 255) throw new IllegalArgumentException("OPEN optional parameters exceed 255 octets");
        out.setByte(optLenAt, optLen);
    }

    private static int capabilityLength(Capability c) {
        return switch (c) {
            case Capability.Multiprotocol m -> 4;
            case Capability.RouteRefresh r -> 0;
            case Capability.ExtendedMessage e -> 0;
            case Capability.FourOctetAs f -> 4;
            case Capability.GracefulRestart g -> 2 + 4 * g.families().size();
            case Capability.Unknown u -> u.value().length;
        };
    }

    private static void encodeCapability(Capability c, ByteBuf out) {
        out.writeByte(c.code()).writeByte(capabilityLength(c));
        switch (c) {
            case Capability.Multiprotocol m -> out.writeShort(m.family().afi()).writeByte(0).writeByte(m.family().safi());
            case Capability.RouteRefresh r -> { }
            case Capability.ExtendedMessage e -> { }
            case Capability.FourOctetAs f -> out.writeInt((int) f.asn());
            case Capability.GracefulRestart g -> {
                out.writeShort((g.flags() << 12) | g.restartTime());
                for (var f : g.families()) out.writeShort(f.family().afi()).writeByte(f.family().safi()).writeByte(f.flags());
            }
            case Capability.Unknown u -> out.writeBytes(u.value());
        }
    }

    private static void encodeUpdate(Update u, ByteBuf out, CodecOptions options) {
        int wAt = out.writerIndex();
        out.writeShort(0);
        for (Prefix p : u.withdrawn()) writePrefix(p, out);
        out.setShort(wAt, out.writerIndex() - wAt - 2);
        int aAt = out.writerIndex();
        out.writeShort(0);
        for (PathAttribute a : u.attributes()) encodeAttribute(a, out, options);
        out.setShort(aAt, out.writerIndex() - aAt - 2);
        for (Prefix p : u.nlri()) writePrefix(p, out);
    }

    /** Octets {@code a} takes on the wire, header included. */
    public static int attributeLength(PathAttribute a, CodecOptions options) {
        int v = valueLength(a, options);
        return (v > 255 ? 4 : 3) + v;
    }

    private static int valueLength(PathAttribute a, CodecOptions options) {
        return switch (a) {
            case PathAttribute.Origin o -> 1;
            case AsPath p -> p.segments().stream().mapToInt(s -> 2 + s.asns().size() * (options.fourOctetAs() ? 4 : 2)).sum();
            case PathAttribute.NextHop n -> 4;
            case PathAttribute.MultiExitDisc m -> 4;
            case PathAttribute.LocalPref l -> 4;
            case PathAttribute.Communities c -> 4 * c.values().size();
            case PathAttribute.ExtendedCommunities c -> 8 * c.values().size();
            case PathAttribute.LargeCommunities c -> 12 * c.values().size();
            case PathAttribute.MpReach r -> 5 + r.nextHops().stream().mapToInt(h -> h.getAddress().length).sum()
                    + r.nlri().stream().mapToInt(Prefix::wireLength).sum();
            case PathAttribute.MpUnreach r -> 3 + r.withdrawn().stream().mapToInt(Prefix::wireLength).sum();
            case PathAttribute.Unknown x -> x.value().length;
        };
    }

    private static void encodeAttribute(PathAttribute a, ByteBuf out, CodecOptions options) {
        int len = valueLength(a, options);
        if (len > 0xFFFF) throw new IllegalArgumentException("attribute " + a.type() + " exceeds 65535 octets");
        boolean ext = len > 255;
        out.writeByte(a.flags() | (ext ? PathAttribute.EXTENDED_LENGTH : 0)).writeByte(a.type());
        if (ext) out.writeShort(len); else out.writeByte(len);
        switch (a) {
            case PathAttribute.Origin o -> out.writeByte(o.value());
            case AsPath p -> {
                for (AsPath.Segment s : p.segments()) {
                    out.writeByte(s.segmentType()).writeByte(s.asns().size());
                    for (long asn : s.asns()) {
                        if (options.fourOctetAs()) out.writeInt((int) asn);
                        else out.writeShort(asn > 0xFFFF ? BgpMessage.AS_TRANS : (int) asn);
                    }
                }
            }
            case PathAttribute.NextHop n -> out.writeBytes(n.address().getAddress());
            case PathAttribute.MultiExitDisc m -> out.writeInt((int) m.value());
            case PathAttribute.LocalPref l -> out.writeInt((int) l.value());
            case PathAttribute.Communities c -> c.values().forEach(v -> out.writeInt(v.intValue()));
            case PathAttribute.ExtendedCommunities c -> c.values().forEach(out::writeLong);
            case PathAttribute.LargeCommunities c -> c.values().forEach(v ->
                    out.writeInt((int) v.global()).writeInt((int) v.local1()).writeInt((int) v.local2()));
            case PathAttribute.MpReach r -> {
                out.writeShort(r.family().afi()).writeByte(r.family().safi());
                out.writeByte(r.nextHops().stream().mapToInt(h -> h.getAddress().length).sum());
                r.nextHops().forEach(h -> out.writeBytes(h.getAddress()));
                out.writeByte(0);
                r.nlri().forEach(p -> writePrefix(p, out));
            }
            case PathAttribute.MpUnreach r -> {
                out.writeShort(r.family().afi()).writeByte(r.family().safi());
                r.withdrawn().forEach(p -> writePrefix(p, out));
            }
            case PathAttribute.Unknown x -> out.writeBytes(x.value());
        }
    }

    private static void writePrefix(Prefix p, ByteBuf out) {
        p.writeNlri(out);
    }
}
