package dev.ingot.speaker.bench;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bench's Kubernetes API: fabric8's mock API server, with the two big collections (Services and EndpointSlices,
 * all namespaces) served as a real API server serves them to an informer: a list at one resourceVersion (in pages of
 * {@code limit} items joined by {@code continue} tokens when the client asks for pages, else in one response), then a
 * watch (WebSocket) from that version that stays open and sends nothing because nothing changes. Filling the mock's
 * CRUD store one POST at a time takes minutes at this size (every create scans the store, lab/bench ran into it); here
 * each object is serialised once. Everything else the speaker asks for (its ConfigMap, its Node, the speaker
 * pods for memberlist) is the mock's ordinary CRUD store, and Event creations are answered as the API server answers
 * them (201 with the object) and counted.
 *
 * <p>The objects look like a real cluster's: Services as Helm and the Ingot controller leave them (managedFields,
 * cluster IPs, node ports, {@code status.loadBalancer.ingress}), EndpointSlices as kube-controller-manager writes them
 * (owner reference, pod target references, conditions, zone, managedFields).
 */
final class BenchApi implements AutoCloseable {
    static final String NAMESPACE = "metallb-system";
    static final String SPEAKER_LABELS = "app=metallb,component=speaker";

    /** What the cluster holds. */
    record Shape(int services, int endpointsPerService, int nodes, int namespaces, String speakerNode,
                 String speakerAddress, String peerAddress, int peerPort, String pool) {
        int endpoints() {
            return services * endpointsPerService;
        }
    }

    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    private static final boolean TRACE = System.getenv("TRACE_API") != null;
    private final KubernetesMockServer server;
    private final KubernetesMixedDispatcher crud;
    private final Collection serviceList;
    private final Collection sliceList;
    private final String resourceVersion;
    private final AtomicInteger events = new AtomicInteger();
    private final AtomicInteger lists = new AtomicInteger();
    private final List<WebSocket> watches = new java.util.concurrent.CopyOnWriteArrayList<>();

    BenchApi(Shape shape, InetAddress address) {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
        resourceVersion = "7" + shape.services();
        List<String> services = new ArrayList<>(shape.services());
        List<String> slices = new ArrayList<>(shape.services());
        for (int i = 0; i < shape.services(); i++) {
            Service s = service(shape, i);
            services.add(Serialization.asJson(s));
            slices.add(Serialization.asJson(slice(shape, i, s)));
        }
        serviceList = new Collection("v1", "ServiceList", services);
        sliceList = new Collection("discovery.k8s.io/v1", "EndpointSliceList", slices);
        var responses = new HashMap<io.fabric8.mockwebserver.ServerRequest,
                java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
        crud = new KubernetesMixedDispatcher(responses);
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), responses,
                new Bulk(), false);
        server.init(address, 0);
        try (KubernetesClient c = server.createClient()) {
            c.configMaps().inNamespace(NAMESPACE).resource(new ConfigMapBuilder().withNewMetadata().withName("config")
                    .withNamespace(NAMESPACE).endMetadata().addToData("config", config(shape)).build()).create();
            c.nodes().resource(new NodeBuilder().withNewMetadata().withName(shape.speakerNode())
                    .addToLabels("kubernetes.io/hostname", shape.speakerNode()).addToLabels("kubernetes.io/os", "linux")
                    .addToLabels("topology.kubernetes.io/zone", "zone-a").endMetadata()
                    .withNewSpec().withPodCIDR("10.244.0.0/24").endSpec().build()).create();
            c.pods().inNamespace(NAMESPACE).resource(new PodBuilder().withNewMetadata().withName("speaker-bench")
                    .withNamespace(NAMESPACE).addToLabels("app", "metallb").addToLabels("component", "speaker")
                    .endMetadata().withNewSpec().withNodeName(shape.speakerNode()).addNewContainer().withName("speaker")
                    .withImage("ingot/speaker").endContainer().endSpec().withNewStatus()
                    .withPodIP(shape.speakerAddress()).withHostIP(shape.speakerAddress()).endStatus().build()).create();
        }
    }

    /** The config ConfigMap's text: one BGP peer (the bench's receiver) and the pool the Services' IPs come from. */
    static String config(Shape shape) {
        return """
                peers:
                - peer-address: %s
                  peer-port: %d
                  peer-asn: 65210
                  my-asn: 65211
                  source-address: %s
                address-pools:
                - name: bench
                  protocol: bgp
                  addresses: [%s]
                """.formatted(shape.peerAddress(), shape.peerPort(), shape.speakerAddress(), shape.pool());
    }

    String url() {
        return "http://" + server.getHostName() + ":" + server.getPort();
    }

    /** A kubeconfig pointing at this server, as LabTool writes it. */
    Path kubeconfig(Path file) throws java.io.IOException {
        return Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: bench
                  cluster: {server: "%s"}
                contexts:
                - name: bench
                  context: {cluster: bench, user: bench, namespace: default}
                current-context: bench
                users:
                - name: bench
                  user: {token: bench}
                """.formatted(url()));
    }

    int eventsCreated() {
        return events.get();
    }

    int listsServed() {
        return lists.get();
    }

    long serviceListBytes() {
        return serviceList.bytes();
    }

    long sliceListBytes() {
        return sliceList.bytes();
    }

    /** Zeroes the counters between runs. */
    void resetCounters() {
        events.set(0);
        lists.set(0);
    }

    @Override
    public void close() {
        watches.forEach(w -> w.close(1000, "bench over"));
        server.destroy();
    }

    private final class Bulk extends Dispatcher {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getPath();
            URI uri = URI.create(path);
            String query = uri.getRawQuery() == null ? "" : uri.getRawQuery();
            boolean watch = ("&" + query + "&").contains("&watch=true&");
            Collection body = switch (uri.getPath()) {
                case "/api/v1/services" -> serviceList;
                case "/apis/discovery.k8s.io/v1/endpointslices" -> sliceList;
                default -> null;
            };
            if (TRACE) {
                System.err.println("api " + request.getMethod() + " " + path);
            }
            if (body != null && "GET".equals(request.getMethod())) {
                if (watch) {
                    return new MockResponse().withWebSocketUpgrade(new WebSocketListener() {
                        @Override
                        public void onOpen(WebSocket ws, io.fabric8.mockwebserver.http.Response r) {
                            watches.add(ws);
                        }

                        @Override
                        public void onClosed(WebSocket ws, int code, String reason) {
                            watches.remove(ws);
                        }
                    });
                }
                lists.incrementAndGet();
                return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                        .setBody(body.page(param(query, "limit"), param(query, "continue")));
            }
            if ("POST".equals(request.getMethod()) && uri.getPath().matches("/api/v1/namespaces/[^/]+/events")) {
                events.incrementAndGet();
                Map<String, Object> ev = Serialization.unmarshal(request.getUtf8Body(), Map.class);
                @SuppressWarnings("unchecked")
                Map<String, Object> meta = (Map<String, Object>) ev.computeIfAbsent("metadata", k -> new LinkedHashMap<>());
                meta.putIfAbsent("name", String.valueOf(meta.getOrDefault("generateName", "event.")) + UUID.randomUUID());
                meta.put("uid", UUID.randomUUID().toString());
                meta.put("resourceVersion", "9" + events.get());
                return new MockResponse().setResponseCode(201).setHeader("Content-Type", "application/json")
                        .setBody(Serialization.asJson(ev));
            }
            return crud.dispatch(request);
        }
    }

    /**
     * One collection, listed as the API server lists it: everything in one response without {@code limit}, else pages
     * of {@code limit} items joined by {@code continue} tokens (here the offset of the next page), all at one
     * resourceVersion.
     */
    private final class Collection {
        private final String apiVersion;
        private final String kind;
        private final List<String> items;

        Collection(String apiVersion, String kind, List<String> items) {
            this.apiVersion = apiVersion;
            this.kind = kind;
            this.items = items;
        }

        long bytes() {
            return items.stream().mapToLong(String::length).sum();
        }

        String page(String limit, String cont) {
            int from = cont == null ? 0 : Integer.parseInt(cont);
            int to = limit == null || limit.equals("0") ? items.size()
                    : Math.min(items.size(), from + Integer.parseInt(limit));
            String next = to < items.size() ? ",\"continue\":\"" + to + "\",\"remainingItemCount\":"
                    + (items.size() - to) : "";
            return "{\"apiVersion\":\"" + apiVersion + "\",\"kind\":\"" + kind
                    + "\",\"metadata\":{\"resourceVersion\":\"" + resourceVersion + "\"" + next + "},\"items\":["
                    + String.join(",", items.subList(from, to)) + "]}";
        }
    }

    private static String param(String query, String name) {
        for (String kv : query.split("&")) {
            if (kv.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(kv.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static String ns(Shape shape, int i) {
        return "team-%03d".formatted(i % shape.namespaces());
    }

    private static String name(int i) {
        return "svc-%05d".formatted(i);
    }

    private static String uid(String kind, int i) {
        return UUID.nameUUIDFromBytes((kind + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    private static final String T0 = "2026-11-20T09:00:00Z";

    private static ManagedFieldsEntry managed(String manager, String subresource, String fields) {
        ManagedFieldsEntryBuilder b = new ManagedFieldsEntryBuilder().withManager(manager).withOperation("Update")
                .withApiVersion("v1").withTime(T0).withFieldsType("FieldsV1")
                .withFieldsV1(fieldsV1(fields));
        if (subresource != null) {
            b.withSubresource(subresource);
        }
        return b.build();
    }

    @SuppressWarnings("unchecked")
    private static io.fabric8.kubernetes.api.model.FieldsV1 fieldsV1(String json) {
        io.fabric8.kubernetes.api.model.FieldsV1 f = new io.fabric8.kubernetes.api.model.FieldsV1();
        ((Map<String, Object>) Serialization.unmarshal(json, Map.class)).forEach(f::setAdditionalProperty);
        return f;
    }

    /**
     * Service i: one or two TCP ports, an ingress IP from the pool, and every tenth one with externalTrafficPolicy
     * Local (those always have an endpoint on the speaker's node, so that all of them are announced).
     */
    static Service service(Shape shape, int i) {
        String name = name(i);
        boolean local = i % 10 == 0;
        boolean twoPorts = i % 3 == 0;
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withName(name).withNamespace(ns(shape, i))
                .withUid(uid("svc", i)).withResourceVersion(String.valueOf(1000 + i)).withCreationTimestamp(T0)
                .addToLabels("app.kubernetes.io/name", name).addToLabels("app.kubernetes.io/instance", "release-" + i)
                .addToLabels("app.kubernetes.io/managed-by", "Helm")
                .addToAnnotations("meta.helm.sh/release-name", "release-" + i)
                .addToAnnotations("meta.helm.sh/release-namespace", ns(shape, i))
                .withManagedFields(managed("helm", null, """
                        {"f:metadata":{"f:annotations":{".":{},"f:meta.helm.sh/release-name":{},
                        "f:meta.helm.sh/release-namespace":{}},"f:labels":{".":{},"f:app.kubernetes.io/instance":{},
                        "f:app.kubernetes.io/managed-by":{},"f:app.kubernetes.io/name":{}}},"f:spec":{
                        "f:allocateLoadBalancerNodePorts":{},"f:externalTrafficPolicy":{},"f:internalTrafficPolicy":{},
                        "f:ports":{".":{},"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:name":{},"f:port":{},
                        "f:protocol":{},"f:targetPort":{}}},"f:selector":{},"f:sessionAffinity":{},"f:type":{}}}"""),
                        managed("ingot-controller", "status", """
                        {"f:status":{"f:loadBalancer":{"f:ingress":{}}}}"""))
                .endMetadata()
                .withNewSpec().withType("LoadBalancer").withClusterIP(clusterIp(i)).withClusterIPs(clusterIp(i))
                .withIpFamilies("IPv4").withIpFamilyPolicy("SingleStack").withSessionAffinity("None")
                .withExternalTrafficPolicy(local ? "Local" : "Cluster").withInternalTrafficPolicy("Cluster")
                .withAllocateLoadBalancerNodePorts(true).addToSelector("app.kubernetes.io/name", name)
                .addToSelector("app.kubernetes.io/instance", "release-" + i)
                .addNewPort().withName("http").withProtocol("TCP").withPort(80)
                .withNewTargetPort("http").withNodePort(30000 + i % 2768).endPort().endSpec();
        if (twoPorts) {
            b.editSpec().addNewPort().withName("https").withProtocol("TCP").withPort(443).withNewTargetPort("https")
                    .withNodePort(30000 + (i + 1384) % 2768).endPort().endSpec();
        }
        if (local) {
            b.editSpec().withHealthCheckNodePort(32000 + i % 767).endSpec();
        }
        return b.withNewStatus().withNewLoadBalancer().addNewIngress().withIp(poolIp(shape, i)).withIpMode("VIP")
                .endIngress().endLoadBalancer().endStatus().build();
    }

    /** The slice of Service i: its endpoints on consecutive nodes starting at node i mod nodes. */
    static EndpointSlice slice(Shape shape, int i, Service s) {
        String name = name(i);
        String sliceName = name + "-" + Integer.toString(36 * 36 * 36 + i, 36);
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withName(sliceName)
                .withGenerateName(name + "-").withNamespace(ns(shape, i)).withUid(uid("eps", i))
                .withResourceVersion(String.valueOf(200000 + i)).withGeneration(1L).withCreationTimestamp(T0)
                .addToLabels("endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io")
                .addToLabels("kubernetes.io/service-name", name)
                .addToLabels("app.kubernetes.io/name", name).addToLabels("app.kubernetes.io/instance", "release-" + i)
                .addToLabels("app.kubernetes.io/managed-by", "Helm")
                .addToAnnotations("endpoints.kubernetes.io/last-change-trigger-time", T0)
                .addNewOwnerReference().withApiVersion("v1").withKind("Service").withName(name)
                .withUid(s.getMetadata().getUid()).withController(true).withBlockOwnerDeletion(true).endOwnerReference()
                .withManagedFields(managed("kube-controller-manager", null, """
                        {"f:addressType":{},"f:endpoints":{},"f:metadata":{"f:annotations":{".":{},
                        "f:endpoints.kubernetes.io/last-change-trigger-time":{}},"f:generateName":{},"f:labels":{".":{},
                        "f:app.kubernetes.io/instance":{},"f:app.kubernetes.io/managed-by":{},"f:app.kubernetes.io/name":{},
                        "f:endpointslice.kubernetes.io/managed-by":{},"f:kubernetes.io/service-name":{}},
                        "f:ownerReferences":{".":{},"k:{\\"uid\\":\\"%s\\"}":{}}},"f:ports":{}}"""
                        .formatted(s.getMetadata().getUid())))
                .endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort();
        if (s.getSpec().getPorts().size() > 1) {
            b.addNewPort().withName("https").withProtocol("TCP").withPort(8443).endPort();
        }
        for (int e = 0; e < shape.endpointsPerService(); e++) {
            int node = (i + e) % shape.nodes();
            int pod = i * shape.endpointsPerService() + e;
            String podName = name + "-5d8f7c9b4-" + Integer.toString(36 * 36 * 36 * 36 + pod, 36);
            b.addNewEndpoint().withAddresses("10.%d.%d.%d".formatted(128 + node, pod >> 8 & 255, pod & 255))
                    .withNewConditions().withReady(true).withServing(true).withTerminating(false).endConditions()
                    .withNodeName(nodeName(shape, node)).withZone("zone-" + (char) ('a' + node % 3))
                    .withNewTargetRef().withKind("Pod").withNamespace(ns(shape, i)).withName(podName)
                    .withUid(uid("pod", pod)).endTargetRef().endEndpoint();
        }
        return b.build();
    }

    static String nodeName(Shape shape, int node) {
        return node == 0 ? shape.speakerNode() : "node-%d".formatted(node);
    }

    private static String clusterIp(int i) {
        return "10.96.%d.%d".formatted(i >> 8 & 255, i & 255);
    }

    /** The i-th address of the pool (an IPv4 CIDR large enough for every Service). */
    static String poolIp(Shape shape, int i) {
        String[] cidr = shape.pool().split("/");
        byte[] a;
        try {
            a = InetAddress.getByName(cidr[0]).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
        long base = ((a[0] & 255L) << 24) | ((a[1] & 255L) << 16) | ((a[2] & 255L) << 8) | (a[3] & 255L);
        long v = base + i;
        return "%d.%d.%d.%d".formatted(v >> 24 & 255, v >> 16 & 255, v >> 8 & 255, v & 255);
    }
}
