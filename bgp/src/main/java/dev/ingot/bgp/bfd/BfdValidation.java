package dev.ingot.bgp.bfd;

import java.util.Optional;

/**
 * The reception checks of RFC 5880 §6.8.6 as pure functions returning the reason to discard, if
 * any. {@link BfdCodec#decode} applies {@link #checkPacket}; the transport applies
 * {@link #checkAuthentication} and the discriminator lookup once it has found (or not) a session.
 */
public final class BfdValidation {
    private BfdValidation() {
    }

    /** The §6.8.6 rules that depend on the decoded fields alone (the length rules are in the decoder). */
    public static Optional<BfdDiscard> checkPacket(BfdPacket p) {
        if (p.detectMult() == 0) {
            return Optional.of(BfdDiscard.DETECT_MULT_ZERO);
        }
        if (p.multipoint()) {
            return Optional.of(BfdDiscard.MULTIPOINT);
        }
        if (p.myDiscriminator() == 0) {
            return Optional.of(BfdDiscard.MY_DISCRIMINATOR_ZERO);
        }
        if (p.yourDiscriminator() == 0 && p.state() != BfdState.DOWN && p.state() != BfdState.ADMIN_DOWN) {
            return Optional.of(BfdDiscard.YOUR_DISCRIMINATOR_ZERO_NOT_DOWN);
        }
        return Optional.empty();
    }

    /**
     * The §6.8.6 authentication rules for a session: the A bit must match whether authentication is
     * in use. Ingot supports no authentication, so callers pass {@code false} and every packet with
     * the A bit set is discarded.
     */
    public static Optional<BfdDiscard> checkAuthentication(BfdPacket p, boolean authenticationInUse) {
        if (p.authenticationPresent() && !authenticationInUse) {
            return Optional.of(BfdDiscard.AUTHENTICATION_NOT_CONFIGURED);
        }
        if (!p.authenticationPresent() && authenticationInUse) {
            return Optional.of(BfdDiscard.AUTHENTICATION_MISSING);
        }
        return Optional.empty();
    }
}
