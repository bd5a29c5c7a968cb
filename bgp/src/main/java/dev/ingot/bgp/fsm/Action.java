package dev.ingot.bgp.fsm;

import dev.ingot.bgp.codec.BgpMessage;

/** What the {@link Fsm} asks its driver to do. The driver performs them in order. */
public sealed interface Action {
    /** Open an outbound TCP connection; report it back with {@code connected} or {@code connectFailed}. */
    record Connect(int conn) implements Action {}

    /** Write a message on a connection. */
    record Send(int conn, BgpMessage message) implements Action {}

    /** Close a connection once what was sent on it is flushed. */
    record Close(int conn, String reason) implements Action {}

    /** The session state changed. */
    record StateChange(Fsm.State from, Fsm.State to, String reason) implements Action {}

    /** The session reached Established on {@code conn}: send the Adj-RIB-Out, then End-of-RIB. */
    record Up(int conn, Negotiated negotiated) implements Action {}

    /** The session left Established: what the peer had from us is gone. */
    record Down(String reason) implements Action {}

    /** An UPDATE or ROUTE-REFRESH received in Established. */
    record Deliver(int conn, BgpMessage message) implements Action {}

    /** The peer sent us a NOTIFICATION. */
    record PeerNotification(BgpMessage.Notification notification) implements Action {}
}
