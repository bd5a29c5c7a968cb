package dev.ingot.memberlist.wire;

/**
 * A packet or stream that cannot be decoded: malformed, truncated, oversized, failing its CRC, or not decryptable.
 * The receiver drops the input and counts it by {@link #reason()}; it is never fatal.
 */
public final class WireException extends Exception {
    private final String reason;

    public WireException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** A short, stable label for metrics: {@code malformed}, {@code crc}, {@code decrypt}, {@code label}, {@code size}... */
    public String reason() {
        return reason;
    }
}
