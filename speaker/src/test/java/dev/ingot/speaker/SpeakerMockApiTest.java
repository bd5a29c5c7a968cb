package dev.ingot.speaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ingot.config.Peer;
import dev.ingot.speaker.plan.Plan;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The speaker's loop against fabric8's mock API server in CRUD mode, with recording announcer and dataplane. */
@EnableKubernetesMockClient(crud = true)
class SpeakerMockApiTest {
    KubernetesClient client;
    Speaker speaker;
    final Recorder recorder = new Recorder();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    static final String CONFIG = """
            peers:
            - {my-asn: 65211, peer-asn: 65210, peer-address: 10.10.2.210}
            - {my-asn: 65211, peer-asn: 65210, peer-address: 10.10.3.210, node-selectors: [{match-labels: {rack: b}}]}
            address-pools:
            - {name: default, protocol: bgp, addresses: [172.19.100.0/24]}
            """;

    static final class Recorder implements Announcer, Dataplane {
        final List<List<Peer>> peers = new CopyOnWriteArrayList<>();
        final List<List<Plan.Route>> routes = new CopyOnWriteArrayList<>();
        final List<Set<InetAddress>> vips = new CopyOnWriteArrayList<>();
        final List<List<Plan.VirtualService>> vss = new CopyOnWriteArrayList<>();

        @Override
        public void apply(List<Peer> p, List<dev.ingot.config.BfdProfile> b, List<Plan.Route> r) {
            peers.add(p);
            routes.add(r);
        }

        @Override
        public void apply(List<dev.ingot.config.Cidr> owned, Set<InetAddress> v, List<Plan.VirtualService> s) {
            vips.add(v);
            vss.add(s);
        }

        @Override
        public List<Map<String, Object>> sessions() {
            return List.of();
        }

        @Override
        public Map<String, Object> state() {
            return Map.of("mode", "ipvs");
        }

        @Override
        public void shutdown(boolean plannedRestart, Duration drainDelay) {}

        @Override
        public void close() {}

        List<String> lastPrefixes() {
            return routes.isEmpty() ? List.of() : routes.getLast().stream().map(r -> r.prefix().toString()).toList();
        }
    }

    void startSpeaker() {
        speaker = new Speaker(client, new Speaker.Settings("node-1", "metallb-system", "config", Optional.empty(), 10),
                recorder, recorder, Set::of, registry, Clock.systemUTC());
        speaker.start();
    }

    @AfterEach
    void stop() {
        if (speaker != null) {
            speaker.close();
        }
    }

    void config(String text) {
        client.configMaps().inNamespace("metallb-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("config").withNamespace("metallb-system").endMetadata().addToData("config", text).build())
                .createOr(c -> c.update());
    }

    Service service(String name, String ip, String policy) {
        Service s = new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy(policy)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort().endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp(ip).endIngress().endLoadBalancer()
                .endStatus().build();
        return client.services().inNamespace("default").resource(s).create();
    }

    EndpointSlice slice(String service, String node, String address, boolean ready) {
        EndpointSlice es = new EndpointSliceBuilder().withNewMetadata().withName(service + "-" + node)
                .withNamespace("default").addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses(address).withNodeName(node).withNewConditions().withReady(ready)
                .endConditions().endEndpoint().build();
        return client.discovery().v1().endpointSlices().inNamespace("default").resource(es).createOr(c -> c.update());
    }

    @Test
    void announcesFollowsEndpointsAndWithdraws() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-1").addToLabels("rack", "a")
                .endMetadata().build()).create();
        config(CONFIG);
        startSpeaker();
        service("web", "172.19.100.10", "Cluster");
        slice("web", "node-2", "10.244.2.5", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(recorder.lastPrefixes()).containsExactly("172.19.100.10/32"));
        assertThat(recorder.peers.getLast()).extracting(p -> p.peerAddress().getHostAddress())
                .containsExactly("10.10.2.210");
        assertThat(recorder.vss.getLast()).singleElement().satisfies(vs ->
                assertThat(vs.realServers()).extracting(r -> r.address().getHostAddress()).containsExactly("10.244.2.5"));
        assertThat(speaker.status().toString()).contains("default/web").contains("announced=true");
        // MetalLB's Event, sent from the speaker's event thread
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events()
                .inNamespace("default").list().getItems()).anySatisfy(e -> {
                    assertThat(e.getReason()).isEqualTo("nodeAssigned");
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("web");
                    assertThat(e.getMessage()).isEqualTo("announcing from node \"node-1\"");
                }));

        // endpoints go unready: withdrawn, with the reason in the status
        slice("web", "node-2", "10.244.2.5", false);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.lastPrefixes()).isEmpty());
        assertThat(speaker.plan().services().get("default/web").reason()).isEqualTo("noEndpoints");
        // as MetalLB's speaker, a withdrawal deletes the metallb_speaker_announced series (it is not left at 0)
        assertThat(registry.find("metallb_speaker_announced").tag("service", "default/web").gauges()).isEmpty();

        // node label change selects the second peer
        client.nodes().withName("node-1").edit(n -> new NodeBuilder(n).editMetadata().addToLabels("rack", "b")
                .endMetadata().build());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.peers.getLast())
                .extracting(p -> p.peerAddress().getHostAddress()).containsExactly("10.10.2.210", "10.10.3.210"));

        // deleted Service: withdrawn
        slice("web", "node-2", "10.244.2.5", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.lastPrefixes()).hasSize(1));
        client.services().inNamespace("default").withName("web").delete();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(recorder.lastPrefixes()).isEmpty());
    }

    @Test
    void firstPlanHoldsEverythingTheApiHadAtStartAndEventsFollow() {
        config(CONFIG);
        for (int i = 0; i < 20; i++) {
            service("s" + i, "172.19.100." + (10 + i), "Cluster");
            slice("s" + i, "node-2", "10.244.2." + (10 + i), true);
        }
        startSpeaker();
        // no plan from half-filled caches: the very first one announces all of them
        assertThat(recorder.routes.getFirst()).hasSize(20);
        assertThat(speaker.ready()).isTrue();
        // nodeAssigned Events are sent from their own thread, after the plan
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events()
                .inNamespace("default").list().getItems()).filteredOn(e -> "nodeAssigned".equals(e.getReason()))
                .hasSize(20).allSatisfy(e -> assertThat(e.getInvolvedObject().getUid()).isNotEmpty()));
    }

    @Test
    void badOrStrandingConfigKeepsTheLastGoodOne() {
        config(CONFIG);
        startSpeaker();
        service("web", "172.19.100.10", "Cluster");
        slice("web", "node-2", "10.244.2.5", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(recorder.lastPrefixes()).containsExactly("172.19.100.10/32"));

        config("peers: [{my-asn: 0}]\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(registry.get("metallb_k8s_client_config_stale_bool").gauge().value()).isEqualTo(1.0));
        assertThat(recorder.lastPrefixes()).containsExactly("172.19.100.10/32");
        assertThat(speaker.status().get("configErrors").toString()).contains("missing local ASN");

        // a valid config that no longer holds the announced address is refused too
        config("address-pools: [{name: other, protocol: bgp, addresses: [172.19.200.0/24]}]\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(speaker.status().get("configErrors")
                .toString()).contains("cannot own \"172.19.100.10\""));
        assertThat(recorder.lastPrefixes()).containsExactly("172.19.100.10/32");

        // deleting the ConfigMap keeps the last config running
        client.configMaps().inNamespace("metallb-system").withName("config").delete();
        slice("web", "node-3", "10.244.3.5", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(speaker.status().get("configErrors")
                .toString()).contains("missing"));
        assertThat(recorder.lastPrefixes()).containsExactly("172.19.100.10/32");

        // a good config is taken again and the stale gauge clears
        config(CONFIG.replace("172.19.100.0/24", "172.19.100.0/23"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(registry.get("metallb_k8s_client_config_stale_bool").gauge().value()).isZero());
        assertThat(registry.get("metallb_speaker_announced").tag("service", "default/web").gauge().value())
                .isEqualTo(1.0);
    }

    @Test
    void localPolicyOnlyFromNodesWithEndpoints() {
        config(CONFIG);
        startSpeaker();
        service("local", "172.19.100.20", "Local");
        slice("local", "node-2", "10.244.2.9", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(speaker.plan()).isNotNull()
                .extracting(p -> p.services().get("default/local")).isNotNull()
                .extracting(Plan.Decision::reason).isEqualTo("noLocalEndpoints"));
        slice("local", "node-1", "10.244.1.9", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(recorder.lastPrefixes()).containsExactly("172.19.100.20/32"));
    }

    @Test
    void warnsWhenKubeProxyWouldFightOverTheVips() {
        client.configMaps().inNamespace("kube-system").resource(new ConfigMapBuilder().withNewMetadata()
                .withName("kube-proxy").withNamespace("kube-system").endMetadata().addToData("config.conf", """
                        apiVersion: kubeproxy.config.k8s.io/v1alpha1
                        kind: KubeProxyConfiguration
                        mode: ipvs
                        ipvs: {strictARP: true}
                        """).build()).create();
        config(CONFIG);
        startSpeaker();
        service("web", "172.19.100.10", "Cluster");
        slice("web", "node-2", "10.244.2.5", true);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(speaker.status().get("kubeProxy").toString()).contains("mode=ipvs")
                    .contains("add 172.19.100.0/24 to ipvs.excludeCIDRs").contains("1 Service (default/web)");
            assertThat(registry.get("ingot_kube_proxy_conflicts").gauge().value()).isEqualTo(2.0);
        });
    }

    @Test
    void closeWaitsForThePlanInProgress() throws Exception {
        config(CONFIG);
        java.util.concurrent.CountDownLatch inApply = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean block = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicLong applyDone = new java.util.concurrent.atomic.AtomicLong();
        Dataplane slow = new Dataplane() {
            @Override
            public void apply(List<dev.ingot.config.Cidr> owned, Set<InetAddress> v, List<Plan.VirtualService> s) {
                if (block.get()) {
                    inApply.countDown();
                    boolean interrupted = false;
                    while (release.getCount() > 0) { // a kernel call is not interruptible either
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            interrupted = true;
                        }
                    }
                    applyDone.set(System.nanoTime());
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
            }

            @Override
            public Map<String, Object> state() {
                return Map.of();
            }

            @Override
            public void close() {}
        };
        Speaker s = new Speaker(client, new Speaker.Settings("node-1", "metallb-system", "config", Optional.empty(),
                10), recorder, slow, Set::of, registry, Clock.systemUTC());
        s.start();
        block.set(true);
        s.trigger();
        assertThat(inApply.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        java.util.concurrent.atomic.AtomicLong closed = new java.util.concurrent.atomic.AtomicLong();
        Thread closer = Thread.ofPlatform().start(() -> {
            s.close();
            closed.set(System.nanoTime());
        });
        closer.join(500); // a close that does not wait returns within this
        release.countDown();
        closer.join(10_000);
        assertThat(closed.get()).as("close returned").isNotZero();
        assertThat(closed.get()).as("close returned after the plan in progress finished")
                .isGreaterThan(applyDone.get());
    }
}
