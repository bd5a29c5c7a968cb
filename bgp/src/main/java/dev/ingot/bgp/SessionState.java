package dev.ingot.bgp;

/** RFC 4271 §8.2.2 session states. {@code ordinal() + 1} is bgpPeerState of RFC 4273. */
public enum SessionState { IDLE, CONNECT, ACTIVE, OPEN_SENT, OPEN_CONFIRM, ESTABLISHED }
