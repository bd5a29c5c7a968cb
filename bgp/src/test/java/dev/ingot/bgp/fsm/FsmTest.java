package dev.ingot.bgp.fsm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.bgp.codec.AfiSafi;
import dev.ingot.bgp.codec.BgpMessage;
import dev.ingot.bgp.codec.BgpMessage.Keepalive;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.BgpMessage.Open;
import dev.ingot.bgp.codec.BgpProtocolException;
import dev.ingot.bgp.codec.Capability;
import dev.ingot.bgp.fsm.Fsm.State;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The RFC 4271 §8 state machine driven with a fake clock. */
class FsmTest {
    static final Inet4Address LOCAL = ip("10.0.0.2");
    static final Inet4Address PEER = ip("10.0.0.1");

    static Inet4Address ip(String s) {
        try {
            return (Inet4Address) InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static FsmConfig config(int hold, int keepalive, boolean passive) {
        return new FsmConfig(65001, 65000, hold, keepalive, passive,
                List.of(new Capability.Multiprotocol(AfiSafi.IPV4_UNICAST), new Capability.RouteRefresh()),
                Duration.ofSeconds(1), Duration.ofSeconds(120), Duration.ofSeconds(60), Duration.ofMinutes(4));
    }

    static Open peerOpen(long asn, int hold, Inet4Address id) {
        return new Open(4, (int) asn, hold, id, List.of(new Capability.FourOctetAs(asn)));
    }

    long now = 1_000_000;

    /** Drives a fresh FSM to Established on connection 1 and returns it with the actions drained. */
    Fsm established(int hold, int keepalive) {
        Fsm f = new Fsm(config(hold, keepalive, false));
        f.start(now);
        assertThat(f.drain()).contains(new Action.Connect(1));
        f.connected(now, 1, LOCAL);
        List<Action> a = f.drain();
        assertThat(a).anyMatch(x -> x instanceof Action.Send s && s.message() instanceof Open o && o.asn() == 65001 && o.holdTime() == hold);
        assertThat(f.state()).isEqualTo(State.OPEN_SENT);
        f.received(now, 1, peerOpen(65000, 90, PEER));
        assertThat(f.drain()).contains(new Action.Send(1, Keepalive.INSTANCE));
        assertThat(f.state()).isEqualTo(State.OPEN_CONFIRM);
        f.received(now, 1, Keepalive.INSTANCE);
        assertThat(f.drain()).anyMatch(x -> x instanceof Action.Up);
        assertThat(f.state()).isEqualTo(State.ESTABLISHED);
        return f;
    }

    @Test
    void handshakeNegotiatesHoldAndKeepalive() {
        Fsm f = new Fsm(config(9, 0, false));
        f.start(now);
        f.drain();
        f.connected(now, 1, LOCAL);
        f.received(now, 1, peerOpen(65000, 90, PEER));
        f.received(now, 1, Keepalive.INSTANCE);
        Action.Up up = (Action.Up) f.drain().stream().filter(x -> x instanceof Action.Up).findFirst().orElseThrow();
        assertThat(up.negotiated().holdTime()).isEqualTo(9);
        assertThat(up.negotiated().keepaliveTime()).isEqualTo(3);
        assertThat(up.negotiated().fourOctetAs()).isTrue();
        assertThat(up.negotiated().families()).containsExactly(AfiSafi.IPV4_UNICAST);
    }

    @Test
    void configuredKeepaliveIsUsedButNeverMoreThanAThirdOfHold() {
        assertThat(Negotiated.of(peerOpen(1, 90, PEER), peerOpen(2, 30, PEER), 5).keepaliveTime()).isEqualTo(5);
        assertThat(Negotiated.of(peerOpen(1, 90, PEER), peerOpen(2, 30, PEER), 60).keepaliveTime()).isEqualTo(10);
    }

    @Test
    void keepalivesAreSentAndHoldTimerExpires() {
        Fsm f = established(9, 0);
        assertThat(f.nextDeadline()).isEqualTo(now + 3000);
        now += 3000;
        f.tick(now);
        assertThat(f.drain()).containsExactly(new Action.Send(1, Keepalive.INSTANCE));
        now += 3000;
        f.received(now, 1, Keepalive.INSTANCE); // restarts the hold timer: 9 s from here
        now += 8999;
        f.tick(now);
        assertThat(f.state()).isEqualTo(State.ESTABLISHED);
        f.drain();
        now += 1;
        f.tick(now);
        List<Action> a = f.drain();
        assertThat(a).contains(new Action.Send(1, new Notification(4, 0)));
        assertThat(a).anyMatch(x -> x instanceof Action.Down);
        assertThat(f.state()).isEqualTo(State.IDLE);
    }

    @Test
    void badPeerAsIsANotificationNotASilentClose() {
        Fsm f = new Fsm(config(90, 0, false));
        f.start(now);
        f.connected(now, 1, LOCAL);
        f.drain();
        f.received(now, 1, peerOpen(65099, 90, PEER));
        List<Action> a = f.drain();
        assertThat(a.get(0)).isEqualTo(new Action.Send(1, new Notification(2, 2, new byte[] {(byte) 0xfe, 0x4b})));
        assertThat(a.get(1)).isInstanceOf(Action.Close.class);
        assertThat(f.state()).isEqualTo(State.IDLE);
    }

    @Test
    void unacceptableHoldTime() {
        Fsm f = new Fsm(config(90, 0, false));
        f.start(now);
        f.connected(now, 1, LOCAL);
        f.drain();
        f.received(now, 1, peerOpen(65000, 2, PEER));
        assertThat(f.drain().getFirst()).isEqualTo(new Action.Send(1, new Notification(2, 6)));
    }

    @Test
    void backoffDoublesOnFailuresAndResetsOnlyAfterAStableSession() {
        Fsm f = new Fsm(config(90, 0, false));
        f.start(now);
        f.drain();
        long[] waits = new long[5];
        int conn = 1;
        for (int i = 0; i < 5; i++) {
            f.connectFailed(now, conn, "refused");
            assertThat(f.state()).isEqualTo(State.ACTIVE);
            waits[i] = f.nextDeadline() - now;
            now = f.nextDeadline();
            f.tick(now);
            Action.Connect c = (Action.Connect) f.drain().stream().filter(x -> x instanceof Action.Connect).findFirst().orElseThrow();
            conn = c.conn();
        }
        assertThat(waits).containsExactly(1000, 2000, 4000, 8000, 16000);
        // a session that comes up and is closed by the peer right away does not reset the back-off
        f.connected(now, conn, LOCAL);
        f.received(now, conn, peerOpen(65000, 90, PEER));
        f.received(now, conn, Keepalive.INSTANCE);
        f.received(now + 10, conn, Notification.cease(2, "go away"));
        assertThat(f.nextDeadline() - (now + 10)).isEqualTo(32000);
        // one that stayed up for the stable time does
        now = f.nextDeadline();
        f.tick(now);
        conn = ((Action.Connect) f.drain().stream().filter(x -> x instanceof Action.Connect).findFirst().orElseThrow()).conn();
        f.connected(now, conn, LOCAL);
        f.received(now, conn, peerOpen(65000, 0, PEER));
        f.received(now, conn, Keepalive.INSTANCE);
        now += 61_000;
        f.closed(now, conn);
        assertThat(f.nextDeadline() - now).isEqualTo(1000);
    }

    @Test
    void peerNotificationIsReportedAndEndsTheSession() {
        Fsm f = established(90, 0);
        f.received(now, 1, Notification.cease(2, "maintenance"));
        List<Action> a = f.drain();
        assertThat(a.getFirst()).isEqualTo(new Action.PeerNotification(Notification.cease(2, "maintenance")));
        assertThat(a).noneMatch(x -> x instanceof Action.Send); // never answer a NOTIFICATION with one
        assertThat(f.state()).isEqualTo(State.IDLE);
    }

    @Test
    void unexpectedMessagesAreFsmErrors() {
        Fsm f = new Fsm(config(90, 0, false));
        f.start(now);
        f.connected(now, 1, LOCAL);
        f.drain();
        f.received(now, 1, peerOpen(65000, 90, PEER));
        f.drain();
        f.received(now, 1, new BgpMessage.Update(List.of(), List.of(), List.of()));
        assertThat(f.drain().getFirst()).isEqualTo(new Action.Send(1, new Notification(5, 2)));
    }

    @Test
    void decoderErrorsSendTheirNotification() {
        Fsm f = established(90, 0);
        f.protocolError(now, 1, new BgpProtocolException(3, 1, "bad"));
        assertThat(f.drain().getFirst()).isEqualTo(new Action.Send(1, new Notification(3, 1)));
    }

    @Test
    void stopSendsCeaseAndStaysIdle() {
        Fsm f = established(90, 0);
        f.stop(now, Notification.cease(2, "peer removed"));
        List<Action> a = f.drain();
        assertThat(a.getFirst()).isEqualTo(new Action.Send(1, Notification.cease(2, "peer removed")));
        assertThat(f.state()).isEqualTo(State.IDLE);
        assertThat(f.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void forceDownHoldsTheSessionIdleThenRestarts() {
        Fsm f = established(90, 0);
        f.forceDown(now, new Notification(6, 10), 5000);
        assertThat(f.drain().getFirst()).isEqualTo(new Action.Send(1, new Notification(6, 10)));
        assertThat(f.nextDeadline()).isEqualTo(now + 5000);
        f.tick(now + 5000);
        assertThat(f.drain()).contains(new Action.Connect(2));
    }

    @Test
    void passiveModeNeverConnects() {
        Fsm f = new Fsm(config(90, 0, true));
        f.start(now);
        assertThat(f.drain()).noneMatch(x -> x instanceof Action.Connect);
        assertThat(f.state()).isEqualTo(State.ACTIVE);
        int id = f.accepted(now, LOCAL);
        assertThat(id).isPositive();
        assertThat(f.state()).isEqualTo(State.OPEN_SENT);
    }

    @Test
    void collisionKeepsTheConnectionOfTheHigherIdentifier() {
        // local 10.0.0.2 > peer 10.0.0.1: our outbound connection wins, the peer's is closed with Cease/7
        Fsm f = new Fsm(config(90, 0, false));
        f.start(now);
        f.connected(now, 1, LOCAL);
        int in = f.accepted(now, LOCAL);
        f.drain();
        f.received(now, 1, peerOpen(65000, 90, PEER));
        f.received(now, in, peerOpen(65000, 90, PEER));
        List<Action> a = f.drain();
        assertThat(a).contains(new Action.Send(in, new Notification(6, 7)));
        f.received(now, 1, Keepalive.INSTANCE);
        assertThat(f.state()).isEqualTo(State.ESTABLISHED);

        // peer 10.0.0.9 > local: the peer's connection wins
        Fsm g = new Fsm(config(90, 0, false));
        g.start(now);
        g.connected(now, 1, LOCAL);
        int in2 = g.accepted(now, LOCAL);
        g.drain();
        g.received(now, in2, peerOpen(65000, 90, ip("10.0.0.9")));
        g.received(now, 1, peerOpen(65000, 90, ip("10.0.0.9")));
        assertThat(g.drain()).contains(new Action.Send(1, new Notification(6, 7)));
        g.received(now, in2, Keepalive.INSTANCE);
        assertThat(g.state()).isEqualTo(State.ESTABLISHED);
    }

    @Test
    void inboundIsRefusedWhileEstablished() {
        Fsm f = established(90, 0);
        assertThat(f.accepted(now, LOCAL)).isEqualTo(-1);
    }
}
