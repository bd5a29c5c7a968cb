package dev.ingot.bgp.bfd;

/**
 * Diagnostic codes of RFC 5880 §4.1: why the sender's session last left Up. Values 9..31 are
 * reserved; a received reserved value decodes to {@link #RESERVED} so that it is not lost for logs.
 */
public enum BfdDiagnostic {
    NONE(0, "no diagnostic"),
    CONTROL_DETECTION_TIME_EXPIRED(1, "control detection time expired"),
    ECHO_FUNCTION_FAILED(2, "echo function failed"),
    NEIGHBOR_SIGNALED_SESSION_DOWN(3, "neighbor signaled session down"),
    FORWARDING_PLANE_RESET(4, "forwarding plane reset"),
    PATH_DOWN(5, "path down"),
    CONCATENATED_PATH_DOWN(6, "concatenated path down"),
    ADMINISTRATIVELY_DOWN(7, "administratively down"),
    REVERSE_CONCATENATED_PATH_DOWN(8, "reverse concatenated path down"),
    RESERVED(-1, "reserved diagnostic");

    private final int code;
    private final String text;

    BfdDiagnostic(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The five-bit wire value ({@link #RESERVED} has none and cannot be sent). */
    public int code() {
        if (this == RESERVED) {
            throw new IllegalStateException("a reserved diagnostic cannot be sent");
        }
        return code;
    }

    public String text() {
        return text;
    }

    public static BfdDiagnostic ofCode(int code) {
        int c = code & 0x1f;
        return c <= 8 ? values()[c] : RESERVED;
    }
}
