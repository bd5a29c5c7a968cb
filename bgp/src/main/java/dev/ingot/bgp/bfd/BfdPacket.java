package dev.ingot.bgp.bfd;

import java.util.Arrays;
import java.util.Optional;

/**
 * One BFD control packet (RFC 5880 §4.1), immutable. Intervals are in microseconds as on the wire
 * (unsigned 32-bit, held in a {@code long}); discriminators are unsigned 32-bit values held in an
 * {@code int} (compare them with {@code ==}, print them with {@link Integer#toUnsignedString}).
 *
 * @param diagnosticCode why the sender's session last changed state: the five-bit Diag value
 *     (reserved values 9..31 are kept as received; see {@link #diagnostic()})
 * @param state the sender's session state
 * @param poll P bit: the sender asks for a Final (a parameter change is in progress)
 * @param fin F bit: answer to a Poll
 * @param controlPlaneIndependent C bit (Ingot always sends 0: its BFD shares fate with the control plane)
 * @param demand D bit (Ingot never sets it: demand mode is not supported)
 * @param multipoint M bit (must be 0)
 * @param detectMult detection time multiplier
 * @param myDiscriminator sender's discriminator
 * @param yourDiscriminator the receiver's discriminator as known to the sender, 0 if unknown
 * @param desiredMinTxUs Desired Min TX Interval in microseconds
 * @param requiredMinRxUs Required Min RX Interval in microseconds
 * @param requiredMinEchoRxUs Required Min Echo RX Interval in microseconds (0: no echo wanted)
 * @param authentication the authentication section, present if and only if the A bit is set
 */
public record BfdPacket(
        int diagnosticCode,
        BfdState state,
        boolean poll,
        boolean fin,
        boolean controlPlaneIndependent,
        boolean demand,
        boolean multipoint,
        int detectMult,
        int myDiscriminator,
        int yourDiscriminator,
        long desiredMinTxUs,
        long requiredMinRxUs,
        long requiredMinEchoRxUs,
        Optional<Authentication> authentication) {

    /** The only protocol version (RFC 5880 §4.1). */
    public static final int VERSION = 1;

    public BfdPacket {
        if (diagnosticCode < 0 || diagnosticCode > 31) {
            throw new IllegalArgumentException("diagnostic " + diagnosticCode + " is not in 0..31");
        }
        if (detectMult < 0 || detectMult > 255) {
            throw new IllegalArgumentException("detect multiplier " + detectMult + " is not in 0..255");
        }
        checkU32("desired min tx", desiredMinTxUs);
        checkU32("required min rx", requiredMinRxUs);
        checkU32("required min echo rx", requiredMinEchoRxUs);
        if (authentication == null) {
            throw new IllegalArgumentException("authentication must be Optional.empty() when absent");
        }
    }

    private static void checkU32(String what, long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException(what + " " + v + " us does not fit in 32 bits");
        }
    }

    /** A packet as Ingot sends it: no C, D, M bits and no authentication. */
    public static BfdPacket of(BfdDiagnostic diag, BfdState state, boolean poll, boolean fin, int detectMult,
                               int myDisc, int yourDisc, long desiredMinTxUs, long requiredMinRxUs,
                               long requiredMinEchoRxUs) {
        return new BfdPacket(diag.code(), state, poll, fin, false, false, false, detectMult, myDisc, yourDisc,
                desiredMinTxUs, requiredMinRxUs, requiredMinEchoRxUs, Optional.empty());
    }

    /** The Diag field as a known diagnostic, or {@link BfdDiagnostic#RESERVED}. */
    public BfdDiagnostic diagnostic() {
        return BfdDiagnostic.ofCode(diagnosticCode);
    }

    /** The A bit. */
    public boolean authenticationPresent() {
        return authentication.isPresent();
    }

    /**
     * The authentication section (RFC 5880 §4.2-§4.4): its type, and the bytes after the Auth Type
     * and Auth Len octets. Ingot parses it to check its structure; it does not verify it, because no
     * authentication can be configured (MetalLB's bfd-profiles have no key), so a packet carrying one
     * is discarded per §6.8.6.
     */
    public record Authentication(AuthType type, byte[] data) {
        public Authentication {
            data = data.clone();
            if (data.length + 2 > 255) {
                throw new IllegalArgumentException("authentication section longer than 255 octets");
            }
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Authentication a && a.type == type && Arrays.equals(a.data, data);
        }

        @Override
        public int hashCode() {
            return type.hashCode() * 31 + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Authentication[type=" + type + ", length=" + (data.length + 2) + "]";
        }
    }

    /** Auth Type values (RFC 5880 §4.1); a reserved value is a reason to discard. */
    public enum AuthType {
        SIMPLE_PASSWORD(1), KEYED_MD5(2), METICULOUS_KEYED_MD5(3), KEYED_SHA1(4), METICULOUS_KEYED_SHA1(5);

        private final int code;

        AuthType(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        static AuthType ofCode(int code) {
            return code >= 1 && code <= 5 ? values()[code - 1] : null;
        }
    }
}
