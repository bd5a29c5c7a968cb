package dev.ingot.bgp.bfd;

/**
 * A session's state changed.
 *
 * @param peer the session
 * @param from the previous state
 * @param to the new state
 * @param diagnostic why (RFC 5880 §4.1): for a failure, {@code CONTROL_DETECTION_TIME_EXPIRED} (the peer
 *     went silent) or {@code NEIGHBOR_SIGNALED_SESSION_DOWN} (the peer said Down or AdminDown)
 * @param peerAdminDown the peer took the session down administratively (it sent AdminDown)
 */
public record BfdStateChange(BfdPeer peer, BfdState from, BfdState to, BfdDiagnostic diagnostic,
                             boolean peerAdminDown) {
    /** The session came Up: the path to the peer works (restart the BGP session if it was torn down). */
    public boolean cameUp() {
        return to == BfdState.UP;
    }

    /** The session left Up (counted as a down event, whatever the cause). */
    public boolean wentDown() {
        return from == BfdState.UP && to != BfdState.UP;
    }

    /**
     * The session left Up because the path failed: tear the BGP session to this peer down now. Not when the peer
     * sent AdminDown: RFC 5882 §3.2 says a client must not treat an administrative shutdown of BFD by the peer as a
     * forwarding failure (the switch operator disabled BFD; BGP's own hold timer still guards the session).
     */
    public boolean pathFailed() {
        return wentDown() && !peerAdminDown;
    }
}
