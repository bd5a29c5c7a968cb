package dev.ingot.speaker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.ipvs.DataplaneOptions;
import dev.ingot.ipvs.Forwarding;
import dev.ingot.ipvs.Prefix;
import dev.ingot.ipvs.RealServer;
import dev.ingot.ipvs.VirtualService;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import picocli.CommandLine;

/**
 * What the speaker integration tests run on, inside the IPVS kernel VM (ipvs/vm, one boot for all of them): a
 * fabric8 mock API server in CRUD mode on 127.0.0.1, speakers started from their command-line flags exactly as
 * {@code ingot speaker} starts them ({@link SpeakerMain#start()}), each with its own node name and memberlist address
 * 127.0.0.(10+n):7946 (speaker Pods with that podIP are how they find each other, as in a cluster), and the kernel
 * read back through the ipvs module. The tests use {@code ip} and {@code ipvsadm} in the guest to look and to cut a
 * node off; the product never does.
 */
final class VmCluster implements AutoCloseable {
    static final String NAMESPACE = "metallb-system";
    static final String SPEAKER_LABELS = "app=metallb,component=speaker";
    static final int MEMBERLIST_PORT = 7946;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The mock server logs every request through JUL at INFO; kept referenced so the level sticks. */
    private static final java.util.logging.Logger MOCK_LOG =
            java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private final KubernetesMockServer server;
    final KubernetesClient client;
    private final Path dir;
    private final Path kubeconfig;
    private final List<Prefix> owned;
    private final Map<String, SpeakerMain.Running> speakers = new LinkedHashMap<>();
    private final Set<String> cut = new TreeSet<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** Skips outside the VM, or fails under CI=true, like the ipvs module's ITs. */
    static void requireKernelVm() {
        if (!Files.exists(Path.of("/proc/net/ip_vs")) && System.getenv("IPVS_VM") == null) {
            String unavailable = System.getenv("IPVS_VM_UNAVAILABLE");
            String why = unavailable != null ? unavailable : "no IPVS in this kernel and not inside the IPVS VM";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true but " + why);
            }
            Assumptions.abort(why);
        }
    }

    /** The API server with the {@code config} ConfigMap holding {@code config}; {@code pool} is its address pool. */
    VmCluster(String config, String pool) throws IOException {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        owned = List.of(Prefix.parse(pool));
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), responses,
                new KubernetesMixedDispatcher(responses), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
        dir = Files.createTempDirectory("ingot-speaker-it");
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: it
                  cluster: {server: "http://127.0.0.1:%d"}
                contexts:
                - name: it
                  context: {cluster: it, user: it, namespace: default}
                current-context: it
                users:
                - name: it
                  user: {token: it}
                """.formatted(server.getPort()));
        client.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata()
                .withName("config").withNamespace(NAMESPACE).endMetadata().addToData("config", config).build())
                .create();
    }

    /** One line of figures in the test output (docs/speaker.md quotes them). */
    static void measured(String format, Object... args) {
        System.out.println("measured: " + String.format(format, args));
    }

    static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    /** The memberlist (and HTTP) address of node-N. */
    static String address(String node) {
        return "127.0.0." + (10 + Integer.parseInt(node.substring(node.lastIndexOf('-') + 1)));
    }

    /** The Node object and the speaker Pod of {@code node}, as the DaemonSet would have them. */
    void node(String node) {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).create();
        Pod pod = new PodBuilder().withNewMetadata().withName("speaker-" + node).withNamespace(NAMESPACE)
                .addToLabels(Membership.selector(SPEAKER_LABELS)).endMetadata()
                .withNewSpec().withNodeName(node).withHostNetwork(true).endSpec()
                .withNewStatus().withPhase("Running").withPodIP(address(node)).endStatus().build();
        client.pods().inNamespace(NAMESPACE).resource(pod).create();
        client.pods().inNamespace(NAMESPACE).resource(pod).updateStatus();
    }

    /** Starts {@code ingot speaker} for {@code node} in this JVM with the given dataplane; returns once it is ready. */
    SpeakerMain.Running start(String node, String dataplane) throws Exception {
        String addr = address(node);
        SpeakerMain main = CommandLine.populateCommand(new SpeakerMain(), "--node-name=" + node,
                "--kubeconfig=" + kubeconfig, "--namespace=" + NAMESPACE, "--host=" + addr, "--port=0",
                "--dataplane=" + dataplane, "--ml-bindaddr=" + addr, "--ml-bindport=" + MEMBERLIST_PORT,
                "--ml-labels=" + SPEAKER_LABELS, "--ml-secret-key=speaker-it-memberlist-key", "--drain-delay=0");
        ExecutorService starter = Executors.newSingleThreadExecutor();
        try {
            Future<SpeakerMain.Running> f = starter.submit(main::start);
            SpeakerMain.Running r = f.get(180, TimeUnit.SECONDS);
            speakers.put(node, r);
            return r;
        } finally {
            starter.shutdownNow();
        }
    }

    /** What SIGTERM does: the BGP goodbye, then stop, leaving memberlist gracefully. */
    void stop(String node) {
        SpeakerMain.Running r = speakers.remove(node);
        r.shutdown();
        r.close();
    }

    /**
     * The node dies as far as the network can tell: every packet to or from its memberlist address is dropped
     * (a blackhole policy rule ahead of the local table), so it can neither answer nor say goodbye.
     */
    void cutOff(String node) throws Exception {
        if (ip("rule", "show", "pref", "0").contains("lookup local")) {
            ip("rule", "add", "pref", "100", "lookup", "local");
            ip("rule", "del", "pref", "0");
        }
        ip("rule", "add", "pref", "10", "to", address(node), "blackhole");
        ip("rule", "add", "pref", "10", "from", address(node), "blackhole");
        cut.add(node);
    }

    /** Undoes {@link #cutOff}. */
    void reconnect(String node) throws Exception {
        ip("rule", "del", "pref", "10", "to", address(node), "blackhole");
        ip("rule", "del", "pref", "10", "from", address(node), "blackhole");
        cut.remove(node);
    }

    /** Stops a cut-off node's speaker: whatever it says on the way out (its memberlist leave) is lost. */
    void killCutOff(String node) {
        if (!cut.contains(node)) {
            throw new IllegalStateException(node + " is not cut off");
        }
        speakers.remove(node).close();
    }

    /** The speaker's {@code /status} document, over HTTP. */
    @SuppressWarnings("unchecked")
    Map<String, Object> status(String node) throws Exception {
        InetSocketAddress a = speakers.get(node).httpAddress();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + a.getAddress()
                .getHostAddress() + ":" + a.getPort() + "/status")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readValue(r.body(), Map.class);
    }

    /** Members node sees alive (memberlist section of /status). */
    @SuppressWarnings("unchecked")
    List<String> alive(String node) throws Exception {
        return (List<String>) ((Map<String, Object>) status(node).get("memberlist")).get("alive");
    }

    /** Members node has seen declared dead. */
    @SuppressWarnings("unchecked")
    List<String> dead(String node) throws Exception {
        return (List<String>) ((Map<String, Object>) status(node).get("memberlist")).get("dead");
    }

    /** The announced prefixes in node's /status. */
    @SuppressWarnings("unchecked")
    List<String> routes(String node) throws Exception {
        List<Map<String, Object>> routes = (List<Map<String, Object>>) status(node).get("routes");
        return routes == null ? List.of() : routes.stream().map(m -> (String) m.get("prefix")).toList();
    }

    /** The decision for one Service in node's /status: {@code announced} or the reason it is not. */
    @SuppressWarnings("unchecked")
    String decision(String node, String service) throws Exception {
        for (Map<String, Object> s : (List<Map<String, Object>>) status(node).get("services")) {
            if (s.get("service").equals(service)) {
                return Boolean.TRUE.equals(s.get("announced")) ? "announced" : (String) s.get("reason");
            }
        }
        return "unknown";
    }

    /**
     * The kernel's IPVS virtual services inside the pool, one line each, read through the ipvs module's netlink
     * API: {@code TCP 172.19.100.10:80 mh -> 10.244.1.5:8080 w1, 10.244.2.5:8080 w1}.
     */
    List<String> ipvs() throws Exception {
        try (dev.ingot.ipvs.Dataplane dp = dev.ingot.ipvs.Dataplane.open(DataplaneOptions.owning(owned))) {
            List<String> out = new ArrayList<>();
            for (VirtualService vs : dp.virtualServices()) {
                String servers = vs.realServers().stream().sorted(Comparator.comparing(RealServer::endpoint))
                        .map(r -> " " + r.endpoint() + " w" + r.weight()
                                + (r.forwarding() == Forwarding.MASQ ? "" : " " + r.forwarding()))
                        .collect(Collectors.joining(","));
                out.add(vs.key() + " " + vs.scheduler().kernelName()
                        + (vs.schedulerFlags().isEmpty() ? "" : " " + vs.schedulerFlags())
                        + (vs.persistenceTimeout() == 0 ? "" : " persistent " + vs.persistenceTimeout())
                        + " ->" + servers);
            }
            return out;
        }
    }

    /** The pool's addresses bound to kube-ipvs0, read through the ipvs module. */
    Set<String> vips() throws Exception {
        try (dev.ingot.ipvs.Dataplane dp = dev.ingot.ipvs.Dataplane.open(DataplaneOptions.owning(owned))) {
            return dp.boundAddresses().stream().map(InetAddress::getHostAddress)
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Runs a command in the guest (test-only cross-checks); fails on a non-zero exit. */
    static String exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + ": timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + ": exit " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static String ip(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        return exec(cmd);
    }

    /** A LoadBalancer Service in {@code default}, with the IP the controller gave it in its status. */
    Service service(String name, String vip, String policy, Map<String, String> annotations, ServicePort... ports) {
        Service s = new ServiceBuilder().withNewMetadata().withName(name).withNamespace("default")
                .withAnnotations(annotations).endMetadata()
                .withNewSpec().withType("LoadBalancer").withExternalTrafficPolicy(policy).withPorts(ports).endSpec()
                .build();
        client.services().inNamespace("default").resource(s).create();
        s.setStatus(new io.fabric8.kubernetes.api.model.ServiceStatusBuilder().withNewLoadBalancer().addNewIngress()
                .withIp(vip).endIngress().endLoadBalancer().build());
        return client.services().inNamespace("default").resource(s).updateStatus();
    }

    static ServicePort port(String name, String protocol, int port) {
        return new ServicePortBuilder().withName(name).withProtocol(protocol).withPort(port).build();
    }

    static EndpointPort endpointPort(String name, String protocol, int port) {
        return new EndpointPortBuilder().withName(name).withProtocol(protocol).withPort(port).build();
    }

    /** A ready endpoint. */
    static Endpoint ready(String address, String node) {
        return endpoint(address, node, true, true, false);
    }

    static Endpoint endpoint(String address, String node, boolean ready, boolean serving, boolean terminating) {
        return new EndpointBuilder().withAddresses(address).withNodeName(node).withNewConditions().withReady(ready)
                .withServing(serving).withTerminating(terminating).endConditions().build();
    }

    /** Creates or replaces the EndpointSlice {@code name} of Service {@code service}. */
    void slice(String service, String name, List<EndpointPort> ports, Endpoint... endpoints) {
        client.discovery().v1().endpointSlices().inNamespace("default").resource(new EndpointSliceBuilder()
                .withNewMetadata().withName(name).withNamespace("default")
                .addToLabels(KubeModel.SERVICE_NAME_LABEL, service).endMetadata()
                .withAddressType("IPv4").withPorts(ports).withEndpoints(endpoints).build())
                .createOr(c -> c.update());
    }

    @Override
    public void close() throws IOException {
        for (String node : List.copyOf(speakers.keySet())) {
            try {
                speakers.remove(node).close();
            } catch (RuntimeException e) {
                System.err.println("stopping " + node + ": " + e);
            }
        }
        for (String node : List.copyOf(cut)) {
            try {
                reconnect(node);
            } catch (Exception e) {
                System.err.println("reconnecting " + node + ": " + e);
            }
        }
        client.close();
        server.destroy();
        Files.deleteIfExists(kubeconfig);
        Files.deleteIfExists(dir);
    }
}
