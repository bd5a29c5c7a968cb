package dev.ingot.bgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.PathAttribute.LargeCommunity;
import dev.ingot.bgp.lab.Lab;
import dev.ingot.bgp.lab.Netns;
import dev.ingot.bgp.lab.Sh;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Ingot against real FRR (bgpd + zebra), BIRD 2 and GoBGP from Debian, in network namespaces this test creates:
 * <pre>
 *  tor (FRR, AS 65000, 10.77.0.1, 2001:db8:77::1, bridge br0)
 *   ├─ n1 10.77.0.11, 2001:db8:77::11  Ingot AS 65001: FRR over IPv4 (hold 3 s) and IPv6, BIRD, GoBGP
 *   ├─ n2 10.77.0.12                   Ingot AS 65001, TCP MD5 with the right key
 *   ├─ n3 10.77.0.13, 10.77.0.23       Ingot AS 65001; from .23 with a wrong MD5 key
 *   ├─ n4 10.77.0.14                   Ingot AS 65000 (iBGP)
 *   ├─ b  10.77.0.2                    BIRD, AS 65002
 *   └─ g  10.77.0.3                    GoBGP, AS 65003
 * </pre>
 * Each Ingot node is a {@link SessionManager} whose sockets are opened inside its namespace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InteropTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration UP = Duration.ofSeconds(30);

    Lab lab;
    final Map<String, SessionManager> nodes = new ConcurrentHashMap<>();
    final Map<String, SimpleMeterRegistry> metrics = new ConcurrentHashMap<>();
    final Map<String, Netns> netns = new ConcurrentHashMap<>();
    final List<String> events = new CopyOnWriteArrayList<>();

    static InetAddress ip(String s) throws Exception { return InetAddress.getByName(s); }

    @BeforeAll
    void buildLab() throws Exception {
        Lab.requirePrerequisites("/usr/lib/frr/bgpd", "/usr/lib/frr/zebra", "/usr/bin/vtysh", "/usr/sbin/bird", "/usr/bin/gobgpd");
        lab = new Lab();
        lab.host("n1", 11, "10.77.0.11/24", "2001:db8:77::11/64");
        lab.host("n2", 12, "10.77.0.12/24");
        lab.host("n3", 13, "10.77.0.13/24", "10.77.0.23/24");
        lab.host("n4", 14, "10.77.0.14/24");
        lab.host("b", 2, "10.77.0.2/24");
        lab.host("g", 3, "10.77.0.3/24");
        StringBuilder conf = new StringBuilder("""
                frr defaults traditional
                hostname tor
                log file @DIR@/bgpd.log informational
                !
                route-map IN permit 10
                route-map OUT deny 10
                !
                router bgp 65000
                 bgp router-id 10.77.0.1
                 bgp log-neighbor-changes
                 neighbor 10.77.0.11 remote-as 65001
                 neighbor 10.77.0.12 remote-as 65001
                 neighbor 10.77.0.12 password s3cret
                 neighbor 10.77.0.13 remote-as 65001
                 neighbor 10.77.0.23 remote-as 65001
                 neighbor 10.77.0.23 password s3cret
                 neighbor 10.77.0.14 remote-as 65000
                 neighbor 2001:db8:77::11 remote-as 65001
                 address-family ipv4 unicast
                  maximum-paths 8
                """);
        for (String n : List.of("10.77.0.11", "10.77.0.12", "10.77.0.13", "10.77.0.23", "10.77.0.14")) {
            conf.append("  neighbor ").append(n).append(" route-map IN in\n  neighbor ").append(n).append(" route-map OUT out\n");
        }
        conf.append("""
                 exit-address-family
                 address-family ipv6 unicast
                  neighbor 2001:db8:77::11 activate
                  neighbor 2001:db8:77::11 route-map IN in
                  neighbor 2001:db8:77::11 route-map OUT out
                 exit-address-family
                """);
        lab.startFrr(conf.toString());
        lab.startBird("b", """
                router id 10.77.0.2;
                log "@DIR@/bird.log" all;
                protocol device { scan time 10; }
                protocol bgp n1 {
                  local 10.77.0.2 as 65002;
                  neighbor 10.77.0.11 as 65001;
                  passive on;
                  error wait time 1, 10;
                  ipv4 { import all; export none; };
                }
                """);
        lab.startGobgp("g", """
                [global.config]
                  as = 65003
                  router-id = "10.77.0.3"
                  local-address-list = ["10.77.0.3"]
                [[neighbors]]
                  [neighbors.config]
                    neighbor-address = "10.77.0.11"
                    peer-as = 65001
                  [neighbors.transport.config]
                    local-address = "10.77.0.3"
                    passive-mode = true
                  [[neighbors.afi-safis]]
                    [neighbors.afi-safis.config]
                      afi-safi-name = "ipv4-unicast"
                """);
        for (String n : List.of("n1", "n2", "n3", "n3x", "n4")) {
            // n3x: a second speaker in n3's namespace, for the wrong-key session (one session per peer and manager)
            Netns ns = netns.computeIfAbsent(n.substring(0, 2), k -> new Netns(lab.name(k)));
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            metrics.put(n, reg);
            SessionManager m = SessionManager.builder().channelFactories(ns.clients(), ns.servers()).meterRegistry(reg).nodeName(n).build();
            m.addListener(new SessionListener() {
                @Override public void stateChanged(Session s, SessionState from, SessionState to, String reason) {
                    events.add(n + " " + s.peer() + " state " + to);
                }
                @Override public void notificationSent(Session s, Notification x) { events.add(n + " " + s.peer() + " sent " + x.describe()); }
                @Override public void notificationReceived(Session s, Notification x) { events.add(n + " " + s.peer() + " received " + x.describe()); }
            });
            nodes.put(n, m);
        }
        var tor4 = SessionConfig.builder(ip("10.77.0.1"), 65000, 65001);
        nodes.get("n1").setPeers(List.of(
                tor4.holdTime(Duration.ofSeconds(3)).sourceAddress(ip("10.77.0.11")).build(),
                SessionConfig.builder(ip("2001:db8:77::1"), 65000, 65001).routerId((Inet4Address) ip("10.77.0.11")).build(),
                SessionConfig.builder(ip("10.77.0.2"), 65002, 65001).build(),
                SessionConfig.builder(ip("10.77.0.3"), 65003, 65001).build()));
        nodes.get("n2").setPeers(List.of(SessionConfig.builder(ip("10.77.0.1"), 65000, 65001).password("s3cret").build()));
        nodes.get("n3").setPeers(List.of(SessionConfig.builder(ip("10.77.0.1"), 65000, 65001).sourceAddress(ip("10.77.0.13")).build()));
        nodes.get("n3x").setPeers(List.of(SessionConfig.builder(ip("10.77.0.1"), 65000, 65001).sourceAddress(ip("10.77.0.23")).password("wrong").build()));
        nodes.get("n4").setPeers(List.of(SessionConfig.builder(ip("10.77.0.1"), 65000, 65000).holdTime(Duration.ofSeconds(9)).build()));
    }

    @AfterAll
    void teardown() {
        try {
            nodes.values().forEach(SessionManager::close);
            netns.values().forEach(Netns::close);
        } finally {
            if (lab != null) lab.close();
        }
    }

    JsonNode vtyshJson(String cmd) throws Exception {
        String out = lab.vtysh(cmd);
        return out.isBlank() ? JSON.createObjectNode() : JSON.readTree(out);
    }

    String frrState(String neighbor) throws Exception {
        JsonNode n = vtyshJson("show bgp neighbors " + neighbor + " json").path(neighbor);
        return n.path("bgpState").asText();
    }

    Session session(String node, String peerKey) {
        return nodes.get(node).session(peerKey).orElseThrow();
    }

    int fibNextHops(String vip) {
        String r = lab.ip("tor", "route show " + vip);
        if (r.isBlank()) return 0;
        int n = r.split("nexthop via", -1).length - 1;
        return n == 0 ? 1 : n;
    }

    @Test
    @Order(1)
    void sessionsComeUpWithFrrBirdAndGobgp() throws Exception {
        nodes.get("n1").setAdvertisements("10.77.0.2:179", List.of(Advertisement.of("172.31.0.1/32")));
        nodes.get("n1").setAdvertisements("10.77.0.3:179", List.of(Advertisement.of("172.31.0.1/32")));
        await().atMost(UP).untilAsserted(() -> {
            for (String n : List.of("10.77.0.11", "10.77.0.12", "10.77.0.13", "10.77.0.14", "2001:db8:77::11")) {
                assertThat(frrState(n)).as("FRR's session with " + n).isEqualTo("Established");
            }
        });
        await().atMost(UP).untilAsserted(() -> assertThat(lab.birdc("b", "show protocols n1")).contains("Established"));
        await().atMost(UP).untilAsserted(() -> assertThat(lab.gobgp("g", "neighbor")).contains("Establ"));
        await().atMost(UP).untilAsserted(() -> assertThat(lab.birdc("b", "show route 172.31.0.1/32")).contains("172.31.0.1/32"));
        await().atMost(UP).untilAsserted(() -> assertThat(lab.gobgp("g", "global rib -a ipv4")).contains("172.31.0.1/32"));
        for (Session s : nodes.get("n1").sessions()) assertThat(s.state()).isEqualTo(SessionState.ESTABLISHED);
        // single-hop eBGP goes out with TTL 1, iBGP with 255 (keepalives every second with hold 3 s)
        String ebgp = Sh.shQuiet("ip netns exec " + lab.name("tor") + " timeout 5 tcpdump -c 1 -v -n -i br0 'src host 10.77.0.11 and dst port 179' 2>/dev/null");
        assertThat(ebgp).contains("ttl 1,");
        String ibgp = Sh.shQuiet("ip netns exec " + lab.name("tor") + " timeout 8 tcpdump -c 1 -v -n -i br0 'src host 10.77.0.14 and tcp port 179' 2>/dev/null");
        assertThat(ibgp).contains("ttl 255,");
    }

    @Test
    @Order(2)
    void threeSpeakersGiveTheTorThreeEcmpNextHops() throws Exception {
        for (String n : List.of("n1", "n2", "n3")) {
            nodes.get(n).setAdvertisements("10.77.0.1:179", List.of(Advertisement.of("172.31.0.1/32")));
        }
        await().atMost(UP).untilAsserted(() -> {
            JsonNode r = vtyshJson("show bgp ipv4 unicast 172.31.0.1/32 json");
            assertThat(r.path("paths").size()).isEqualTo(3);
            for (JsonNode p : r.path("paths")) assertThat(p.path("multipath").asBoolean()).isTrue();
        });
        await().atMost(UP).untilAsserted(() -> assertThat(fibNextHops("172.31.0.1")).isEqualTo(3));
        String fib = lab.ip("tor", "route show 172.31.0.1");
        assertThat(fib).contains("via 10.77.0.11").contains("via 10.77.0.12").contains("via 10.77.0.13").contains("proto bgp");
    }

    @Test
    @Order(3)
    void withdrawRemovesOneNextHop() throws Exception {
        nodes.get("n3").setAdvertisements("10.77.0.1:179", List.of());
        await().atMost(UP).untilAsserted(() -> assertThat(vtyshJson("show bgp ipv4 unicast 172.31.0.1/32 json").path("paths").size()).isEqualTo(2));
        await().atMost(UP).untilAsserted(() -> assertThat(fibNextHops("172.31.0.1")).isEqualTo(2));
        assertThat(lab.ip("tor", "route show 172.31.0.1")).doesNotContain("10.77.0.13");
    }

    @Test
    @Order(4)
    void communitiesLargeCommunitiesAndLocalPrefAsFrrSeesThem() throws Exception {
        nodes.get("n1").setAdvertisements("10.77.0.1:179", List.of(Advertisement.of("172.31.0.1/32"),
                Advertisement.of("172.31.0.2/32").withCommunities(List.of(Advertisement.community("65000:100"), Advertisement.community("no-export")))
                        .withLargeCommunities(List.of(LargeCommunity.parse("65000:1:2")))));
        nodes.get("n4").setAdvertisements("10.77.0.1:179", List.of(Advertisement.of("172.31.0.4/32").withLocalPref(250L)));
        await().atMost(UP).untilAsserted(() -> {
            JsonNode p = vtyshJson("show bgp ipv4 unicast 172.31.0.2/32 json").path("paths").path(0);
            assertThat(p.path("community").path("string").asText()).isEqualTo("65000:100 no-export");
            assertThat(p.path("largeCommunity").path("string").asText()).isEqualTo("65000:1:2");
            assertThat(p.path("aspath").path("string").asText()).isEqualTo("65001");
        });
        await().atMost(UP).untilAsserted(() -> {
            JsonNode p = vtyshJson("show bgp ipv4 unicast 172.31.0.4/32 json").path("paths").path(0);
            assertThat(p.path("locPrf").asInt()).isEqualTo(250);
            assertThat(p.path("aspath").path("length").asInt()).isZero(); // iBGP: empty AS_PATH ("Local")
        });
    }

    @Test
    @Order(5)
    void ipv6HostRouteOverMpBgp() throws Exception {
        nodes.get("n1").setAdvertisements("[2001:db8:77:0:0:0:0:1]:179", List.of(Advertisement.of("2001:db8:ffff::1/128")));
        await().atMost(UP).untilAsserted(() -> {
            JsonNode p = vtyshJson("show bgp ipv6 unicast 2001:db8:ffff::1/128 json").path("paths").path(0);
            assertThat(p.path("valid").asBoolean()).isTrue();
            assertThat(p.path("nexthops").path(0).path("ip").asText()).isEqualTo("2001:db8:77::11");
        });
        await().atMost(UP).untilAsserted(() -> assertThat(lab.ip("tor", "-6 route show 2001:db8:ffff::1")).contains("proto bgp"));
    }

    @Test
    @Order(6)
    void md5RightKeyUpWrongKeyNeverUp() throws Exception {
        assertThat(frrState("10.77.0.12")).isEqualTo("Established"); // n2 uses the right key
        Thread.sleep(3000);
        assertThat(frrState("10.77.0.23")).isNotEqualTo("Established");
        assertThat(session("n3", "10.77.0.1:179").state()).isEqualTo(SessionState.ESTABLISHED);
        assertThat(session("n3x", "10.77.0.1:179").state()).isNotEqualTo(SessionState.ESTABLISHED);
        assertThat(events).noneMatch(e -> e.startsWith("n3x") && e.contains("OPEN_SENT"));
        String md5Failures = Sh.shQuiet("ip netns exec " + lab.name("tor") + " nstat -az TcpExtTCPMD5Failure TcpExtTCPMD5Unexpected");
        assertThat(md5Failures).containsPattern("TcpExtTCPMD5(Failure|Unexpected)\\s+[1-9]");
    }

    @Test
    @Order(7)
    void routeRefreshIsAnsweredFromTheAdjRibOut() throws Exception {
        SimpleMeterRegistry reg = metrics.get("n1");
        double before = reg.get("metallb_bgp_updates_total").tag("peer", "10.77.0.1:179").counter().count();
        lab.vtysh("clear bgp ipv4 unicast 10.77.0.11 soft in");
        await().atMost(UP).untilAsserted(() -> {
            assertThat(reg.find("ingot_bgp_messages_received_total").tag("peer", "10.77.0.1:179").tag("type", "route_refresh").counter())
                    .isNotNull();
            assertThat(reg.get("metallb_bgp_updates_total").tag("peer", "10.77.0.1:179").counter().count()).isGreaterThan(before);
        });
        assertThat(vtyshJson("show bgp ipv4 unicast 172.31.0.2/32 json").path("paths").size()).isEqualTo(1);
    }

    @Test
    @Order(8)
    void silentTorMakesTheHoldTimerExpireAndTheSessionRestart() throws Exception {
        int pid = lab.frrPid();
        Sh.sh("kill -STOP " + pid);
        long t0 = System.nanoTime();
        try {
            await().atMost(Duration.ofSeconds(15)).until(() -> events.contains("n1 10.77.0.1:179 sent 4/0 Hold Timer Expired"));
        } finally {
            Sh.sh("kill -CONT " + pid);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).as("hold time is 3 s").isBetween(2.0, 15.0);
        await().atMost(UP).until(() -> session("n1", "10.77.0.1:179").state() == SessionState.ESTABLISHED);
        await().atMost(UP).untilAsserted(() -> assertThat(frrState("10.77.0.11")).isEqualTo("Established"));
    }

    @Test
    @Order(9)
    void removingAPeerShowsTheAdministrativeShutdownMessageOnFrr() throws Exception {
        nodes.get("n4").setPeers(List.of());
        await().atMost(UP).untilAsserted(() -> assertThat(frrState("10.77.0.14")).isNotEqualTo("Established"));
        await().atMost(UP).untilAsserted(() -> {
            JsonNode n = vtyshJson("show bgp neighbors 10.77.0.14 json").path("10.77.0.14");
            String all = n.toString() + Files.readString(lab.dir.resolve("frr/bgpd.log"));
            assertThat(all).contains("peer removed from the Ingot configuration");
        });
        assertThat(vtyshJson("show bgp ipv4 unicast 172.31.0.4/32 json").path("paths").size()).isZero();
    }
}
