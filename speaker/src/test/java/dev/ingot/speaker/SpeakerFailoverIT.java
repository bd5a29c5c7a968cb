package dev.ingot.speaker;

import static dev.ingot.speaker.VmCluster.endpointPort;
import static dev.ingot.speaker.VmCluster.measured;
import static dev.ingot.speaker.VmCluster.port;
import static dev.ingot.speaker.VmCluster.ready;
import static dev.ingot.speaker.VmCluster.seconds;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * memberlist failover with the real speakers, inside the IPVS kernel VM: three speakers in this JVM gossip on
 * 127.0.0.11-13:7946 (found through their Pods, encrypted as in a cluster); node-1 programs IPVS, node-2 and node-3
 * run with {@code --dataplane=none} (they share the one kernel). A node memberlist declares dead loses its real
 * servers on node-1 and gets them back when a speaker with its name returns; a node that leaves gracefully keeps
 * them (its pods keep serving: docs/failover.md).
 *
 * <p>A node "dies" by losing its network: {@link VmCluster#cutOff} drops every packet to or from its memberlist
 * address, then its speaker is stopped while cut off, so its LEAVE reaches nobody. One leak is left: its outgoing
 * TCP connections start from 127.0.0.1 (memberlist, like Go's, does not bind them), so its fallback pings and
 * push/pulls still reach the others. Neither changes their view of it within the detection time: a push/pull at most tells it
 * that it is suspected, and its refutation would only travel with its next push/pull, 30 s later.
 */
class SpeakerFailoverIT {
    static final String CONFIG = """
            address-pools:
            - {name: default, protocol: bgp, addresses: [172.19.101.0/24]}
            """;
    static final String ALL = "TCP 172.19.101.10:80 mh -> 10.244.1.10:8080 w1, 10.244.2.10:8080 w1, "
            + "10.244.3.10:8080 w1";
    /** Bound on every wait: generous against memberlist's 5-8 s detection, for a busy emulated guest. */
    static final Duration WAIT = Duration.ofSeconds(30);
    static VmCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        VmCluster.requireKernelVm();
        cluster = new VmCluster(CONFIG, "172.19.101.0/24");
        for (String node : List.of("node-1", "node-2", "node-3")) {
            cluster.node(node);
        }
        cluster.service("fo", "172.19.101.10", "Cluster", Map.of(), port("http", "TCP", 80));
        cluster.slice("fo", "fo-a", List.of(endpointPort("http", "TCP", 8080)), ready("10.244.1.10", "node-1"),
                ready("10.244.2.10", "node-2"), ready("10.244.3.10", "node-3"));
        long t0 = System.nanoTime();
        cluster.start("node-1", "ipvs");
        cluster.start("node-2", "none");
        cluster.start("node-3", "none");
        measured("three speakers ready %.1f s after the first started", seconds(t0));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Each test starts from a formed cluster in which node-1 balances over all three nodes. */
    @BeforeEach
    void clusterFormed() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(cluster.alive("node-1")).containsExactly("node-1", "node-2", "node-3");
            assertThat(cluster.ipvs()).containsExactly(ALL);
        });
    }

    @Test
    void deadNodeLosesItsRealServersAndGetsThemBackWhenItReturns() throws Exception {
        long cut = System.nanoTime();
        cluster.cutOff("node-2");
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> assertThat(cluster.ipvs())
                .containsExactly("TCP 172.19.101.10:80 mh -> 10.244.1.10:8080 w1, 10.244.3.10:8080 w1"));
        double removed = seconds(cut);
        assertThat(cluster.dead("node-1")).contains("node-2");
        assertThat(cluster.vips()).as("the VIP stays: other nodes still serve").containsExactly("172.19.101.10");
        assertThat(cluster.decision("node-1", "default/fo")).isEqualTo("announced");
        measured("node-2 cut off -> its real server gone from node-1's IPVS after %.1f s",
                removed);

        // the node comes back: a new speaker with the same name and address joins
        cluster.killCutOff("node-2");
        cluster.reconnect("node-2");
        long restart = System.nanoTime();
        cluster.start("node-2", "none");
        double ready = seconds(restart);
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(cluster.ipvs()).containsExactly(ALL));
        measured("new node-2 speaker ready after %.1f s, its real server back after %.1f s",
                ready, seconds(restart));
        assertThat(cluster.dead("node-1")).doesNotContain("node-2");
    }

    @Test
    void nodeThatLeavesGracefullyKeepsItsRealServers() throws Exception {
        Object planBefore = cluster.status("node-1").get("planTime");
        long stop = System.nanoTime();
        cluster.stop("node-3"); // as on SIGTERM: memberlist LEAVE
        try {
            leftNodeKeepsItsRealServer(planBefore, stop);
        } finally {
            cluster.start("node-3", "none");
        }
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(cluster.alive("node-1")).containsExactly("node-1", "node-2", "node-3"));
    }

    private void leftNodeKeepsItsRealServer(Object planBefore, long stop) throws Exception {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(cluster.alive("node-1")).containsExactly("node-1", "node-2"));
        measured("node-3 left gracefully, seen by node-1 after %.1f s", seconds(stop));
        // node-1 planned again after the leave, and kept node-3's endpoint
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(cluster.status("node-1").get("planTime")).isNotEqualTo(planBefore));
        // and keeps it past memberlist's detection time (4 s of suspicion after a failed probe round for three
        // members): a left node is never declared dead. Only node-3 is looked at: a slow emulated guest may make
        // memberlist suspect a live node for a moment, which is not what this test is about.
        long hold = System.nanoTime();
        while (seconds(hold) < 10) {
            assertThat(cluster.ipvs()).singleElement(as(InstanceOfAssertFactories.STRING))
                    .contains("10.244.3.10:8080 w1");
            assertThat(cluster.dead("node-1")).doesNotContain("node-3");
            Thread.sleep(500);
        }
    }
}
