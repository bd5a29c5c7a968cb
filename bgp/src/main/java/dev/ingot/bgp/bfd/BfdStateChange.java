package dev.ingot.bgp.bfd;

/**
 * A session's state changed.
 *
 * @param peer the session
 * @param from the previous state
 * @param to the new state
 * @param diagnostic why (RFC 5880 §4.1): for a failure, {@code CONTROL_DETECTION_TIME_EXPIRED} (the peer
 *     went silent) or {@code NEIGHBOR_SIGNALED_SESSION_DOWN} (the peer said Down or AdminDown)
 */
public record BfdStateChange(BfdPeer peer, BfdState from, BfdState to, BfdDiagnostic diagnostic) {
    /** The session came Up: the path to the peer works (restart the BGP session if it was torn down). */
    public boolean cameUp() {
        return to == BfdState.UP;
    }

    /** The session left Up: the path has failed; tear the BGP session to this peer down now. */
    public boolean wentDown() {
        return from == BfdState.UP && to != BfdState.UP;
    }
}
