package dev.ingot.speaker;

import static dev.ingot.speaker.VmCluster.endpoint;
import static dev.ingot.speaker.VmCluster.endpointPort;
import static dev.ingot.speaker.VmCluster.port;
import static dev.ingot.speaker.VmCluster.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real speaker ({@code --dataplane=ipvs}, as {@code ingot speaker} wires it) against the fabric8 mock API server,
 * inside the IPVS kernel VM: Services and EndpointSlices in, kube-ipvs0 addresses and IPVS virtual services out, read
 * back from the kernel. node-1 runs the speaker; the other nodes only hold endpoints.
 */
class SpeakerDataplaneIT {
    static final String CONFIG = """
            address-pools:
            - {name: default, protocol: bgp, addresses: [172.19.100.0/24]}
            """;
    static final List<EndpointPort> WEB_PORTS = List.of(endpointPort("http", "TCP", 8080),
            endpointPort("dns", "UDP", 5353));
    static final Duration WAIT = Duration.ofSeconds(30);
    static VmCluster cluster;

    @BeforeAll
    static void start() throws Exception {
        VmCluster.requireKernelVm();
        cluster = new VmCluster(CONFIG, "172.19.100.0/24");
        cluster.node("node-1");
        long t0 = System.nanoTime();
        cluster.start("node-1", "ipvs");
        VmCluster.measured("speaker node-1 (ipvs) ready %.1f s after start", VmCluster.seconds(t0));
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Every test starts from an empty pool, whatever the one before left. */
    @AfterEach
    void deleteEverything() {
        if (cluster == null) {
            return;
        }
        cluster.client.services().inNamespace("default").delete();
        cluster.client.discovery().v1().endpointSlices().inNamespace("default").delete();
        eventually(() -> assertThat(cluster.ipvs()).isEmpty());
        eventually(() -> assertThat(cluster.vips()).isEmpty());
    }

    static void eventually(ThrowingRunnable assertion) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(assertion);
    }

    @Test
    void serviceGetsItsVipAndAVirtualServicePerPortWithEveryReadyEndpoint() throws Exception {
        cluster.service("web", "172.19.100.10", "Cluster", Map.of(), port("http", "TCP", 80), port("dns", "UDP", 53));
        cluster.slice("web", "web-a", WEB_PORTS, ready("10.244.1.5", "node-1"), ready("10.244.2.5", "node-2"));
        cluster.slice("web", "web-b", WEB_PORTS, ready("10.244.3.5", "node-3"),
                endpoint("10.244.3.6", "node-3", false, false, false));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly(
                "TCP 172.19.100.10:80 mh -> 10.244.1.5:8080 w1, 10.244.2.5:8080 w1, 10.244.3.5:8080 w1",
                "UDP 172.19.100.10:53 mh -> 10.244.1.5:5353 w1, 10.244.2.5:5353 w1, 10.244.3.5:5353 w1"));
        assertThat(cluster.vips()).containsExactly("172.19.100.10");
        assertThat(cluster.routes("node-1")).containsExactly("172.19.100.10/32");
        assertThat(cluster.decision("node-1", "default/web")).isEqualTo("announced");

        // the same state as Debian's tools see it in the guest
        String ipvsadm = Arrays.stream(VmCluster.exec("ipvsadm", "-Ln", "--sort").split("\n")).skip(3)
                .map(String::stripTrailing).collect(Collectors.joining("\n"));
        assertThat(ipvsadm).isEqualTo("""
                TCP  172.19.100.10:80 mh
                  -> 10.244.1.5:8080              Masq    1      0          0
                  -> 10.244.2.5:8080              Masq    1      0          0
                  -> 10.244.3.5:8080              Masq    1      0          0
                UDP  172.19.100.10:53 mh
                  -> 10.244.1.5:5353              Masq    1      0          0
                  -> 10.244.2.5:5353              Masq    1      0          0
                  -> 10.244.3.5:5353              Masq    1      0          0""");
        assertThat(VmCluster.exec("ip", "-br", "addr", "show", "dev", "kube-ipvs0")).contains("172.19.100.10/32");

        // the scheduler annotation: another scheduler, a change of it, and a bad value that keeps the one in force
        cluster.service("api", "172.19.100.11", "Cluster", Map.of("ingot.dev/ipvs-scheduler", "rr"),
                port("https", "TCP", 443));
        cluster.slice("api", "api-a", List.of(endpointPort("https", "TCP", 8443)), ready("10.244.2.7", "node-2"));
        eventually(() -> assertThat(cluster.ipvs()).contains("TCP 172.19.100.11:443 rr -> 10.244.2.7:8443 w1"));
        annotate("api", "wlc");
        eventually(() -> assertThat(cluster.ipvs()).contains("TCP 172.19.100.11:443 wlc -> 10.244.2.7:8443 w1"));
        annotate("api", "fastest");
        eventually(() -> assertThat(cluster.status("node-1").get("problems").toString())
                .contains("\"fastest\" is not an IPVS scheduler").contains("keeping wlc"));
        assertThat(cluster.ipvs()).contains("TCP 172.19.100.11:443 wlc -> 10.244.2.7:8443 w1");
        assertThat(cluster.vips()).containsExactly("172.19.100.10", "172.19.100.11");

        // deleted Services: their virtual services and VIPs go, and nothing else is left behind
        cluster.client.services().inNamespace("default").withName("api").delete();
        eventually(() -> assertThat(cluster.ipvs()).noneMatch(l -> l.contains("172.19.100.11")));
        assertThat(cluster.vips()).containsExactly("172.19.100.10");
        cluster.client.services().inNamespace("default").withName("web").delete();
        eventually(() -> assertThat(cluster.ipvs()).isEmpty());
        assertThat(cluster.vips()).isEmpty();
        assertThat(cluster.routes("node-1")).isEmpty();
    }

    void annotate(String service, String scheduler) {
        cluster.client.services().inNamespace("default").withName(service).edit(s -> new ServiceBuilder(s)
                .editMetadata().addToAnnotations("ingot.dev/ipvs-scheduler", scheduler).endMetadata().build());
    }

    @Test
    void realServersFollowScalingReadinessAndTermination() throws Exception {
        List<EndpointPort> ports = List.of(endpointPort("http", "TCP", 8080));
        cluster.service("scale", "172.19.100.20", "Cluster", Map.of(), port("http", "TCP", 80));
        cluster.slice("scale", "scale-a", ports, ready("10.244.2.20", "node-2"));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly("TCP 172.19.100.20:80 mh -> 10.244.2.20:8080 w1"));

        // scale up: a second slice and a second endpoint in the first
        cluster.slice("scale", "scale-a", ports, ready("10.244.2.20", "node-2"), ready("10.244.2.21", "node-2"));
        cluster.slice("scale", "scale-b", ports, ready("10.244.3.20", "node-3"));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly(
                "TCP 172.19.100.20:80 mh -> 10.244.2.20:8080 w1, 10.244.2.21:8080 w1, 10.244.3.20:8080 w1"));

        // scale down
        cluster.slice("scale", "scale-a", ports, ready("10.244.2.20", "node-2"));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly(
                "TCP 172.19.100.20:80 mh -> 10.244.2.20:8080 w1, 10.244.3.20:8080 w1"));

        // an endpoint goes not ready (its probe fails): no new traffic, removed
        cluster.slice("scale", "scale-b", ports, endpoint("10.244.3.20", "node-3", false, false, false));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly("TCP 172.19.100.20:80 mh -> 10.244.2.20:8080 w1"));

        // a rolling update: the old pod terminates but still serves (weight 0: its connections finish), a new one
        // is ready
        cluster.slice("scale", "scale-a", ports, endpoint("10.244.2.20", "node-2", false, true, true),
                ready("10.244.1.20", "node-1"));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly(
                "TCP 172.19.100.20:80 mh -> 10.244.1.20:8080 w1, 10.244.2.20:8080 w0"));
        assertThat(cluster.vips()).contains("172.19.100.20");

        // no ready endpoint left: the terminating-but-serving one carries the traffic, as with kube-proxy
        cluster.slice("scale", "scale-a", ports, endpoint("10.244.2.20", "node-2", false, true, true));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly("TCP 172.19.100.20:80 mh -> 10.244.2.20:8080 w1"));

        // it stops serving: nothing usable is left, the VIP and the virtual service go
        cluster.slice("scale", "scale-a", ports, endpoint("10.244.2.20", "node-2", false, false, true));
        eventually(() -> assertThat(cluster.ipvs()).isEmpty());
        assertThat(cluster.vips()).doesNotContain("172.19.100.20");
        assertThat(cluster.decision("node-1", "default/scale")).isEqualTo("noEndpoints");

        // back, then the Service is deleted
        cluster.slice("scale", "scale-a", ports, ready("10.244.2.22", "node-2"));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly("TCP 172.19.100.20:80 mh -> 10.244.2.22:8080 w1"));
        cluster.client.services().inNamespace("default").withName("scale").delete();
        eventually(() -> assertThat(cluster.ipvs()).isEmpty());
        assertThat(cluster.vips()).doesNotContain("172.19.100.20");
    }

    @Test
    void localPolicyUsesOnlyThisNodesEndpointsAndNeedsOne() throws Exception {
        List<EndpointPort> ports = List.of(endpointPort("http", "TCP", 8080));
        cluster.service("local", "172.19.100.30", "Local", Map.of(), port("http", "TCP", 80));
        cluster.slice("local", "local-a", ports, ready("10.244.2.30", "node-2"), ready("10.244.3.30", "node-3"));
        eventually(() -> assertThat(cluster.decision("node-1", "default/local")).isEqualTo("noLocalEndpoints"));
        assertThat(cluster.ipvs()).isEmpty();
        assertThat(cluster.vips()).isEmpty();
        assertThat(cluster.routes("node-1")).isEmpty();

        // a pod on this node: announced, and only it is a real server
        cluster.slice("local", "local-a", ports, ready("10.244.2.30", "node-2"), ready("10.244.3.30", "node-3"),
                ready("10.244.1.30", "node-1"));
        eventually(() -> assertThat(cluster.ipvs()).containsExactly("TCP 172.19.100.30:80 mh -> 10.244.1.30:8080 w1"));
        assertThat(cluster.vips()).containsExactly("172.19.100.30");
        assertThat(cluster.routes("node-1")).containsExactly("172.19.100.30/32");

        // it goes away again: so do the VIP, the virtual service and the route
        cluster.slice("local", "local-a", ports, ready("10.244.2.30", "node-2"), ready("10.244.3.30", "node-3"));
        eventually(() -> assertThat(cluster.ipvs()).isEmpty());
        assertThat(cluster.vips()).isEmpty();
        assertThat(cluster.routes("node-1")).isEmpty();
        cluster.client.services().inNamespace("default").withName("local").delete();
    }
}
