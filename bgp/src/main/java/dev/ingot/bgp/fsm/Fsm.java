package dev.ingot.bgp.fsm;

import static dev.ingot.bgp.codec.BgpMessage.Notification.CEASE;
import static dev.ingot.bgp.codec.BgpMessage.Notification.CEASE_CONNECTION_COLLISION;
import static dev.ingot.bgp.codec.BgpMessage.Notification.FSM_ERROR;
import static dev.ingot.bgp.codec.BgpMessage.Notification.HOLD_TIMER_EXPIRED;
import static dev.ingot.bgp.codec.BgpMessage.Notification.OPEN_MESSAGE_ERROR;

import dev.ingot.bgp.codec.BgpMessage;
import dev.ingot.bgp.codec.BgpMessage.Keepalive;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.BgpMessage.Open;
import dev.ingot.bgp.codec.BgpProtocolException;
import dev.ingot.bgp.codec.Capability;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BGP finite state machine of RFC 4271 §8 for one peer, as pure logic: events go in with the current time
 * (milliseconds of any monotonic clock), {@link Action}s come out, timers are deadlines the driver asks for with
 * {@link #nextDeadline()} and fires with {@link #tick(long)}. No I/O, no threads, no clock of its own.
 *
 * <p>Up to two TCP connections can be in flight (ours and the peer's); each has its own OPEN handshake and
 * timers, and connection collisions are resolved by BGP Identifier as RFC 4271 §6.8 says. The session's state is
 * that of its most advanced connection, or Idle/Connect/Active when it has none.
 *
 * <p>After any failure the session goes Idle and restarts by itself after a back-off that doubles with each failure
 * (up to {@code backoffMax}) and is only reset once a session has stayed Established for {@code stableTime}: a peer
 * that accepts OPEN and then sends a NOTIFICATION does not make us hammer it.
 */
public final class Fsm {
    /** RFC 4271 §8.2.2 states; {@link #ordinal()} + 1 is the bgpPeerState value of RFC 4273. */
    public enum State { IDLE, CONNECT, ACTIVE, OPEN_SENT, OPEN_CONFIRM, ESTABLISHED }

    private static final class Conn {
        final int id;
        final boolean inbound;
        final Inet4Address localId;
        State phase = State.OPEN_SENT;
        Open ourOpen;
        Negotiated negotiated;
        long holdAt = Long.MAX_VALUE;
        long keepaliveAt = Long.MAX_VALUE;

        Conn(int id, boolean inbound, Inet4Address localId) {
            this.id = id;
            this.inbound = inbound;
            this.localId = localId;
        }
    }

    private final FsmConfig config;
    private final List<Action> out = new ArrayList<>();
    private final Map<Integer, Conn> conns = new LinkedHashMap<>();
    private State state = State.IDLE;
    private boolean started;
    private int nextConnId = 1;
    private int connecting = -1;          // outbound attempt in progress
    private long restartAt = Long.MAX_VALUE;
    private long backoffMs;
    private long establishedAt = -1;

    public Fsm(FsmConfig config) {
        this.config = config;
        this.backoffMs = config.backoffMin().toMillis();
    }

    public State state() { return state; }

    /** Actions produced since the last call, in order. */
    public List<Action> drain() {
        List<Action> a = List.copyOf(out);
        out.clear();
        return a;
    }

    /** The earliest time {@link #tick(long)} has something to do, or {@link Long#MAX_VALUE}. */
    public long nextDeadline() {
        long d = restartAt;
        for (Conn c : conns.values()) d = Math.min(d, Math.min(c.holdAt, c.keepaliveAt));
        return d;
    }

    /** Current back-off before the next automatic restart, for tests and logs. */
    public long backoffMillis() { return backoffMs; }

    // ------------------------------------------------------------------ operator events

    /** ManualStart (RFC 4271 event 1, or 4 when passive). */
    public void start(long now) {
        if (started) return;
        started = true;
        restartAt = Long.MAX_VALUE;
        begin(now, "started");
    }

    /** ManualStop (event 2): every connection gets {@code why}, then Idle with no automatic restart. */
    public void stop(long now, Notification why) {
        started = false;
        restartAt = Long.MAX_VALUE;
        dropAll(now, why, "stopped: " + why.describe(), false);
    }

    /**
     * Forces the session down now and keeps it Idle for {@code holdDownMs} (for BFD: Cease/BFD Down), after which it
     * restarts by itself. Does not grow the back-off.
     */
    public void forceDown(long now, Notification why, long holdDownMs) {
        dropAll(now, why, "forced down: " + why.describe(), false);
        if (started) restartAt = now + holdDownMs;
    }

    /**
     * Stops for a planned restart (RFC 4724): the connections are closed without a NOTIFICATION, so that a peer
     * that negotiated Graceful Restart keeps our routes (marked stale) until we are back and send End-of-RIB.
     */
    public void stopForRestart(long now) {
        started = false;
        restartAt = Long.MAX_VALUE;
        dropAll(now, null, "stopped for a graceful restart (no NOTIFICATION: the peer keeps our routes)", false);
    }

    /** Ends a {@link #forceDown} hold-down early (BFD came back): the session starts again now. */
    public void releaseHoldDown(long now) {
        if (started && restartAt != Long.MAX_VALUE && restartAt > now) restartAt = now;
    }

    // ------------------------------------------------------------------ transport events

    /** Our outbound connection {@code conn} is up (event 16/17); {@code localId} is the BGP Identifier to use on it. */
    public void connected(long now, int conn, Inet4Address localId) {
        if (conn != connecting) {
            out.add(new Action.Close(conn, "stale connection attempt"));
            return;
        }
        connecting = -1;
        openConnection(now, new Conn(conn, false, localId));
    }

    /** Our outbound attempt failed (event 18). */
    public void connectFailed(long now, int conn, String why) {
        if (conn != connecting) return;
        connecting = -1;
        if (conns.isEmpty()) {
            scheduleRestart(now);
            setState(State.ACTIVE, "connect failed: " + why + "; retry in " + pendingDelay(now) + " ms");
        }
    }

    /**
     * The peer connected to us (event 14/17). Returns the id to report its events with, or -1 when it must be
     * refused (Idle, or a session already Established).
     */
    public int accepted(long now, Inet4Address localId) {
        if (!started || state == State.IDLE || state == State.ESTABLISHED || conns.size() >= 2
                || conns.values().stream().anyMatch(c -> c.inbound)) {
            return -1;
        }
        int id = nextConnId++;
        openConnection(now, new Conn(id, true, localId));
        return id;
    }

    /** The TCP connection closed under us (event 18). */
    public void closed(long now, int conn) {
        Conn c = conns.get(conn);
        if (c == null) return;
        fail(now, c, null, "connection closed by peer in " + c.phase);
    }

    /** The decoder found a protocol error on {@code conn}: send its NOTIFICATION and reset (RFC 4271 §6). */
    public void protocolError(long now, int conn, BgpProtocolException e) {
        Conn c = conns.get(conn);
        if (c == null) return;
        fail(now, c, e.toNotification(), e.getMessage());
    }

    /** A message from the peer on {@code conn}. */
    public void received(long now, int conn, BgpMessage m) {
        Conn c = conns.get(conn);
        if (c == null) return;
        if (m instanceof Notification n) {
            out.add(new Action.PeerNotification(n));
            fail(now, c, null, "peer sent NOTIFICATION " + n.describe());
            return;
        }
        switch (c.phase) {
            case OPEN_SENT -> {
                if (m instanceof Open o) onOpen(now, c, o);
                else fail(now, c, new Notification(FSM_ERROR, 1), "expected OPEN in OpenSent, got " + m.typeName());
            }
            case OPEN_CONFIRM -> {
                if (m instanceof Keepalive) {
                    established(now, c);
                } else {
                    fail(now, c, new Notification(FSM_ERROR, 2), "expected KEEPALIVE in OpenConfirm, got " + m.typeName());
                }
            }
            case ESTABLISHED -> {
                if (m instanceof Open) {
                    fail(now, c, new Notification(FSM_ERROR, 3), "OPEN received in Established");
                    return;
                }
                if (c.negotiated.holdTime() > 0) c.holdAt = now + c.negotiated.holdTime() * 1000L;
                if (!(m instanceof Keepalive)) out.add(new Action.Deliver(c.id, m));
            }
            default -> throw new IllegalStateException("connection in " + c.phase);
        }
    }

    /** Fires every timer whose deadline is at or before {@code now}. */
    public void tick(long now) {
        for (Conn c : List.copyOf(conns.values())) {
            if (!conns.containsKey(c.id)) continue;
            if (c.holdAt <= now) {
                fail(now, c, new Notification(HOLD_TIMER_EXPIRED, 0),
                        "hold timer expired in " + c.phase + " (no message from the peer for "
                                + (c.negotiated == null ? config.openHoldTime().toSeconds() : c.negotiated.holdTime()) + " s)");
                continue;
            }
            if (c.keepaliveAt <= now) {
                out.add(new Action.Send(c.id, Keepalive.INSTANCE));
                c.keepaliveAt = now + c.negotiated.keepaliveTime() * 1000L;
            }
        }
        if (restartAt <= now) {
            restartAt = Long.MAX_VALUE;
            if (started && conns.isEmpty() && connecting < 0) begin(now, "automatic restart");
        }
    }

    // ------------------------------------------------------------------ internals

    private void begin(long now, String why) {
        if (config.passive()) {
            setState(State.ACTIVE, why + "; passive: waiting for the peer to connect");
            return;
        }
        connecting = nextConnId++;
        setState(State.CONNECT, why);
        out.add(new Action.Connect(connecting));
    }

    private void openConnection(long now, Conn c) {
        conns.put(c.id, c);
        long asn = config.localAsn();
        List<Capability> caps = new ArrayList<>(config.capabilities());
        caps.add(new Capability.FourOctetAs(asn));
        c.ourOpen = new Open(4, asn > 0xFFFF ? BgpMessage.AS_TRANS : (int) asn, config.holdTime(), c.localId, caps);
        out.add(new Action.Send(c.id, c.ourOpen));
        c.holdAt = now + config.openHoldTime().toMillis();
        restartAt = Long.MAX_VALUE;
        refreshState((c.inbound ? "peer connected" : "connected") + ", OPEN sent");
    }

    private void onOpen(long now, Conn c, Open o) {
        long peerAs = o.asn();
        if (peerAs != config.peerAsn()) {
            fail(now, c, new Notification(OPEN_MESSAGE_ERROR, 2, new byte[] {(byte) (o.myAs() >> 8), (byte) o.myAs()}),
                    "peer AS " + peerAs + " is not the configured " + config.peerAsn() + " (Bad Peer AS, RFC 4271 §6.2)");
            return;
        }
        if (o.holdTime() == 1 || o.holdTime() == 2) {
            fail(now, c, new Notification(OPEN_MESSAGE_ERROR, 6), "peer hold time " + o.holdTime() + " s is not 0 or >= 3 (RFC 4271 §6.2)");
            return;
        }
        int peerId = toInt(o.bgpIdentifier());
        int localId = toInt(c.localId);
        if (peerId == 0 || (config.localAsn() == config.peerAsn() && peerId == localId)) {
            fail(now, c, new Notification(OPEN_MESSAGE_ERROR, 3), "peer BGP Identifier " + o.bgpIdentifier().getHostAddress()
                    + " is invalid (RFC 4271 §6.2, RFC 6286)");
            return;
        }
        if (config.localAsn() > 0xFFFF && o.capability(Capability.FourOctetAs.class).isEmpty()) {
            fail(now, c, new Notification(OPEN_MESSAGE_ERROR, 7, new byte[] {65, 4, 0, 0, 0, 0}),
                    "local AS " + config.localAsn() + " needs the peer to support 4-octet ASNs (RFC 6793)");
            return;
        }
        // Connection collision (RFC 4271 §6.8): the other connection has also seen the peer's OPEN, or is up.
        for (Conn other : List.copyOf(conns.values())) {
            if (other == c || !conns.containsKey(other.id)) continue;
            if (other.phase == State.ESTABLISHED) {
                fail(now, c, new Notification(CEASE, CEASE_CONNECTION_COLLISION), "connection collision with an Established session");
                return;
            }
            if (other.phase == State.OPEN_CONFIRM || other.phase == State.OPEN_SENT) {
                // Keep the connection opened by the side with the higher BGP Identifier.
                boolean keepOurs = Integer.compareUnsigned(localId, peerId) > 0;
                Conn loser = (c.inbound == keepOurs) ? c : other;
                fail(now, loser, new Notification(CEASE, CEASE_CONNECTION_COLLISION),
                        "connection collision resolved: keeping the connection opened by the "
                                + (keepOurs ? "local" : "peer") + " side (higher BGP Identifier)");
                if (loser == c) return;
            }
        }
        c.negotiated = Negotiated.of(c.ourOpen, o, config.keepaliveTime());
        c.phase = State.OPEN_CONFIRM;
        out.add(new Action.Send(c.id, Keepalive.INSTANCE));
        int hold = c.negotiated.holdTime();
        c.holdAt = hold == 0 ? Long.MAX_VALUE : now + hold * 1000L;
        c.keepaliveAt = hold == 0 ? Long.MAX_VALUE : now + c.negotiated.keepaliveTime() * 1000L;
        refreshState("OPEN received from " + o.bgpIdentifier().getHostAddress() + " AS " + peerAs);
    }

    private void established(long now, Conn c) {
        c.phase = State.ESTABLISHED;
        establishedAt = now;
        for (Conn other : List.copyOf(conns.values())) {
            if (other != c) fail(now, other, new Notification(CEASE, CEASE_CONNECTION_COLLISION), "connection collision: the other connection is Established");
        }
        if (c.negotiated.holdTime() > 0) c.holdAt = now + c.negotiated.holdTime() * 1000L;
        refreshState("KEEPALIVE received; hold " + c.negotiated.holdTime() + " s, keepalive " + c.negotiated.keepaliveTime() + " s");
        out.add(new Action.Up(c.id, c.negotiated));
    }

    /** Ends one connection, sending {@code notification} on it first when there is one. */
    private void fail(long now, Conn c, Notification notification, String reason) {
        conns.remove(c.id);
        if (notification != null) out.add(new Action.Send(c.id, notification));
        out.add(new Action.Close(c.id, reason));
        boolean wasUp = c.phase == State.ESTABLISHED;
        if (wasUp) {
            if (now - establishedAt >= config.stableTime().toMillis()) backoffMs = config.backoffMin().toMillis();
            establishedAt = -1;
            out.add(new Action.Down(reason));
        }
        if (conns.isEmpty() && connecting < 0) {
            // RFC 4271 §8: errors take the session to Idle; we restart it automatically after the back-off.
            if (started) scheduleRestart(now);
            setState(State.IDLE, reason + (started ? "; restart in " + pendingDelay(now) + " ms" : ""));
        } else {
            refreshState(reason);
        }
    }

    private void dropAll(long now, Notification why, String reason, boolean unused) {
        if (connecting >= 0) {
            out.add(new Action.Close(connecting, reason));
            connecting = -1;
        }
        for (Conn c : List.copyOf(conns.values())) {
            conns.remove(c.id);
            if (why != null) out.add(new Action.Send(c.id, why));
            out.add(new Action.Close(c.id, reason));
            if (c.phase == State.ESTABLISHED) {
                establishedAt = -1;
                out.add(new Action.Down(reason));
            }
        }
        setState(State.IDLE, reason);
    }

    private void scheduleRestart(long now) {
        restartAt = now + backoffMs;
        backoffMs = Math.min(backoffMs * 2, config.backoffMax().toMillis());
    }

    private long pendingDelay(long now) {
        return restartAt == Long.MAX_VALUE ? 0 : restartAt - now;
    }

    private void refreshState(String reason) {
        State best = null;
        for (Conn c : conns.values()) if (best == null || c.phase.compareTo(best) > 0) best = c.phase;
        if (best == null) best = connecting >= 0 ? State.CONNECT : (started ? State.ACTIVE : State.IDLE);
        setState(best, reason);
    }

    private void setState(State to, String reason) {
        if (to == state) return;
        State from = state;
        state = to;
        out.add(new Action.StateChange(from, to, reason));
    }

    private static int toInt(Inet4Address a) {
        byte[] b = a.getAddress();
        return ((b[0] & 255) << 24) | ((b[1] & 255) << 16) | ((b[2] & 255) << 8) | (b[3] & 255);
    }
}
