package dev.ingot.bgp;

import dev.ingot.bgp.codec.BgpMessage.Notification;

/** Told about what happens to sessions. Called on a network thread: return quickly, never block. */
public interface SessionListener {
    /** The session moved from one state to another, with the reason in words. */
    default void stateChanged(Session session, SessionState from, SessionState to, String reason) {}

    /** We sent a NOTIFICATION to the peer. */
    default void notificationSent(Session session, Notification notification) {}

    /** The peer sent us a NOTIFICATION. */
    default void notificationReceived(Session session, Notification notification) {}
}
