package dev.ingot.controller;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Helpers for driving the controller against fabric8's mock API server in CRUD mode. */
final class MockCluster {
    static final String NS = "metallb-system";

    /** The mock server logs every request through JUL at INFO; kept referenced so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private MockCluster() {}

    static Reconciler.Options fast(String identity) {
        return new Reconciler.Options(NS, "config", null, false, null, null, identity, false, Duration.ofSeconds(2),
                Duration.ofMillis(1500), Duration.ofMillis(250), Duration.ofMillis(20), Duration.ofSeconds(2));
    }

    static void config(KubernetesClient c, String yaml) {
        var existing = c.configMaps().inNamespace(NS).withName("config").get();
        if (existing == null) {
            c.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("config")
                    .withNamespace(NS).endMetadata().withData(Map.of("config", yaml)).build()).create();
        } else {
            c.configMaps().inNamespace(NS).resource(new ConfigMapBuilder(existing).withData(Map.of("config", yaml))
                    .build()).update();
        }
    }

    static String pools(String... lines) {
        StringBuilder b = new StringBuilder("address-pools:\n");
        for (String line : lines) {
            String[] f = line.split(" ");
            b.append("- name: ").append(f[0]).append("\n  protocol: layer2\n  addresses:\n");
            for (int i = 1; i < f.length; i++) {
                b.append("  - ").append(f[i]).append('\n');
            }
        }
        return b.toString();
    }

    static ServiceBuilder svc(String ns, String name, String... clusterIPs) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("LoadBalancer").withClusterIP(clusterIPs[0])
                .withClusterIPs(Arrays.asList(clusterIPs)).addNewPort().withProtocol("TCP").withPort(80).endPort()
                .withSelector(Map.of("app", name)).endSpec();
    }

    static Service create(KubernetesClient c, ServiceBuilder b) {
        return c.resource(b.build()).create();
    }

    static List<String> ingress(KubernetesClient c, String ns, String name) {
        Service s = c.services().inNamespace(ns).withName(name).get();
        if (s == null || s.getStatus() == null || s.getStatus().getLoadBalancer() == null
                || s.getStatus().getLoadBalancer().getIngress() == null) {
            return List.of();
        }
        return s.getStatus().getLoadBalancer().getIngress().stream().map(LoadBalancerIngress::getIp).toList();
    }

    static List<Event> events(KubernetesClient c, String ns, String name) {
        return c.v1().events().inNamespace(ns).list().getItems().stream()
                .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
    }

    static List<String> reasons(KubernetesClient c, String ns, String name) {
        return events(c, ns, name).stream().map(e -> e.getType() + " " + e.getReason() + ": " + e.getMessage())
                .sorted().toList();
    }
}
