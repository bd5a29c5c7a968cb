package dev.ingot.lab;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The lab's Kubernetes side, driven by {@code lab/rack}:
 * <ul>
 *   <li>{@code apiserver ADDRESS PORT KUBECONFIG}: fabric8's mock API server in CRUD mode (list, watch, status
 *   subresource, in memory) with an indexed store ({@link IndexedCrudDispatcher}), and a kubeconfig pointing at it;
 *   runs until killed.</li>
 *   <li>{@code apply KUBECONFIG FILE|-}: create or replace every object of a YAML/JSON document (or List).</li>
 *   <li>{@code delete KUBECONFIG FILE|-}: delete them.</li>
 *   <li>{@code get KUBECONFIG KIND NAMESPACE NAME}: print one object as YAML (exit 1 when absent).</li>
 * </ul>
 * It exists because a fresh machine has no kubectl and no API server; the product itself never uses it.
 */
public final class LabTool {
    private LabTool() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
        }
        switch (args[0]) {
            case "apiserver" -> apiserver(args);
            case "apply" -> apply(args, false);
            case "delete" -> apply(args, true);
            case "get" -> get(args);
            case "bench" -> Bench.run(args);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: ingot-lab apiserver ADDRESS PORT KUBECONFIG | apply KUBECONFIG FILE"
                + " | delete KUBECONFIG FILE | get KUBECONFIG KIND NAMESPACE NAME"
                + " | bench KUBECONFIG SEQUENTIAL BULK NEXTHOPS");
        System.exit(2);
    }

    /** Kept referenced: java.util.logging forgets the level of a logger nobody holds. */
    private static final java.util.logging.Logger REQUEST_LOG =
            java.util.logging.Logger.getLogger(MockWebServer.class.getName());

    private static void apiserver(String[] args) throws Exception {
        if (args.length != 4) {
            usage();
        }
        // fabric8 logs two lines per request: with thousands of Services that is most of the log and a fair share of
        // the server's time; warnings and errors still show
        REQUEST_LOG.setLevel(java.util.logging.Level.WARNING);
        var responses = new HashMap<io.fabric8.mockwebserver.ServerRequest,
                java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
        KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
                new MockWebServer(), responses, new PodProxy(IndexedCrudDispatcher.mixed(responses)), false);
        server.init(InetAddress.getByName(args[1]), Integer.parseInt(args[2]));
        String url = "http://" + args[1] + ":" + server.getPort();
        Files.writeString(Path.of(args[3]), """
                apiVersion: v1
                kind: Config
                clusters:
                - name: lab
                  cluster: {server: "%s"}
                contexts:
                - name: lab
                  context: {cluster: lab, user: lab, namespace: default}
                current-context: lab
                users:
                - name: lab
                  user: {token: lab}
                """.formatted(url));
        System.out.println("apiserver url=" + url + " kubeconfig=" + args[3]);
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
        new CountDownLatch(1).await();
    }

    static KubernetesClient client(String kubeconfig) throws IOException {
        return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(Path.of(kubeconfig))))
                .build();
    }

    private static void apply(String[] args, boolean delete) throws Exception {
        if (args.length != 3) {
            usage();
        }
        try (KubernetesClient client = client(args[1]);
             InputStream in = args[2].equals("-") ? System.in : new FileInputStream(args[2])) {
            Object parsed = Serialization.unmarshal(in);
            List<HasMetadata> items = parsed instanceof List<?> l ? l.stream().map(HasMetadata.class::cast).toList()
                    : parsed instanceof io.fabric8.kubernetes.api.model.KubernetesList kl ? kl.getItems()
                    : List.of((HasMetadata) parsed);
            for (HasMetadata item : items) {
                var r = client.resource(item);
                if (delete) {
                    r.delete();
                    System.out.println("deleted " + item.getKind() + " " + item.getMetadata().getName());
                } else {
                    HasMetadata out = r.createOr(existing -> existing.update());
                    if (hasStatus(item)) {
                        out = client.resource(item).updateStatus();
                    }
                    System.out.println("applied " + out.getKind() + " " + out.getMetadata().getName());
                }
            }
        }
    }

    private static boolean hasStatus(HasMetadata item) {
        return item instanceof io.fabric8.kubernetes.api.model.Service s && s.getStatus() != null
                && s.getStatus().getLoadBalancer() != null && s.getStatus().getLoadBalancer().getIngress() != null
                && !s.getStatus().getLoadBalancer().getIngress().isEmpty();
    }

    private static void get(String[] args) throws Exception {
        if (args.length != 5) {
            usage();
        }
        try (KubernetesClient client = client(args[1])) {
            var resources = switch (args[2].toLowerCase(java.util.Locale.ROOT)) {
                case "service", "svc" -> client.services().inNamespace(args[3]).withName(args[4]).get();
                case "configmap", "cm" -> client.configMaps().inNamespace(args[3]).withName(args[4]).get();
                case "node" -> client.nodes().withName(args[4]).get();
                case "events" -> null;
                default -> throw new IllegalArgumentException("unknown kind " + args[2]);
            };
            if (args[2].equals("events")) {
                client.v1().events().inNamespace(args[3]).list().getItems().stream()
                        .filter(e -> args[4].equals(e.getInvolvedObject().getName()))
                        .forEach(e -> System.out.println(e.getType() + " " + e.getReason() + " " + e.getMessage()));
                return;
            }
            if (resources == null) {
                System.exit(1);
            }
            System.out.print(Serialization.asYaml(resources));
        }
    }
}
