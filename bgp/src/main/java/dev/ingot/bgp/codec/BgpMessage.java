package dev.ingot.bgp.codec;

import java.net.Inet4Address;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The BGP-4 messages (RFC 4271 §4, RFC 2918). Immutable; {@link BgpCodec} turns them into bytes and back. */
public sealed interface BgpMessage {
    int OPEN = 1;
    int UPDATE = 2;
    int NOTIFICATION = 3;
    int KEEPALIVE = 4;
    int ROUTE_REFRESH = 5;

    int HEADER_LENGTH = 19;
    int MAX_LENGTH = 4096;
    int MAX_EXTENDED_LENGTH = 65535;
    /** AS_TRANS (RFC 6793): the 2-octet My Autonomous System of a speaker whose ASN does not fit 16 bits. */
    int AS_TRANS = 23456;

    int type();

    /** A short name for logs and metrics: open, update, notification, keepalive, route_refresh. */
    default String typeName() {
        return switch (this) {
            case Open o -> "open";
            case Update u -> "update";
            case Notification n -> "notification";
            case Keepalive k -> "keepalive";
            case RouteRefresh r -> "route_refresh";
        };
    }

    /** OPEN. {@code myAs} is the 2-octet field; the real ASN is {@link #asn()}. */
    record Open(int version, int myAs, int holdTime, Inet4Address bgpIdentifier, List<Capability> capabilities)
            implements BgpMessage {
        public Open {
            if (myAs < 0 || myAs > 0xFFFF) throw new IllegalArgumentException("My Autonomous System is 16 bits");
            if (holdTime < 0 || holdTime > 0xFFFF) throw new IllegalArgumentException("hold time is 16 bits");
            capabilities = List.copyOf(capabilities);
        }
        public int type() { return OPEN; }

        /** The speaker's ASN: the 4-octet AS capability if present (RFC 6793), else My Autonomous System. */
        public long asn() {
            return capability(Capability.FourOctetAs.class).map(Capability.FourOctetAs::asn).orElse((long) myAs);
        }

        public <C extends Capability> Optional<C> capability(Class<C> kind) {
            return capabilities.stream().filter(kind::isInstance).map(kind::cast).findFirst();
        }

        public boolean supports(AfiSafi family) {
            boolean anyMp = capabilities.stream().anyMatch(c -> c instanceof Capability.Multiprotocol);
            // RFC 4760 §7: a speaker that sends no MP capability speaks IPv4 unicast only.
            if (!anyMp) return family.equals(AfiSafi.IPV4_UNICAST);
            return capabilities.contains(new Capability.Multiprotocol(family));
        }
    }

    /**
     * UPDATE. {@code treatAsWithdraw} is null for a well-formed UPDATE; otherwise it says which RFC 7606 rule made the
     * decoder downgrade the message: its announced prefixes must then be handled as withdrawn.
     */
    record Update(List<Prefix> withdrawn, List<PathAttribute> attributes, List<Prefix> nlri, String treatAsWithdraw)
            implements BgpMessage {
        public Update {
            withdrawn = List.copyOf(withdrawn);
            attributes = List.copyOf(attributes);
            nlri = List.copyOf(nlri);
        }
        public Update(List<Prefix> withdrawn, List<PathAttribute> attributes, List<Prefix> nlri) {
            this(withdrawn, attributes, nlri, null);
        }
        public int type() { return UPDATE; }

        public <A extends PathAttribute> Optional<A> attribute(Class<A> kind) {
            return attributes.stream().filter(kind::isInstance).map(kind::cast).findFirst();
        }

        /** The End-of-RIB marker of a family (RFC 4724 §2). */
        public static Update endOfRib(AfiSafi family) {
            if (family.equals(AfiSafi.IPV4_UNICAST)) return new Update(List.of(), List.of(), List.of());
            return new Update(List.of(), List.of(new PathAttribute.MpUnreach(family, List.of())), List.of());
        }

        /** The family this UPDATE is the End-of-RIB marker of, if it is one. */
        public Optional<AfiSafi> endOfRibFamily() {
            if (withdrawn.isEmpty() && nlri.isEmpty()) {
                if (attributes.isEmpty()) return Optional.of(AfiSafi.IPV4_UNICAST);
                if (attributes.size() == 1 && attributes.getFirst() instanceof PathAttribute.MpUnreach u && u.withdrawn().isEmpty()) {
                    return Optional.of(u.family());
                }
            }
            return Optional.empty();
        }
    }

    /** NOTIFICATION (RFC 4271 §4.5). */
    record Notification(int code, int subcode, byte[] data) implements BgpMessage {
        public static final int MESSAGE_HEADER_ERROR = 1;
        public static final int OPEN_MESSAGE_ERROR = 2;
        public static final int UPDATE_MESSAGE_ERROR = 3;
        public static final int HOLD_TIMER_EXPIRED = 4;
        public static final int FSM_ERROR = 5;
        public static final int CEASE = 6;
        public static final int ROUTE_REFRESH_MESSAGE_ERROR = 7;

        // Cease subcodes (RFC 4486, RFC 8203)
        public static final int CEASE_MAX_PREFIXES = 1;
        public static final int CEASE_ADMIN_SHUTDOWN = 2;
        public static final int CEASE_PEER_DECONFIGURED = 3;
        public static final int CEASE_ADMIN_RESET = 4;
        public static final int CEASE_CONNECTION_REJECTED = 5;
        public static final int CEASE_OTHER_CONFIG_CHANGE = 6;
        public static final int CEASE_CONNECTION_COLLISION = 7;
        public static final int CEASE_OUT_OF_RESOURCES = 8;
        public static final int CEASE_HARD_RESET = 9;
        public static final int CEASE_BFD_DOWN = 10;

        public Notification {
            if (code < 0 || code > 255 || subcode < 0 || subcode > 255) throw new IllegalArgumentException("code and subcode are octets");
            data = data == null ? new byte[0] : data.clone();
        }

        public Notification(int code, int subcode) { this(code, subcode, new byte[0]); }

        /**
         * A Cease with a shutdown communication (RFC 8203 as updated by RFC 9003): a length octet and up to 255
         * octets of UTF-8, cut at a character boundary when longer.
         */
        public static Notification cease(int subcode, String message) {
            if (message == null || message.isEmpty()) return new Notification(CEASE, subcode);
            byte[] utf8 = message.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(utf8.length, 255);
            while (n < utf8.length && (utf8[n] & 0xC0) == 0x80) n--; // do not split a UTF-8 sequence
            byte[] data = new byte[n + 1];
            data[0] = (byte) n;
            System.arraycopy(utf8, 0, data, 1, n);
            return new Notification(CEASE, subcode, data);
        }

        @Override public byte[] data() { return data.clone(); }
        public int type() { return NOTIFICATION; }

        /** The RFC 8203 shutdown communication, if this is an Administrative Shutdown/Reset that carries one. */
        public Optional<String> shutdownMessage() {
            if (code != CEASE || (subcode != CEASE_ADMIN_SHUTDOWN && subcode != CEASE_ADMIN_RESET) || data.length < 1) {
                return Optional.empty();
            }
            int n = data[0] & 0xFF;
            if (n + 1 > data.length) return Optional.empty();
            return Optional.of(new String(data, 1, n, StandardCharsets.UTF_8));
        }

        /** "6/2 Cease/Administrative Shutdown" plus the shutdown message, for logs. */
        public String describe() {
            String s = code + "/" + subcode + " " + NotificationNames.name(code, subcode);
            Optional<String> msg = shutdownMessage();
            if (msg.isPresent()) return s + " \"" + msg.get() + "\"";
            return data.length == 0 ? s : s + " data=" + HexFormat.of().formatHex(data);
        }

        @Override public boolean equals(Object o) {
            return o instanceof Notification n && n.code == code && n.subcode == subcode && Arrays.equals(n.data, data);
        }
        @Override public int hashCode() { return (code * 31 + subcode) * 31 + Arrays.hashCode(data); }
        @Override public String toString() { return "Notification[" + describe() + "]"; }
    }

    /** KEEPALIVE. */
    record Keepalive() implements BgpMessage {
        public static final Keepalive INSTANCE = new Keepalive();
        public int type() { return KEEPALIVE; }
    }

    /** ROUTE-REFRESH (RFC 2918; {@code subtype} 0 except with enhanced route refresh, RFC 7313). */
    record RouteRefresh(AfiSafi family, int subtype) implements BgpMessage {
        public int type() { return ROUTE_REFRESH; }
    }
}
