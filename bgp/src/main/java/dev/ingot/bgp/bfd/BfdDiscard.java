package dev.ingot.bgp.bfd;

/**
 * Why a received BFD control packet was discarded, each naming the rule of RFC 5880 §6.8.6 (or of
 * RFC 5880 §4 for the authentication section) that it breaks. A discarded packet changes nothing in
 * any session; it is counted and logged.
 */
public enum BfdDiscard {
    TRUNCATED("RFC 5880 §6.8.6: the datagram is shorter than the 24-octet mandatory section"),
    BAD_VERSION("RFC 5880 §6.8.6: the version number is not 1"),
    LENGTH_TOO_SMALL("RFC 5880 §6.8.6: the Length field is less than 24 (26 with the A bit set)"),
    LENGTH_EXCEEDS_PAYLOAD("RFC 5880 §6.8.6: the Length field is greater than the UDP payload"),
    DETECT_MULT_ZERO("RFC 5880 §6.8.6: the Detect Mult field is zero"),
    MULTIPOINT("RFC 5880 §6.8.6: the Multipoint (M) bit is set"),
    MY_DISCRIMINATOR_ZERO("RFC 5880 §6.8.6: the My Discriminator field is zero"),
    YOUR_DISCRIMINATOR_ZERO_NOT_DOWN(
            "RFC 5880 §6.8.6: Your Discriminator is zero and the State field is neither Down nor AdminDown"),
    AUTH_MALFORMED("RFC 5880 §4.1-§4.4: the authentication section is truncated, of a reserved type,"
            + " or its Auth Len does not match its type"),
    NO_SESSION("RFC 5880 §6.8.6: no session matches Your Discriminator or the packet's addresses"),
    AUTHENTICATION_NOT_CONFIGURED(
            "RFC 5880 §6.8.6: the A bit is set and no authentication is in use (Ingot supports none)"),
    AUTHENTICATION_MISSING("RFC 5880 §6.8.6: the A bit is clear and authentication is in use"),
    SESSION_ADMIN_DOWN("RFC 5880 §6.8.6: the local session is AdminDown");

    private final String rule;

    BfdDiscard(String rule) {
        this.rule = rule;
    }

    /** The rule broken, for people (logs, docs). */
    public String rule() {
        return rule;
    }
}
