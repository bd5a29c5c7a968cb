package dev.ingot.controller;

import static dev.ingot.controller.MockCluster.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The controller against fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class ReconcilerIT {
    KubernetesMockServer server;
    KubernetesClient client;
    final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
    }

    Reconciler controller(Reconciler.Options o, ControllerMetrics m) {
        KubernetesClient own = server.createClient();
        Reconciler r = new Reconciler(own, o, m);
        running.add(own);
        running.add(r);
        r.start();
        return r;
    }

    Reconciler controller() {
        return controller(fast("a"), new ControllerMetrics());
    }

    static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void allocatesWritesStatusAndEvents() {
        config(client, pools("p 10.0.0.0/24"));
        ControllerMetrics m = new ControllerMetrics();
        controller(fast("a"), m);
        create(client, svc("web", "a", "10.96.0.1"));
        create(client, svc("web", "b", "10.96.0.2"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(ingress(client, "web", "a")).containsExactly("10.0.0.0");
            assertThat(ingress(client, "web", "b")).containsExactly("10.0.0.1");
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(reasons(client, "web", "a"))
                .containsExactly("Normal IPAllocated: Assigned IP [\"10.0.0.0\"]"));
        // spec untouched by the status write
        assertThat(client.services().inNamespace("web").withName("a").get().getSpec().getType())
                .isEqualTo("LoadBalancer");
        await().atMost(WAIT).untilAsserted(() -> assertThat(m.scrape())
                .contains("metallb_allocator_addresses_total{pool=\"p\"} 256")
                .contains("metallb_allocator_addresses_in_use_total{pool=\"p\"} 2")
                .contains("metallb_k8s_client_config_loaded_bool 1")
                .contains("metallb_k8s_client_config_stale_bool 0"));
        // not a LoadBalancer any more: status cleared, address free for the next one
        client.services().inNamespace("web").withName("a").edit(s -> {
            s.getSpec().setType("ClusterIP");
            return s;
        });
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "web", "a")).isEmpty());
        create(client, svc("web", "c", "10.96.0.3"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "web", "c")).containsExactly("10.0.0.0"));
    }

    @Test
    void aWaitingServiceGetsAnAddressWhenOneIsFreedOrTheConfigGrows() {
        config(client, pools("p 10.0.0.0/32"));
        controller();
        create(client, svc("ns", "first", "10.96.0.1"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "first")).hasSize(1));
        create(client, svc("ns", "second", "10.96.0.2"));
        create(client, svc("ns", "third", "10.96.0.3"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(reasons(client, "ns", "second")).containsExactly(
                "Warning AllocationFailed: Failed to allocate IP for \"ns/second\": no available IPs"));
        client.services().inNamespace("ns").withName("first").delete();
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "second")).containsExactly(
                "10.0.0.0"));
        assertThat(ingress(client, "ns", "third")).isEmpty();
        config(client, pools("p 10.0.0.0/31"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "third")).containsExactly(
                "10.0.0.1"));
    }

    @Test
    void restartWithAThousandAssignedServicesChangesNothing() {
        config(client, pools("p 10.1.0.0/16"));
        int n = 1000;
        for (int i = 0; i < n; i++) {
            create(client, svc("ns" + (i % 10), "s" + i, "10.96.0." + (i % 250 + 1)));
        }
        try (var own = server.createClient(); var first = new Reconciler(own, fast("a"), new ControllerMetrics())) {
            first.start();
            await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> assertThat(
                    client.services().inAnyNamespace().list().getItems().stream()
                            .filter(s -> ServiceViews.ingressIps(s).isEmpty()).count()).isZero());
        }
        Map<String, String> before = new HashMap<>();
        Map<String, String> ips = new HashMap<>();
        for (Service s : client.services().inAnyNamespace().list().getItems()) {
            before.put(s.getMetadata().getName(), s.getMetadata().getResourceVersion());
            ips.put(s.getMetadata().getName(), ServiceViews.ingressIps(s).getFirst());
        }
        assertThat(new java.util.HashSet<>(ips.values())).hasSize(n);
        ControllerMetrics m = new ControllerMetrics();
        controller(fast("b"), m);
        // a new Service gets the first address nobody holds: proof the restart took over all 1,000 first
        create(client, svc("ns0", "late", "10.96.0.1"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns0", "late"))
                .containsExactly("10.1.3.232"));
        for (Service s : client.services().inAnyNamespace().list().getItems()) {
            if (!s.getMetadata().getName().equals("late")) {
                assertThat(s.getMetadata().getResourceVersion()).as(s.getMetadata().getName())
                        .isEqualTo(before.get(s.getMetadata().getName()));
            }
        }
        assertThat(m.scrape()).contains("ingot_controller_status_writes_total 1.0")
                .contains("metallb_allocator_addresses_in_use_total{pool=\"p\"} 1001");
    }

    @Test
    void configReloadAcceptedAndRejected() {
        config(client, pools("a 10.0.0.0/24", "b 10.1.0.0/24"));
        ControllerMetrics m = new ControllerMetrics();
        controller(fast("a"), m);
        create(client, svc("ns", "x", "10.96.0.1").editMetadata().addToAnnotations("metallb.universe.tf/address-pool",
                "b").endMetadata());
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "x")).containsExactly("10.1.0.0"));
        // rejected: pool b disappears, ns/x would be stranded
        config(client, pools("a 10.0.0.0/24"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(reasons(client, NS, "config")).containsExactly(
                "Warning ConfigRejected: config rejected, the last good config stays in force: new config not "
                        + "compatible with assigned IPs; service \"ns/x\" cannot own [\"10.1.0.0\"] under new config"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(m.scrape())
                .contains("metallb_k8s_client_config_stale_bool 1"));
        // the last good config is still in force: pool b still serves
        create(client, svc("ns", "y", "10.96.0.2").editMetadata().addToAnnotations("metallb.io/address-pool",
                "b").endMetadata());
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "y")).containsExactly("10.1.0.1"));
        // invalid YAML: rejected with the parser's message
        config(client, "address-pools: [");
        await().atMost(WAIT).untilAsserted(() -> assertThat(reasons(client, NS, "config")).hasSize(2));
        // renaming b would strand ns/x and ns/y, which ask for it by name
        config(client, pools("a 10.0.0.0/24", "b2 10.1.0.0/23"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(reasons(client, NS, "config")).hasSize(3));
        // accepted: a renamed, b grown
        config(client, pools("a2 10.0.0.0/24", "b 10.1.0.0/23"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(m.scrape())
                .contains("metallb_k8s_client_config_stale_bool 0")
                .contains("metallb_allocator_addresses_total{pool=\"b\"} 512"));
        assertThat(ingress(client, "ns", "x")).containsExactly("10.1.0.0");
        // a deleted ConfigMap keeps the last config running
        client.configMaps().inNamespace(NS).withName("config").delete();
        await().atMost(WAIT).untilAsserted(() -> assertThat(m.scrape())
                .contains("metallb_k8s_client_config_stale_bool 1"));
        create(client, svc("ns", "z", "10.96.0.3"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "z")).containsExactly("10.0.0.0"));
    }

    @Test
    void sharingAndDualStack() {
        config(client, pools("p 10.0.0.0/30 fd00::/126"));
        controller();
        create(client, svc("ns", "dns-tcp", "10.96.0.1").editMetadata()
                .addToAnnotations("metallb.universe.tf/allow-shared-ip", "dns").endMetadata());
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "dns-tcp")).containsExactly(
                "10.0.0.0"));
        create(client, svc("ns", "dns-udp", "10.96.0.2").editMetadata()
                .addToAnnotations("metallb.io/allow-shared-ip", "dns").endMetadata().editSpec().editFirstPort()
                .withProtocol("UDP").endPort().endSpec());
        create(client, svc("ns", "dual", "10.96.0.3", "fd01::3"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(ingress(client, "ns", "dns-udp")).containsExactly("10.0.0.0");
            assertThat(ingress(client, "ns", "dual")).containsExactly("10.0.0.1", "fd00::");
        });
        create(client, svc("ns", "clash", "10.96.0.4").withNewStatus().endStatus().editSpec()
                .withLoadBalancerIP("10.0.0.0").endSpec());
        await().atMost(WAIT).untilAsserted(() -> assertThat(reasons(client, "ns", "clash")).containsExactly(
                "Warning AllocationFailed: Failed to allocate IP for \"ns/clash\": can't change sharing key for "
                        + "\"ns/clash\", address also in use by ns/dns-tcp,ns/dns-udp"));
    }

    @Test
    void leaderFailoverKeepsEveryAddress() {
        config(client, pools("p 10.0.0.0/24"));
        var election = fast("x").withLeaderElection(true, Duration.ofSeconds(2), Duration.ofMillis(1500),
                Duration.ofMillis(200));
        ControllerMetrics ma = new ControllerMetrics();
        ControllerMetrics mb = new ControllerMetrics();
        KubernetesClient ca = server.createClient();
        Reconciler a = new Reconciler(ca, new Reconciler.Options(NS, "config", null, false, null, null, "a", true,
                election.leaseDuration(), election.renewDeadline(), election.retryPeriod(), election.retryBase(),
                election.retryMax()), ma);
        a.start();
        await().atMost(WAIT).until(a::isLeader);
        controller(new Reconciler.Options(NS, "config", null, false, null, null, "b", true, election.leaseDuration(),
                election.renewDeadline(), election.retryPeriod(), election.retryBase(), election.retryMax()), mb);
        for (int i = 0; i < 5; i++) {
            create(client, svc("ns", "s" + i, "10.96.0." + (i + 1)));
        }
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "s4")).hasSize(1));
        assertThat(mb.scrape()).contains("ingot_controller_leader 0.0").contains("ingot_controller_status_writes_total 0.0");
        Map<String, String> rv = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            rv.put("s" + i, client.services().inNamespace("ns").withName("s" + i).get().getMetadata()
                    .getResourceVersion());
        }
        a.close();
        ca.close();
        await().atMost(WAIT).untilAsserted(() -> assertThat(mb.scrape()).contains("ingot_controller_leader 1.0"));
        create(client, svc("ns", "after", "10.96.0.9"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "after")).containsExactly(
                "10.0.0.5"));
        for (int i = 0; i < 5; i++) {
            assertThat(client.services().inNamespace("ns").withName("s" + i).get().getMetadata()
                    .getResourceVersion()).isEqualTo(rv.get("s" + i));
        }
        assertThat(client.leases().inNamespace(NS).withName("ingot-controller").get().getSpec().getHolderIdentity())
                .isEqualTo("b");
    }

    @Test
    void aReElectedLeaderTakesOverWhatAnotherLeaderWroteBeforeAllocating() {
        config(client, pools("p 10.0.0.0/24"));
        Reconciler a = controller(new Reconciler.Options(NS, "config", null, false, null, null, "a", true,
                Duration.ofSeconds(2), Duration.ofMillis(1500), Duration.ofMillis(200), Duration.ofMillis(20),
                Duration.ofSeconds(2)), new ControllerMetrics());
        await().atMost(WAIT).until(a::isLeader);
        create(client, svc("ns", "early", "10.96.0.1"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "early")).containsExactly(
                "10.0.0.0"));
        // Another replica takes the Lease (a lags, say) and writes while a is a follower.
        client.leases().inNamespace(NS).withName("ingot-controller").edit(l -> {
            l.getSpec().setHolderIdentity("intruder");
            l.getSpec().setRenewTime(java.time.ZonedDateTime.now());
            l.getSpec().setLeaseDurationSeconds(4);
            return l;
        });
        await().atMost(WAIT).until(() -> !a.isLeader());
        create(client, svc("ns", "fresh", "10.96.0.2"));
        create(client, svc("ns", "held", "10.96.0.3"));
        client.services().inNamespace("ns").withName("held").editStatus(s -> {
            s.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer()
                    .addNewIngress().withIp("10.0.0.1").endIngress().endLoadBalancer().build());
            return s;
        });
        assertThat(ingress(client, "ns", "fresh")).as("a follower writes nothing").isEmpty();
        // The intruder stops renewing; a leads again and must take "held" over before serving "fresh".
        await().atMost(WAIT).until(a::isLeader);
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "fresh")).containsExactly(
                "10.0.0.2"));
        assertThat(ingress(client, "ns", "held")).containsExactly("10.0.0.1");
        assertThat(ingress(client, "ns", "early")).containsExactly("10.0.0.0");
    }

    @Test
    void createsTheMemberlistSecretOwnedByTheDeployment() {
        config(client, pools("p 10.0.0.0/24"));
        var d = client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
                .withName("controller").withNamespace(NS).endMetadata().build()).create();
        controller(fast("a").withMemberlist("memberlist", "controller"), new ControllerMetrics());
        await().atMost(WAIT).untilAsserted(() -> {
            var s = client.secrets().inNamespace(NS).withName("memberlist").get();
            assertThat(s).isNotNull();
            String key = new String(Base64.getDecoder().decode(s.getData().get("secretkey")));
            assertThat(key).hasSize(22).matches("[A-Za-z0-9+/]{22}");
            assertThat(s.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
                assertThat(o.getKind()).isEqualTo("Deployment");
                assertThat(o.getUid()).isEqualTo(d.getMetadata().getUid());
            });
        });
    }

    @Test
    void ipModeProxyAndLoadBalancerClass() {
        config(client, pools("p 10.0.0.0/24"));
        controller(fast("a").withIpModeProxy(true).withLoadBalancerClass("ingot.dev/lb"), new ControllerMetrics());
        create(client, svc("ns", "mine", "10.96.0.1").editSpec().withLoadBalancerClass("ingot.dev/lb").endSpec());
        create(client, svc("ns", "theirs", "10.96.0.2"));
        await().atMost(WAIT).ignoreExceptions().untilAsserted(() -> assertThat(client.services().inNamespace("ns")
                .withName("mine").get()
                .getStatus().getLoadBalancer().getIngress()).singleElement().satisfies(i -> {
                    assertThat(i.getIp()).isEqualTo("10.0.0.0");
                    assertThat(i.getIpMode()).isEqualTo("Proxy");
                }));
        assertThat(ingress(client, "ns", "theirs")).isEmpty();
    }
}
