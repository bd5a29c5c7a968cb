package dev.ingot.bgp.bfd;

/** Session state as carried in the Sta field of a BFD control packet (RFC 5880 §4.1). */
public enum BfdState {
    ADMIN_DOWN(0), DOWN(1), INIT(2), UP(3);

    private final int code;

    BfdState(int code) {
        this.code = code;
    }

    /** The two-bit wire value. */
    public int code() {
        return code;
    }

    /** The state for a two-bit wire value (every value 0..3 is defined). */
    public static BfdState ofCode(int code) {
        return values()[code & 0x3];
    }
}
