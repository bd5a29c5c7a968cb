package dev.ingot.lab;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.Dispatcher;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The lab's indexed store answers exactly as fabric8's CRUD dispatcher does: the same script of API calls (creates,
 * 409s, gets, 404s, lists with label and field selectors, updates with stale and current resourceVersions, status
 * writes, merge patches, generateName, cluster-scoped objects, deletes, a watch) runs against both servers and gives
 * the same transcript, resourceVersions included.
 */
class IndexedCrudDispatcherTest {

    @Test
    void answersExactlyAsFabric8sCrudDispatcher() throws Exception {
        List<String> fabric8 = transcript(KubernetesMixedDispatcher::new);
        List<String> indexed = transcript(IndexedCrudDispatcher::mixed);
        assertThat(indexed).isEqualTo(fabric8);
        assertThat(indexed).filteredOn("error 409"::equals).hasSize(2);
        assertThat(String.join("\n", indexed)).contains("absent").contains("ADDED a/s3")
                .contains("MODIFIED a/s3").contains("DELETED a/s3");
    }

    @Test
    void findsObjectsAmongThousands() throws Exception {
        var responses = new HashMap<ServerRequest, Queue<ServerResponse>>();
        KubernetesMockServer server = server(IndexedCrudDispatcher.mixed(responses), responses);
        try (KubernetesClient c = server.createClient()) {
            for (int i = 0; i < 3000; i++) {
                c.services().inNamespace("ns" + i % 7).resource(service("s" + i, "app", "a" + i % 3)).create();
            }
            assertThat(c.services().inNamespace("ns5").withName("s19").get().getMetadata().getName()).isEqualTo("s19");
            assertThat(c.services().inNamespace("ns4").withName("s19").get()).isNull();
            assertThat(c.services().inAnyNamespace().list().getItems()).hasSize(3000);
            assertThat(c.services().inNamespace("ns1").withLabel("app", "a2").list().getItems())
                    .allSatisfy(s -> assertThat(s.getMetadata().getLabels()).containsEntry("app", "a2"))
                    .hasSize((int) java.util.stream.IntStream.range(0, 3000).filter(i -> i % 7 == 1 && i % 3 == 2)
                            .count());
            Service s = c.services().inNamespace("ns0").withName("s0").get();
            c.services().inNamespace("ns0").withName("s0").delete();
            assertThat(c.services().inNamespace("ns0").withName("s0").get()).isNull();
            c.services().inNamespace("ns0").resource(service("s0", "app", "again")).create();
            assertThat(c.services().inNamespace("ns0").withName("s0").get().getMetadata().getLabels())
                    .containsEntry("app", "again");
            assertThat(s.getMetadata().getLabels()).containsEntry("app", "a0");
        } finally {
            server.destroy();
        }
    }

    static KubernetesMockServer server(Dispatcher d, Map<ServerRequest, Queue<ServerResponse>> responses) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(Serialization.jsonMapper()),
                new MockWebServer(), responses, d, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    static Service service(String name, String... labels) {
        Map<String, String> l = new HashMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            l.put(labels[i], labels[i + 1]);
        }
        return new ServiceBuilder().withNewMetadata().withName(name).withLabels(l).endMetadata().withNewSpec()
                .withType("LoadBalancer").addNewPort().withPort(80).withProtocol("TCP").endPort().endSpec().build();
    }

    static List<String> transcript(Function<Map<ServerRequest, Queue<ServerResponse>>, Dispatcher> dispatcher)
            throws Exception {
        var responses = new HashMap<ServerRequest, Queue<ServerResponse>>();
        KubernetesMockServer server = server(dispatcher.apply(responses), responses);
        List<String> t = new ArrayList<>();
        try (KubernetesClient c = server.createClient()) {
            LinkedBlockingQueue<String> events = new LinkedBlockingQueue<>();
            var watch = c.services().inNamespace("a").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Service s) {
                    events.add(action + " a/" + s.getMetadata().getName() + " rv=" + s.getMetadata()
                            .getResourceVersion());
                }

                @Override
                public void onClose(WatcherException cause) {}
            });
            t.add(show(c.services().inNamespace("a").resource(service("s1", "app", "x")).create()));
            t.add(show(c.services().inNamespace("a").resource(service("s2", "app", "y")).create()));
            t.add(show(c.services().inNamespace("b").resource(service("s1", "app", "x")).create()));
            t.add(call(() -> c.services().inNamespace("a").resource(service("s1")).create()));
            t.add(show(c.services().inNamespace("a").withName("s1").get()));
            t.add(show(c.services().inNamespace("b").withName("s1").get()));
            t.add(show(c.services().inNamespace("a").withName("nope").get()));
            t.add(names(c.services().inNamespace("a").list().getItems()));
            t.add(names(c.services().inAnyNamespace().list().getItems()));
            t.add(names(c.services().inAnyNamespace().withLabel("app", "x").list().getItems()));
            t.add(names(c.services().inAnyNamespace().withLabel("app").list().getItems()));
            t.add(names(c.services().inAnyNamespace().withField("metadata.name", "s2").list().getItems()));
            t.add(names(c.leases().inNamespace("a").list().getItems()));

            Service s1 = c.services().inNamespace("a").withName("s1").get();
            t.add(show(c.services().inNamespace("a").resource(new ServiceBuilder(s1).editMetadata()
                    .addToLabels("v", "2").endMetadata().build()).update()));
            t.add(call(() -> c.services().inNamespace("a").resource(new ServiceBuilder(s1).editMetadata()
                    .addToLabels("v", "stale").endMetadata().build()).update()));
            Service current = c.services().inNamespace("a").withName("s1").get();
            t.add(show(c.services().inNamespace("a").resource(new ServiceBuilder(current).editOrNewStatus()
                    .withNewLoadBalancer().addNewIngress().withIp("172.20.0.1").endIngress().endLoadBalancer()
                    .endStatus().build()).updateStatus()));
            t.add(call(() -> c.services().inNamespace("a").resource(new ServiceBuilder(current).editOrNewStatus()
                    .withNewLoadBalancer().addNewIngress().withIp("172.20.0.2").endIngress().endLoadBalancer()
                    .endStatus().build()).updateStatus()));
            t.add(show(c.services().inNamespace("a").withName("s2").patch(PatchContext.of(PatchType.JSON_MERGE),
                    "{\"metadata\":{\"labels\":{\"patched\":\"yes\"}}}")));

            c.services().inNamespace("a").resource(service("s3")).create();
            Service s3 = c.services().inNamespace("a").withName("s3").get();
            c.services().inNamespace("a").resource(new ServiceBuilder(s3).editMetadata().addToLabels("m", "1")
                    .endMetadata().build()).update();
            c.services().inNamespace("a").withName("s3").delete();
            t.add(show(c.services().inNamespace("a").withName("s3").get()));
            t.add(call(() -> c.services().inNamespace("a").withName("s3").delete()));

            for (int i = 0; i < 3; i++) {
                c.v1().events().inNamespace("a").resource(new EventBuilder().withNewMetadata().withGenerateName("s1.")
                        .endMetadata().withReason("r" + i).withNewInvolvedObject().withName("s1").endInvolvedObject()
                        .build()).create();
            }
            t.add(c.v1().events().inNamespace("a").list().getItems().stream().map(e -> e.getReason() + " "
                    + e.getMetadata().getName().startsWith("s1.")).sorted().toList().toString());

            t.add(show(c.configMaps().inNamespace("metallb-system").resource(new ConfigMapBuilder().withNewMetadata()
                    .withName("config").endMetadata().addToData("config", "peers: []").build()).create()));
            t.add(show(c.configMaps().inNamespace("metallb-system").withName("config").get()));
            t.add(show(c.nodes().resource(new NodeBuilder().withNewMetadata().withName("node1")
                    .addToLabels("rack", "r1").endMetadata().build()).create()));
            t.add(show(c.nodes().withName("node1").get()));
            t.add(names(c.nodes().withLabel("rack", "r1").list().getItems()));
            t.add(show(c.discovery().v1().endpointSlices().inNamespace("a").resource(new EndpointSliceBuilder()
                    .withNewMetadata().withName("s1-1").addToLabels("kubernetes.io/service-name", "s1").endMetadata()
                    .withAddressType("IPv4").build()).create()));
            t.add(names(c.discovery().v1().endpointSlices().inAnyNamespace()
                    .withLabel("kubernetes.io/service-name", "s1").list().getItems()));
            t.add("list rv " + c.services().inAnyNamespace().list().getMetadata().getResourceVersion());

            List<String> seen = new ArrayList<>();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < end && seen.stream().noneMatch(e -> e.startsWith("DELETED a/s3"))) {
                String e = events.poll(100, TimeUnit.MILLISECONDS);
                if (e != null) {
                    seen.add(e);
                }
            }
            watch.close();
            t.addAll(seen);
        } finally {
            server.destroy();
        }
        return t;
    }

    static String show(HasMetadata o) {
        if (o == null) {
            return "absent";
        }
        String status = o instanceof Service s && s.getStatus() != null ? " status=" + s.getStatus() : "";
        return o.getKind() + " " + o.getMetadata().getNamespace() + "/" + o.getMetadata().getName() + " rv="
                + o.getMetadata().getResourceVersion() + " gen=" + o.getMetadata().getGeneration() + " labels="
                + new java.util.TreeMap<>(o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels())
                + status;
    }

    static String names(List<? extends HasMetadata> items) {
        return items.stream().map(o -> o.getMetadata().getNamespace() + "/" + o.getMetadata().getName()).sorted()
                .toList().toString();
    }

    static String call(java.util.concurrent.Callable<?> c) {
        try {
            Object o = c.call();
            return o instanceof HasMetadata h ? show(h) : String.valueOf(o);
        } catch (KubernetesClientException e) {
            return "error " + e.getCode();
        } catch (Exception e) {
            return "error " + e;
        }
    }
}
