package dev.ingot.lab;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code lab/bench}: runs inside the switch's namespace, so that it sees the switch's kernel FIB directly. It creates
 * LoadBalancer Services with one endpoint per node through the lab's API and measures the time from the create call
 * to the /32 being in the switch's FIB with all its next hops: first one Service at a time, then many at once.
 */
final class Bench {
    private Bench() {}

    static void run(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("bench KUBECONFIG SEQUENTIAL BULK NEXTHOPS");
        }
        int sequential = Integer.parseInt(args[2]);
        int bulk = Integer.parseInt(args[3]);
        int hops = Integer.parseInt(args[4]);
        try (KubernetesClient client = LabTool.client(args[1])) {
            List<Long> ms = new ArrayList<>();
            for (int i = 0; i < sequential; i++) {
                String name = "seq-" + i;
                long t0 = System.nanoTime();
                create(client, name, i);
                String ip = awaitIp(client, name, 30_000);
                while (fib().getOrDefault(ip, 0) < hops) {
                    if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(30)) {
                        throw new IllegalStateException(name + " (" + ip + ") did not reach " + hops
                                + " next hops in 30 s");
                    }
                    Thread.sleep(5);
                }
                ms.add((System.nanoTime() - t0) / 1_000_000);
            }
            if (!ms.isEmpty()) {
                List<Long> sorted = new ArrayList<>(ms);
                Collections.sort(sorted);
                System.out.printf("{\"bench\":\"service-to-fib\",\"services\":%d,\"nexthops\":%d,\"median_ms\":%d,"
                        + "\"worst_ms\":%d,\"best_ms\":%d,\"all_ms\":%s}%n", ms.size(), hops,
                        sorted.get(sorted.size() / 2), sorted.getLast(), sorted.getFirst(), ms);
            }
            if (bulk > 0) {
                int before = complete(fib(), hops);
                long t0 = System.nanoTime();
                for (int i = 0; i < bulk; i++) {
                    create(client, "bulk-" + i, 1000 + i);
                }
                long created = (System.nanoTime() - t0) / 1_000_000;
                int done;
                while ((done = complete(fib(), hops) - before) < bulk) {
                    if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(600)) {
                        throw new IllegalStateException("bulk: only " + done + " of " + bulk + " in 600 s");
                    }
                    Thread.sleep(100);
                }
                System.out.printf("{\"bench\":\"bulk-service-to-fib\",\"services\":%d,\"nexthops\":%d,"
                        + "\"api_create_ms\":%d,\"all_in_fib_ms\":%d}%n", bulk, hops, created,
                        (System.nanoTime() - t0) / 1_000_000);
            }
        }
    }

    static int complete(Map<String, Integer> fib, int hops) {
        return (int) fib.values().stream().filter(n -> n >= hops).count();
    }

    static void create(KubernetesClient client, String name, int i) {
        String cip = "10.97." + (i / 250) + "." + (i % 250 + 1);
        Service s = new ServiceBuilder().withNewMetadata().withName(name).withNamespace("bench").endMetadata()
                .withNewSpec().withType("LoadBalancer").withClusterIP(cip).withClusterIPs(cip)
                .withIpFamilies("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .endSpec().build();
        EndpointSlice es = new EndpointSliceBuilder().withNewMetadata().withName(name + "-1").withNamespace("bench")
                .addToLabels("kubernetes.io/service-name", name).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.244.1.10").withNodeName("node1").withNewConditions()
                .withReady(true).endConditions().endEndpoint()
                .addNewEndpoint().withAddresses("10.244.2.10").withNodeName("node2").withNewConditions()
                .withReady(true).endConditions().endEndpoint()
                .addNewEndpoint().withAddresses("10.244.3.10").withNodeName("node3").withNewConditions()
                .withReady(true).endConditions().endEndpoint().build();
        // createOr: the client retries a POST that timed out, and the first try may have landed
        client.discovery().v1().endpointSlices().inNamespace("bench").resource(es).createOr(c -> c.update());
        client.services().inNamespace("bench").resource(s).createOr(c -> c.update());
    }

    static String awaitIp(KubernetesClient client, String name, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            Service s = client.services().inNamespace("bench").withName(name).get();
            if (s != null && s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                    && s.getStatus().getLoadBalancer().getIngress() != null
                    && !s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
                return s.getStatus().getLoadBalancer().getIngress().getFirst().getIp();
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException(name + " got no IP in " + timeoutMs + " ms");
    }

    /** The switch's BGP routes: /32 destination to its number of next hops (the bench reads the FIB with ip). */
    static Map<String, Integer> fib() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ip", "-4", "route", "show", "proto", "bgp").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        Map<String, Integer> m = new HashMap<>();
        String current = null;
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                String dst = line.split(" ")[0];
                current = dst;
                m.put(dst, line.contains(" via ") ? 1 : 0);
            } else if (current != null && line.strip().startsWith("nexthop")) {
                m.merge(current, 1, Integer::sum);
            }
        }
        return m;
    }
}
