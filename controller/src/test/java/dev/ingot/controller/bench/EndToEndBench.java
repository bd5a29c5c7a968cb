package dev.ingot.controller.bench;

import dev.ingot.controller.ControllerMetrics;
import dev.ingot.controller.Reconciler;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * End to end: N LoadBalancer Services (default 10,000) created against fabric8's mock API server in CRUD mode, with
 * the controller running; prints the time until every one has an ingress IP (seen by a separate watcher), and the
 * time a second controller takes to take all of them over after a restart without changing any.
 */
public final class EndToEndBench {
    /** The mock server logs every request through JUL at INFO; kept referenced so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    public static void main(String[] args) throws Exception {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int writers = 8;
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesMixedDispatcher(new HashMap<>()), false);
        server.init();
        try (KubernetesClient client = server.createClient(); KubernetesClient ctl = server.createClient();
             KubernetesClient watcher = server.createClient()) {
            client.configMaps().inNamespace("metallb-system").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("config").withNamespace("metallb-system").endMetadata().withData(Map.of("config",
                            "address-pools:\n- name: p\n  protocol: bgp\n  addresses: [10.0.0.0/16]\n")).build())
                    .create();
            Set<String> done = ConcurrentHashMap.newKeySet();
            CountDownLatch all = new CountDownLatch(n);
            var inf = watcher.services().inAnyNamespace().inform(new ResourceEventHandler<Service>() {
                private void seen(Service s) {
                    var lb = s.getStatus() == null ? null : s.getStatus().getLoadBalancer();
                    if (lb != null && lb.getIngress() != null && !lb.getIngress().isEmpty()
                            && done.add(s.getMetadata().getName())) {
                        all.countDown();
                    }
                }

                @Override
                public void onAdd(Service s) {
                    seen(s);
                }

                @Override
                public void onUpdate(Service o, Service s) {
                    seen(s);
                }

                @Override
                public void onDelete(Service s, boolean b) {
                }
            });
            Reconciler.Options o = Reconciler.Options.defaults("metallb-system", "bench")
                    .withLeaderElection(false, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
            ControllerMetrics metrics = new ControllerMetrics();
            Reconciler r = new Reconciler(ctl, o, metrics);
            r.start();
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(writers);
            for (int w = 0; w < writers; w++) {
                int start = w;
                pool.submit(() -> {
                    for (int i = start; i < n; i += writers) {
                        client.resource(new ServiceBuilder().withNewMetadata().withNamespace("ns" + (i % 20))
                                .withName("s" + i).endMetadata().withNewSpec().withType("LoadBalancer")
                                .withClusterIPs(List.of("10.96." + (i >> 8 & 255) + "." + (i & 255)))
                                .addNewPort().withPort(80).withProtocol("TCP").endPort().endSpec().build()).create();
                    }
                    return null;
                });
            }
            pool.shutdown();
            pool.awaitTermination(10, TimeUnit.MINUTES);
            long created = System.nanoTime();
            if (!all.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("only " + done.size() + " of " + n + " got an address");
            }
            long t1 = System.nanoTime();
            System.out.printf("services=%d created_in_ms=%d all_have_ingress_after_ms=%d rate_per_s=%.0f%n", n,
                    (created - t0) / 1_000_000, (t1 - t0) / 1_000_000, n / ((t1 - t0) / 1e9));
            r.close();
            inf.close();

            // Restart: a fresh controller takes over every address and writes nothing.
            ControllerMetrics m2 = new ControllerMetrics();
            long t2 = System.nanoTime();
            try (KubernetesClient ctl2 = server.createClient(); Reconciler r2 = new Reconciler(ctl2, o, m2)) {
                r2.start();
                while (!m2.scrape().contains("metallb_allocator_addresses_in_use_total{pool=\"p\"} " + n)) {
                    Thread.sleep(20);
                }
                long t3 = System.nanoTime();
                String writes = m2.scrape().lines().filter(l -> l.startsWith("ingot_controller_status_writes_total"))
                        .findFirst().orElse("?");
                System.out.printf("restart_takeover_ms=%d %s%n", (t3 - t2) / 1_000_000, writes);
            }
        } finally {
            server.destroy();
        }
    }
}
