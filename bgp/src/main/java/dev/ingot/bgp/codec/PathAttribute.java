package dev.ingot.bgp.codec;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * A path attribute of an UPDATE (RFC 4271 §4.3, §5). One record per attribute this speaker interprets; every other
 * attribute is kept as {@link Unknown} with its flags and bytes, so optional transitive attributes round-trip.
 */
public sealed interface PathAttribute {
    int OPTIONAL = 0x80;
    int TRANSITIVE = 0x40;
    int PARTIAL = 0x20;
    int EXTENDED_LENGTH = 0x10;

    int ORIGIN = 1;
    int AS_PATH = 2;
    int NEXT_HOP = 3;
    int MULTI_EXIT_DISC = 4;
    int LOCAL_PREF = 5;
    int COMMUNITIES = 8;
    int MP_REACH_NLRI = 14;
    int MP_UNREACH_NLRI = 15;
    int EXTENDED_COMMUNITIES = 16;
    int LARGE_COMMUNITIES = 32;

    /** Type code. */
    int type();

    /** Optional/transitive/partial flags as this speaker sends them (the extended-length bit is chosen on encode). */
    int flags();

    /** ORIGIN: 0 IGP, 1 EGP, 2 INCOMPLETE. */
    record Origin(int value) implements PathAttribute {
        public static final Origin IGP = new Origin(0);
        public Origin {
            if (value < 0 || value > 2) throw new IllegalArgumentException("ORIGIN is 0, 1 or 2");
        }
        public int type() { return ORIGIN; }
        public int flags() { return TRANSITIVE; }
    }

    /** AS_PATH as a list of segments; ASNs are 4-octet in the model whatever the wire width. */
    record AsPath(List<Segment> segments) implements PathAttribute {
        public static final int AS_SET = 1;
        public static final int AS_SEQUENCE = 2;
        public static final AsPath EMPTY = new AsPath(List.of());

        public record Segment(int segmentType, List<Long> asns) {
            public Segment {
                asns = List.copyOf(asns);
                if (asns.isEmpty() || asns.size() > 255) throw new IllegalArgumentException("a segment holds 1..255 ASNs");
            }
        }

        public AsPath { segments = List.copyOf(segments); }

        public static AsPath sequence(long... asns) {
            return new AsPath(List.of(new Segment(AS_SEQUENCE, Arrays.stream(asns).boxed().toList())));
        }
        public int type() { return AS_PATH; }
        public int flags() { return TRANSITIVE; }
    }

    /** NEXT_HOP for IPv4 NLRI. */
    record NextHop(InetAddress address) implements PathAttribute {
        public NextHop {
            if (address.getAddress().length != 4) throw new IllegalArgumentException("NEXT_HOP is an IPv4 address");
        }
        public int type() { return NEXT_HOP; }
        public int flags() { return TRANSITIVE; }
    }

    /** MULTI_EXIT_DISC. */
    record MultiExitDisc(long value) implements PathAttribute {
        public MultiExitDisc { checkU32(value, "MED"); }
        public int type() { return MULTI_EXIT_DISC; }
        public int flags() { return OPTIONAL; }
    }

    /** LOCAL_PREF (iBGP only). */
    record LocalPref(long value) implements PathAttribute {
        public LocalPref { checkU32(value, "LOCAL_PREF"); }
        public int type() { return LOCAL_PREF; }
        public int flags() { return TRANSITIVE; }
    }

    /** COMMUNITIES (RFC 1997): each a 32-bit value, conventionally written ASN:value. */
    record Communities(List<Long> values) implements PathAttribute {
        public Communities {
            values = List.copyOf(values);
            values.forEach(v -> checkU32(v, "community"));
        }
        public int type() { return COMMUNITIES; }
        public int flags() { return OPTIONAL | TRANSITIVE; }
    }

    /** EXTENDED_COMMUNITIES (RFC 4360): each 8 octets, kept as a 64-bit value. */
    record ExtendedCommunities(List<Long> values) implements PathAttribute {
        public ExtendedCommunities { values = List.copyOf(values); }
        public int type() { return EXTENDED_COMMUNITIES; }
        public int flags() { return OPTIONAL | TRANSITIVE; }
    }

    /** LARGE_COMMUNITIES (RFC 8092). */
    record LargeCommunities(List<LargeCommunity> values) implements PathAttribute {
        public LargeCommunities { values = List.copyOf(values); }
        public int type() { return LARGE_COMMUNITIES; }
        public int flags() { return OPTIONAL | TRANSITIVE; }
    }

    /** One large community: global administrator, local data 1, local data 2, each 32 bits. */
    record LargeCommunity(long global, long local1, long local2) implements Comparable<LargeCommunity> {
        public LargeCommunity {
            checkU32(global, "large community global administrator");
            checkU32(local1, "large community local data 1");
            checkU32(local2, "large community local data 2");
        }
        /** Parses "G:L1:L2". */
        public static LargeCommunity parse(String s) {
            String[] p = s.split(":", -1);
            if (p.length != 3) throw new IllegalArgumentException("a large community is G:L1:L2, not \"" + s + "\"");
            try {
                return new LargeCommunity(Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a large community is three unsigned 32-bit numbers, not \"" + s + "\"");
            }
        }
        @Override public int compareTo(LargeCommunity o) {
            int c = Long.compare(global, o.global);
            if (c == 0) c = Long.compare(local1, o.local1);
            return c != 0 ? c : Long.compare(local2, o.local2);
        }
        @Override public String toString() { return global + ":" + local1 + ":" + local2; }
    }

    /**
     * MP_REACH_NLRI (RFC 4760). {@code nextHops} is one global address, or a global and a link-local IPv6 address
     * (RFC 2545).
     */
    record MpReach(AfiSafi family, List<InetAddress> nextHops, List<Prefix> nlri) implements PathAttribute {
        public MpReach {
            nextHops = List.copyOf(nextHops);
            nlri = List.copyOf(nlri);
        }
        public int type() { return MP_REACH_NLRI; }
        public int flags() { return OPTIONAL; }
    }

    /** MP_UNREACH_NLRI (RFC 4760); with no prefixes it is the End-of-RIB marker of its family (RFC 4724). */
    record MpUnreach(AfiSafi family, List<Prefix> withdrawn) implements PathAttribute {
        public MpUnreach { withdrawn = List.copyOf(withdrawn); }
        public int type() { return MP_UNREACH_NLRI; }
        public int flags() { return OPTIONAL; }
    }

    /** An attribute this speaker does not interpret, kept with its flags (extended-length bit removed) and bytes. */
    record Unknown(int flags, int type, byte[] value) implements PathAttribute {
        public Unknown {
            if (type < 0 || type > 255) throw new IllegalArgumentException("attribute type is one octet");
            if (value.length > 0xFFFF) throw new IllegalArgumentException("attribute value is at most 65535 octets");
            flags = flags & 0xE0;
            value = value.clone();
        }
        @Override public byte[] value() { return value.clone(); }
        @Override public boolean equals(Object o) {
            return o instanceof Unknown u && u.flags == flags && u.type == type && Arrays.equals(u.value, value);
        }
        @Override public int hashCode() { return (flags * 31 + type) * 31 + Arrays.hashCode(value); }
        @Override public String toString() {
            return "Unknown[flags=0x" + Integer.toHexString(flags) + ", type=" + type + ", value=" + HexFormat.of().formatHex(value) + "]";
        }
    }

    private static void checkU32(long v, String what) {
        if (v < 0 || v > 0xFFFF_FFFFL) throw new IllegalArgumentException(what + " must fit 32 bits unsigned: " + v);
    }
}
