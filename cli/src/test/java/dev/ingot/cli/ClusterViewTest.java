package dev.ingot.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.config.BfdProfile;
import dev.ingot.config.Peer;
import dev.ingot.speaker.Announcer;
import dev.ingot.speaker.Dataplane;
import dev.ingot.speaker.Speaker;
import dev.ingot.speaker.plan.Plan;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingot status} and {@code ingot explain} against an API server, as against a real cluster: the kubeconfig's
 * server, the speaker pods found by label, and each speaker's /status read through the API server's pod proxy
 * ({@code /api/v1/namespaces/NS/pods/NAME:7472/proxy/status}). The status document is a real speaker's.
 */
@EnableKubernetesMockClient(crud = true)
class ClusterViewTest {
    static final String NS = "metallb-system";
    KubernetesMockServer server;
    KubernetesClient client;
    @TempDir Path dir;

    /** A speaker with no BGP: it decides, and its status says so. */
    static final class NoAnnouncer implements Announcer {
        @Override
        public void apply(List<Peer> peers, List<BfdProfile> bfdProfiles, List<Plan.Route> routes) {}

        @Override
        public List<Map<String, Object>> sessions() {
            return List.of(Map.of("peer", "10.10.2.210", "peerAsn", 65210, "state", "ESTABLISHED",
                    "since", "2026-11-22T07:00:00Z", "prefixesSent", 1, "prefixesReceived", 0, "bfd", "up"));
        }

        @Override
        public void shutdown(boolean plannedRestart, Duration drainDelay) {}

        @Override
        public void close() {}
    }

    record Run(int status, String out, String err) {}

    Run run(String... args) throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: c, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
                contexts: [{name: c, context: {cluster: c, user: u}}]
                current-context: c
                users: [{name: u, user: {token: t}}]
                """.formatted(client.getMasterUrl()));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--kubeconfig";
        all[args.length + 1] = kubeconfig.toString();
        int status = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void statusAndExplainReadTheSpeakersThroughTheApiServersPodProxy() throws Exception {
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("config")
                .withNamespace(NS).endMetadata().addToData("config", """
                        peers: [{my-asn: 65211, peer-asn: 65210, peer-address: 10.10.2.210}]
                        address-pools: [{name: default, protocol: bgp, addresses: [172.19.100.0/24]}]
                        """).build()).create();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1").endMetadata().build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("speaker-x1")
                .withNamespace(NS).addToLabels("app", "metallb").addToLabels("component", "speaker").endMetadata()
                .withNewSpec().withNodeName("node1").withHostNetwork(true).endSpec()
                .withNewStatus().withHostIP("127.0.0.1").withPodIP("127.0.0.1").endStatus().build()).create();
        client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("web")
                .withNamespace("demo").endMetadata().withNewSpec().withType("LoadBalancer")
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("172.19.100.7").endIngress()
                .endLoadBalancer().endStatus().build()).create();
        client.discovery().v1().endpointSlices().inNamespace("demo").resource(new EndpointSliceBuilder()
                .withNewMetadata().withName("web-1").withNamespace("demo")
                .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.244.1.10").withNodeName("node1").endEndpoint().build()).create();
        try (Speaker speaker = new Speaker(client, new Speaker.Settings("node1", NS, "config", Optional.empty(), 10),
                new NoAnnouncer(), Dataplane.NONE, Set::of, new SimpleMeterRegistry(), Clock.systemUTC())) {
            speaker.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> speaker.plan() != null
                    && speaker.plan().services().containsKey("demo/web")
                    && speaker.plan().services().get("demo/web").announce());
            server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/speaker-x1:7472/proxy/status")
                    .andReturn(200, new ObjectMapper().writeValueAsString(speaker.status())).always();
        }

        Run status = run("status");
        assertThat(status.status()).as(status.out() + status.err()).isZero();
        assertThat(status.out()).contains("node1 (127.0.0.1)").contains("ready").contains("announcing 1 of 1")
                .contains("10.10.2.210").contains("Established");

        Run explain = run("explain", "demo/web");
        assertThat(explain.status()).as(explain.out() + explain.err()).isZero();
        assertThat(explain.out()).contains("172.19.100.7").contains("node1").contains("default");

        // --via direct goes to the node's address instead (on loopback, to a port nobody listens on)
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Run direct = run("status", "--via", "direct", "--speaker-port", String.valueOf(closed));
        assertThat(direct.status()).isEqualTo(1);
        assertThat(direct.out()).contains("unreachable via direct");
    }

    @Test
    void aSpeakerTheProxyCannotReachIsReportedWithTheApiServersAnswer() throws Exception {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("speaker-x2")
                .withNamespace(NS).addToLabels("app", "metallb").addToLabels("component", "speaker").endMetadata()
                .withNewSpec().withNodeName("node2").endSpec().withNewStatus().withPodIP("192.0.2.2").endStatus()
                .build()).create();
        server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/speaker-x2:7472/proxy/status")
                .andReturn(503, "error trying to reach service: dial tcp 192.0.2.2:7472: connect: no route to host")
                .always();
        Run status = run("status");
        assertThat(status.status()).isEqualTo(1);
        assertThat(status.out()).contains("HTTP 503 from the API server's pod proxy").contains("no route to host")
                .contains("--via direct");
    }
}
