package dev.ingot.bgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.Prefix;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two Ingot speakers on loopback (127.0.0.1 listens passively, 127.0.0.2 connects): the whole session over real
 * epoll sockets, with no root and no daemons.
 */
class LoopbackSessionTest {
    final List<SessionManager> managers = new ArrayList<>();
    final SimpleMeterRegistry metricsA = new SimpleMeterRegistry();
    final List<String> eventsA = new CopyOnWriteArrayList<>();
    final List<String> eventsB = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        managers.forEach(SessionManager::close);
    }

    static InetAddress ip(String s) throws Exception { return InetAddress.getByName(s); }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    SessionManager manager(InetSocketAddress listen, List<String> events, SimpleMeterRegistry reg) {
        SessionManager m = SessionManager.builder().listen(listen).meterRegistry(reg).nodeName("test").build();
        m.addListener(new SessionListener() {
            @Override public void stateChanged(Session s, SessionState from, SessionState to, String reason) { events.add("state " + to); }
            @Override public void notificationSent(Session s, Notification n) { events.add("sent " + n.describe()); }
            @Override public void notificationReceived(Session s, Notification n) { events.add("received " + n.describe()); }
        });
        managers.add(m);
        return m;
    }

    static List<Advertisement> hosts(int n) {
        List<Advertisement> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(Advertisement.of(Prefix.of(new byte[] {10, 1, (byte) (i >> 8), (byte) i}, 32)));
        return l;
    }

    @Test
    void announceWithdrawAndShutDownWithAMessage() throws Exception {
        int port = freePort();
        SessionManager a = manager(new InetSocketAddress(ip("127.0.0.1"), port), eventsA, metricsA);
        a.setPeers(List.of(SessionConfig.builder(ip("127.0.0.2"), 65001, 65000).passive(true).holdTime(Duration.ofSeconds(9)).build()));
        SessionManager b = manager(null, eventsB, new SimpleMeterRegistry());
        SessionConfig toA = SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(port)
                .sourceAddress(ip("127.0.0.2")).holdTime(Duration.ofSeconds(9)).build();
        b.setPeers(List.of(toA));
        b.setAdvertisements(hosts(3000));
        Session sa = a.sessions().getFirst();
        await().atMost(Duration.ofSeconds(10)).until(() -> sa.receivedPrefixes() == 3000);
        assertThat(sa.state()).isEqualTo(SessionState.ESTABLISHED);
        // packed: 3000 /32s with equal attributes fit in one extended UPDATE (RFC 8654), plus two End-of-RIB markers
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(metricsA.get("ingot_bgp_messages_received_total").tag("type", "update").counter().count()).isEqualTo(3.0));
        assertThat(metricsA.get("metallb_bgp_session_up").gauge().value()).isEqualTo(1.0);

        b.setAdvertisements(hosts(1000));
        await().atMost(Duration.ofSeconds(5)).until(() -> sa.receivedPrefixes() == 1000);
        assertThat(b.sessions().getFirst().announcedPrefixes()).isEqualTo(1000);

        b.setPeers(List.of());
        await().atMost(Duration.ofSeconds(5)).until(() -> eventsA.contains(
                "received 6/2 Cease/Administrative Shutdown \"peer removed from the Ingot configuration\""));
        await().atMost(Duration.ofSeconds(5)).until(() -> sa.state() != SessionState.ESTABLISHED);
        assertThat(sa.receivedPrefixes()).isZero();
    }

    @Test
    void badPeerAsGetsANotification() throws Exception {
        int port = freePort();
        SessionManager a = manager(new InetSocketAddress(ip("127.0.0.1"), port), eventsA, metricsA);
        a.setPeers(List.of(SessionConfig.builder(ip("127.0.0.2"), 65001, 65000).passive(true).build()));
        SessionManager b = manager(null, eventsB, new SimpleMeterRegistry());
        b.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65099, 65001).peerPort(port).sourceAddress(ip("127.0.0.2")).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> eventsA.stream().anyMatch(e -> e.startsWith("received 2/2 OPEN Message Error/Bad Peer AS")));
        assertThat(eventsB).anyMatch(e -> e.startsWith("sent 2/2"));
    }

    @Test
    void md5RightKeyComesUpWrongKeyNever() throws Exception {
        int port = freePort();
        SessionManager a = manager(new InetSocketAddress(ip("127.0.0.1"), port), eventsA, metricsA);
        a.setPeers(List.of(
                SessionConfig.builder(ip("127.0.0.2"), 65001, 65000).passive(true).password("right").build(),
                SessionConfig.builder(ip("127.0.0.3"), 65001, 65000).passive(true).password("right").build()));
        SessionManager good = manager(null, eventsB, new SimpleMeterRegistry());
        good.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(port)
                .sourceAddress(ip("127.0.0.2")).password("right").build()));
        List<String> eventsC = new CopyOnWriteArrayList<>();
        SessionManager bad = manager(null, eventsC, new SimpleMeterRegistry());
        bad.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(port)
                .sourceAddress(ip("127.0.0.3")).password("wrong").build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> good.sessions().getFirst().state() == SessionState.ESTABLISHED);
        Thread.sleep(2000);
        assertThat(bad.sessions().getFirst().state()).isNotEqualTo(SessionState.ESTABLISHED);
        assertThat(eventsC).doesNotContain("state OPEN_SENT");
    }

    @Test
    void nonLocalSourceAddressFallsBackToTheKernelsChoice() throws Exception {
        int port = freePort();
        SessionManager a = manager(new InetSocketAddress(ip("127.0.0.1"), port), eventsA, metricsA);
        a.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65001, 65000).passive(true).build()));
        SessionManager b = manager(null, eventsB, new SimpleMeterRegistry());
        b.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(port)
                .sourceAddress(ip("192.0.2.77")).build()));
        await().atMost(Duration.ofSeconds(10)).until(() -> b.sessions().getFirst().state() == SessionState.ESTABLISHED);
    }

    @Test
    void conflictingOffersAreReportedAndTheFormerOneKept() throws Exception {
        SessionManager b = manager(null, eventsB, new SimpleMeterRegistry());
        b.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(freePort()).build()));
        Advertisement plain = Advertisement.of("10.0.0.1/32");
        b.setAdvertisements(List.of(plain));
        List<Session.Conflict> c = b.setAdvertisements(List.of(plain.withLocalPref(50L), plain.withLocalPref(200L)));
        assertThat(c).hasSize(1);
        assertThat(c.getFirst().decision()).isEqualTo("kept the advertisement in force before");
        assertThat(b.sessions().getFirst().pendingPrefixes()).isEqualTo(1);
    }

    @Test
    void changedPeerIsRestartedWithItsAdvertisementsAndMeters() throws Exception {
        int port = freePort();
        SessionManager a = manager(new InetSocketAddress(ip("127.0.0.1"), port), eventsA, metricsA);
        a.setPeers(List.of(SessionConfig.builder(ip("127.0.0.2"), 65001, 65000).passive(true).build()));
        SimpleMeterRegistry regB = new SimpleMeterRegistry();
        SessionManager b = manager(null, eventsB, regB);
        SessionConfig c = SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(port).sourceAddress(ip("127.0.0.2")).build();
        b.setPeers(List.of(c));
        b.setAdvertisements(hosts(10));
        Session sa = a.sessions().getFirst();
        await().atMost(Duration.ofSeconds(10)).until(() -> sa.receivedPrefixes() == 10);
        b.setPeers(List.of(c.toBuilder().holdTime(Duration.ofSeconds(30)).build()));
        await().atMost(Duration.ofSeconds(5)).until(() -> eventsA.stream().anyMatch(e -> e.startsWith("received 6/6 Cease/Other Configuration Change")));
        await().atMost(Duration.ofSeconds(15)).until(() -> sa.state() == SessionState.ESTABLISHED && sa.receivedPrefixes() == 10);
        await().atMost(Duration.ofSeconds(5)).until(() -> regB.get("metallb_bgp_session_up").tag("peer", c.key()).gauge().value() == 1.0);
        assertThat(regB.get("metallb_bgp_announced_prefixes").tag("peer", c.key()).functionCounter().count()).isEqualTo(10.0);
    }

    @Test
    void forceDownIsTheBfdHookCeaseBfdDownThenBackAfterTheHoldDown() throws Exception {
        int port = freePort();
        SessionManager a = manager(new InetSocketAddress(ip("127.0.0.1"), port), eventsA, metricsA);
        a.setPeers(List.of(SessionConfig.builder(ip("127.0.0.2"), 65001, 65000).passive(true).build()));
        SessionManager b = manager(null, eventsB, new SimpleMeterRegistry());
        b.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(port).sourceAddress(ip("127.0.0.2")).build()));
        Session sb = b.sessions().getFirst();
        await().atMost(Duration.ofSeconds(10)).until(() -> sb.state() == SessionState.ESTABLISHED);
        long t0 = System.nanoTime();
        sb.forceDown("BFD session down", Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(5)).until(() -> eventsA.contains("received 6/10 Cease/BFD Down"));
        assertThat(sb.state()).isEqualTo(SessionState.IDLE);
        await().atMost(Duration.ofSeconds(15)).until(() -> sb.state() == SessionState.ESTABLISHED);
        assertThat((System.nanoTime() - t0) / 1e9).isGreaterThanOrEqualTo(2.0);
    }

    @Test
    void passiveListenerRefusesUnconfiguredAddresses() throws Exception {
        int port = freePort();
        SessionManager a = manager(new InetSocketAddress(ip("127.0.0.1"), port), eventsA, metricsA);
        a.setPeers(List.of(SessionConfig.builder(ip("127.0.0.2"), 65001, 65000).passive(true).build()));
        SessionManager c = manager(null, eventsB, new SimpleMeterRegistry());
        c.setPeers(List.of(SessionConfig.builder(ip("127.0.0.1"), 65000, 65001).peerPort(port).sourceAddress(ip("127.0.0.3")).build()));
        Thread.sleep(2500);
        assertThat(c.sessions().getFirst().state()).isNotEqualTo(SessionState.ESTABLISHED);
        assertThat(eventsB).doesNotContain("state OPEN_CONFIRM");
        assertThat(a.sessions().getFirst().state()).isEqualTo(SessionState.ACTIVE);
    }
}
