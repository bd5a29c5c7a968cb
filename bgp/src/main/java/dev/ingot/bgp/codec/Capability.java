package dev.ingot.bgp.codec;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** A BGP capability advertised in OPEN (RFC 5492). One record per known capability; others are kept as {@link Unknown}. */
public sealed interface Capability {
    int MULTIPROTOCOL = 1;
    int ROUTE_REFRESH = 2;
    int EXTENDED_MESSAGE = 6;
    int GRACEFUL_RESTART = 64;
    int FOUR_OCTET_AS = 65;

    int code();

    /** Multiprotocol extensions (RFC 4760): the peer speaks this AFI/SAFI. */
    record Multiprotocol(AfiSafi family) implements Capability {
        public int code() { return MULTIPROTOCOL; }
    }

    /** Route refresh (RFC 2918). */
    record RouteRefresh() implements Capability {
        public int code() { return ROUTE_REFRESH; }
    }

    /** Extended messages up to 65535 octets (RFC 8654). */
    record ExtendedMessage() implements Capability {
        public int code() { return EXTENDED_MESSAGE; }
    }

    /** Support for 4-octet AS numbers (RFC 6793), carrying the speaker's real ASN. */
    record FourOctetAs(long asn) implements Capability {
        public FourOctetAs {
            if (asn < 0 || asn > 0xFFFF_FFFFL) throw new IllegalArgumentException("ASN out of range: " + asn);
        }
        public int code() { return FOUR_OCTET_AS; }
    }

    /**
     * Graceful restart (RFC 4724, with the N bit of RFC 8538). {@code flags} is the 4-bit field
     * (0x8 = Restart State, 0x4 = Notification support), {@code restartTime} is in seconds (12 bits).
     */
    record GracefulRestart(int flags, int restartTime, List<Family> families) implements Capability {
        public static final int RESTART_STATE = 0x8;
        public static final int NOTIFICATION = 0x4;

        /** An address family whose state is kept across a restart; {@code flags} 0x80 = forwarding state preserved. */
        public record Family(AfiSafi family, int flags) {}

        public GracefulRestart {
            if (flags < 0 || flags > 0xF) throw new IllegalArgumentException("graceful restart flags are 4 bits");
            if (restartTime < 0 || restartTime > 0xFFF) throw new IllegalArgumentException("restart time is 0..4095 s");
            families = List.copyOf(families);
        }
        public boolean restartState() { return (flags & RESTART_STATE) != 0; }
        public int code() { return GRACEFUL_RESTART; }
    }

    /** Any capability this speaker does not interpret; kept byte for byte. */
    record Unknown(int code, byte[] value) implements Capability {
        public Unknown {
            if (code < 0 || code > 255) throw new IllegalArgumentException("capability code is one octet");
            if (value.length > 255) throw new IllegalArgumentException("capability value is at most 255 octets");
            value = value.clone();
        }
        @Override public byte[] value() { return value.clone(); }
        @Override public boolean equals(Object o) {
            return o instanceof Unknown u && u.code == code && Arrays.equals(u.value, value);
        }
        @Override public int hashCode() { return code * 31 + Arrays.hashCode(value); }
        @Override public String toString() { return "Unknown[code=" + code + ", value=" + HexFormat.of().formatHex(value) + "]"; }
    }
}
