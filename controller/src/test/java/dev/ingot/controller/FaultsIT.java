package dev.ingot.controller;

import static com.github.tomakehurst.wiremock.client.WireMock.*;
import static dev.ingot.controller.MockCluster.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ConfigMapListBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceListBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * API faults: a 409 conflict and 5xx answers on status writes and on the take-over list (scripted on the mock
 * server, whose expectations take precedence over its CRUD behaviour), and a watch that expires with 410 Gone
 * (scripted with WireMock, which can answer a watch request with a status where the mock server cannot).
 */
@EnableKubernetesMockClient(crud = true)
class FaultsIT {
    KubernetesMockServer server;
    KubernetesClient client;
    final List<AutoCloseable> running = new ArrayList<>();
    static final Duration WAIT = Duration.ofSeconds(30);

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running.reversed()) {
            c.close();
        }
    }

    /** A client that does not retry by itself: the controller's own back-off is under test. */
    KubernetesClient noRetryClient(String url) {
        KubernetesClient c = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url)
                .withTrustCerts(true).withRequestRetryBackoffLimit(0).withNamespace(NS).build()).build();
        running.add(c);
        return c;
    }

    Reconciler start(KubernetesClient c, ControllerMetrics m) {
        Reconciler r = new Reconciler(c, fast("a"), m);
        running.add(r);
        r.start();
        return r;
    }

    static String status(int code, String reason) {
        return Serialization.asJson(new StatusBuilder().withCode(code).withReason(reason).withStatus("Failure")
                .withMessage(reason).build());
    }

    @Test
    void conflictOnStatusWriteIsReReadAndDecidedAgain() {
        config(client, pools("p 10.0.0.0/24"));
        server.expect().put().withPath("/api/v1/namespaces/ns/services/a/status")
                .andReturn(409, status(409, "Conflict")).once();
        ControllerMetrics m = new ControllerMetrics();
        start(noRetryClient(server.createClient().getConfiguration().getMasterUrl()), m);
        create(client, svc("ns", "a", "10.96.0.1"));
        create(client, svc("ns", "b", "10.96.0.2"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(ingress(client, "ns", "a")).containsExactly("10.0.0.0");
            assertThat(ingress(client, "ns", "b")).containsExactly("10.0.0.1");
        });
    }

    @Test
    void serverErrorsAreRetriedWithBackOff() {
        config(client, pools("p 10.0.0.0/24"));
        server.expect().get().withPath("/api/v1/services").andReturn(503, status(503, "ServiceUnavailable"))
                .times(2);
        server.expect().put().withPath("/api/v1/namespaces/ns/services/a/status")
                .andReturn(500, status(500, "InternalError")).times(3);
        ControllerMetrics m = new ControllerMetrics();
        start(noRetryClient(server.createClient().getConfiguration().getMasterUrl()), m);
        create(client, svc("ns", "a", "10.96.0.1"));
        create(client, svc("ns", "b", "10.96.0.2"));
        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(ingress(client, "ns", "a")).hasSize(1);
            assertThat(ingress(client, "ns", "b")).hasSize(1);
        });
        assertThat(new HashSet<>(List.of(ingress(client, "ns", "a").getFirst(), ingress(client, "ns", "b")
                .getFirst()))).as("never one IP to two Services").hasSize(2);
        assertThat(m.scrape()).doesNotContain("metallb_k8s_client_update_errors_total 0.0");
    }

    @Test
    void aFailingMemberlistSecretDoesNotHoldUpAllocation() {
        config(client, pools("p 10.0.0.0/24"));
        server.expect().post().withPath("/api/v1/namespaces/" + NS + "/secrets")
                .andReturn(403, status(403, "Forbidden")).times(2);
        KubernetesClient c = noRetryClient(server.createClient().getConfiguration().getMasterUrl());
        Reconciler r = new Reconciler(c, fast("a").withMemberlist("memberlist", null), new ControllerMetrics());
        running.add(r);
        r.start();
        create(client, svc("ns", "a", "10.96.0.1"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(ingress(client, "ns", "a")).containsExactly("10.0.0.0"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(client.secrets().inNamespace(NS).withName("memberlist")
                .get()).isNotNull());
    }

    @Test
    void watchExpiredWith410IsReListed() {
        WireMockServer wm = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        wm.start();
        running.add(wm::stop);
        String cmList = Serialization.asJson(new ConfigMapListBuilder().withNewMetadata().withResourceVersion("5")
                .endMetadata().addToItems(new ConfigMapBuilder().withNewMetadata().withName("config").withNamespace(NS)
                        .withResourceVersion("5").withUid("cm-uid").endMetadata()
                        .withData(Map.of("config", pools("p 10.0.0.0/24"))).build()).build());
        wm.stubFor(get(urlPathEqualTo("/api/v1/namespaces/" + NS + "/configmaps")).atPriority(5)
                .willReturn(okJson(cmList)));
        wm.stubFor(get(urlPathEqualTo("/api/v1/namespaces/" + NS + "/configmaps")).atPriority(1)
                .withQueryParam("watch", equalTo("true"))
                .willReturn(aResponse().withFixedDelay(2000).withStatus(500).withBody(status(500, "InternalError"))));
        Service a = svc("ns", "a", "10.96.0.1").editMetadata().withResourceVersion("10").withUid("a-uid")
                .endMetadata().build();
        Service aWithIp = svc("ns", "a", "10.96.0.1").editMetadata().withResourceVersion("11").withUid("a-uid")
                .endMetadata().withNewStatus().withNewLoadBalancer().addNewIngress().withIp("10.0.0.0").endIngress()
                .endLoadBalancer().endStatus().build();
        Service b = svc("ns", "b", "10.96.0.2").editMetadata().withResourceVersion("12").withUid("b-uid")
                .endMetadata().build();
        // Before the watch expires the API holds only ns/a; after, the re-list also shows ns/b.
        wm.stubFor(get(urlPathEqualTo("/api/v1/services")).atPriority(5).inScenario("watch")
                .whenScenarioStateIs(Scenario.STARTED).willReturn(okJson(Serialization.asJson(new ServiceListBuilder()
                        .withNewMetadata().withResourceVersion("10").endMetadata().addToItems(a).build()))));
        wm.stubFor(get(urlPathEqualTo("/api/v1/services")).atPriority(1).inScenario("watch")
                .whenScenarioStateIs(Scenario.STARTED).withQueryParam("watch", equalTo("true"))
                .willReturn(aResponse().withFixedDelay(500).withStatus(410).withBody(status(410, "Expired")))
                .willSetStateTo("relisted"));
        wm.stubFor(get(urlPathEqualTo("/api/v1/services")).atPriority(5).inScenario("watch")
                .whenScenarioStateIs("relisted").willReturn(okJson(Serialization.asJson(new ServiceListBuilder()
                        .withNewMetadata().withResourceVersion("12").endMetadata().addToItems(aWithIp, b).build()))));
        wm.stubFor(get(urlPathEqualTo("/api/v1/services")).atPriority(1).inScenario("watch")
                .whenScenarioStateIs("relisted").withQueryParam("watch", equalTo("true"))
                .willReturn(aResponse().withFixedDelay(2000).withStatus(500).withBody(status(500, "InternalError"))));
        wm.stubFor(put(urlEqualTo("/api/v1/namespaces/ns/services/a/status")).willReturn(okJson(
                Serialization.asJson(aWithIp))));
        wm.stubFor(put(urlEqualTo("/api/v1/namespaces/ns/services/b/status")).willReturn(okJson(
                Serialization.asJson(svc("ns", "b", "10.96.0.2").editMetadata().withResourceVersion("13")
                        .endMetadata().withNewStatus().withNewLoadBalancer().addNewIngress().withIp("10.0.0.1")
                        .endIngress().endLoadBalancer().endStatus().build()))));
        wm.stubFor(post(urlPathMatching("/api/v1/namespaces/.*/events")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{}")));

        start(noRetryClient(wm.baseUrl()), new ControllerMetrics());
        await().atMost(WAIT).untilAsserted(() -> wm.verify(putRequestedFor(
                urlEqualTo("/api/v1/namespaces/ns/services/b/status")).withRequestBody(containing("10.0.0.1"))));
        wm.verify(0, putRequestedFor(urlEqualTo("/api/v1/namespaces/ns/services/a/status"))
                .withRequestBody(notContaining("10.0.0.0")));
        wm.verify(0, putRequestedFor(urlEqualTo("/api/v1/namespaces/ns/services/b/status"))
                .withRequestBody(containing("10.0.0.0")));
        assertThat(wm.findAll(getRequestedFor(urlPathEqualTo("/api/v1/services"))
                .withQueryParam("watch", equalTo("true")))).isNotEmpty();
    }
}
