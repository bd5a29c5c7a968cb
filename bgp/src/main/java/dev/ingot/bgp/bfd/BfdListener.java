package dev.ingot.bgp.bfd;

/**
 * Told about every state change of a session. Called on the BFD event-loop thread: return quickly
 * and never call the blocking methods of {@link BfdSessionManager} from here (hand work off to your
 * own executor).
 */
@FunctionalInterface
public interface BfdListener {
    void stateChanged(BfdStateChange change);
}
