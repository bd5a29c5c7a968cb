package dev.ingot.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.speaker.plan.ServiceState;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the speaker keeps of Services and EndpointSlices, and how the informers' store keeps it. */
class KubeModelTest {

    static Service service(String ns, String name, String rv) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).withUid("uid-" + name)
                .withResourceVersion(rv).addToLabels("app", name)
                .addToAnnotations("meta.helm.sh/release-name", "r").addToAnnotations("ingot.dev/ipvs-scheduler", "rr")
                .addToAnnotations("metallb.universe.tf/address-pool", "p").endMetadata()
                .withNewSpec().withType("LoadBalancer").withLoadBalancerClass("c").withExternalTrafficPolicy("Local")
                .withClusterIP("10.96.0.1").addNewPort().withName("http").withProtocol("TCP").withPort(80)
                .withNodePort(30080).endPort().addNewPort().withPort(443).endPort().endSpec()
                .withNewStatus().withNewLoadBalancer().addNewIngress().withIp("172.19.100.10").withIpMode("VIP")
                .endIngress().endLoadBalancer().endStatus().build();
    }

    static EndpointSlice slice(String ns, String service, String name, String rv) {
        return new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(name).withResourceVersion(rv)
                .addToLabels(KubeModel.SERVICE_NAME_LABEL, service).addToLabels("app", service)
                .addNewOwnerReference().withKind("Service").withName(service).endOwnerReference().endMetadata()
                .withAddressType("IPv4").addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.244.1.5").withNodeName("node-1").withZone("a")
                .withNewConditions().withReady(true).endConditions()
                .withNewTargetRef().withKind("Pod").withName("web-1").endTargetRef().endEndpoint()
                .addNewEndpoint().withAddresses("10.244.2.5").withNodeName("node-2")
                .withNewConditions().withReady(false).withServing(true).withTerminating(true).endConditions()
                .endEndpoint().build();
    }

    @Test
    void keepsWhatThePlannerReadsAndOnlyIngotAndMetallbAnnotations() {
        KubeModel.CachedService c = KubeModel.cached(service("shop", "web", "7"));
        assertThat(c.uid()).isEqualTo("uid-web");
        assertThat(c.state()).isEqualTo(new ServiceState("shop", "web", "LoadBalancer", Optional.of("c"),
                List.of("172.19.100.10"), true, List.of(new ServiceState.Port("http", "TCP", 80),
                new ServiceState.Port("", "TCP", 443)), Map.of("ingot.dev/ipvs-scheduler", "rr",
                "metallb.universe.tf/address-pool", "p"), List.of()));

        KubeModel.CachedSlice s = KubeModel.cached(slice("shop", "web", "web-abcde", "8"));
        assertThat(s.service()).isEqualTo("shop/web");
        Map<String, ServiceState.EndpointPort> ports = Map.of("http", new ServiceState.EndpointPort("TCP", 8080));
        assertThat(s.endpoints()).containsExactly(
                new ServiceState.Endpoint("10.244.1.5", "node-1", true, true, false, ports),
                new ServiceState.Endpoint("10.244.2.5", "node-2", false, true, true, ports));
        assertThat(KubeModel.cached(new EndpointSliceBuilder().withNewMetadata().withNamespace("shop")
                .withName("orphan").endMetadata().build()).service()).isNull();
    }

    @Test
    void joinsEverySliceOfAServiceAndIgnoresSlicesOfOthers() {
        List<ServiceState> states = KubeModel.services(
                List.of(KubeModel.cached(service("shop", "web", "1")), KubeModel.cached(service("shop", "db", "2"))),
                List.of(KubeModel.cached(slice("shop", "web", "web-1", "3")),
                        KubeModel.cached(slice("shop", "web", "web-2", "4")),
                        KubeModel.cached(slice("other", "web", "web-3", "5"))));
        assertThat(states).extracting(ServiceState::key).containsExactly("shop/web", "shop/db");
        assertThat(states.get(0).endpoints()).hasSize(4);
        assertThat(states.get(1).endpoints()).isEmpty();
    }

    @Test
    void storeShowsTheInformerSkeletonsWithTheirResourceVersion() {
        ModelStore<Service, KubeModel.CachedService> store = new ModelStore<>(Service::new, KubeModel::cached);
        Service v1 = service("shop", "web", "1");
        String key = store.getKey(v1);
        assertThat(key).isEqualTo("shop/web");
        assertThat(store.put(key, v1)).isNull();
        Service old = store.put(key, service("shop", "web", "2"));
        assertThat(old.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(old.getMetadata().getName()).isEqualTo("web");
        assertThat(old.getMetadata().getResourceVersion()).isEqualTo("1");
        assertThat(old.getSpec()).isNull();
        assertThat(store.get(key).getMetadata().getResourceVersion()).isEqualTo("2");
        assertThat(store.model(key).state().ingressIps()).containsExactly("172.19.100.10");
        assertThat(store.values()).extracting(s -> s.getMetadata().getName()).containsExactly("web");
        assertThat(store.keySet()).containsExactly("shop/web");
        assertThat(store.models()).hasSize(1);
        assertThat(store.remove(key).getMetadata().getResourceVersion()).isEqualTo("2");
        assertThat(store.size()).isZero();
        assertThat(store.remove(key)).isNull();
        assertThat(store.get(key)).isNull();
    }

    @Test
    void managedFieldsAreSkippedWhenReadFromTheApi() {
        String json = """
                {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop","uid":"u1",
                 "annotations":{"ingot.dev/ipvs-scheduler":"rr"},
                 "managedFields":[{"manager":"helm","operation":"Update","fieldsType":"FieldsV1",
                   "fieldsV1":{"f:spec":{"f:type":{}}}}]},
                 "spec":{"type":"LoadBalancer","ports":[{"port":80}]}}""";
        Service s = SpeakerMain.serialization().unmarshal(json, Service.class);
        assertThat(s.getMetadata().getManagedFields()).isEmpty();
        assertThat(s.getMetadata().getAdditionalProperties()).isEmpty();
        assertThat(s.getMetadata().getName()).isEqualTo("web");
        assertThat(s.getMetadata().getAnnotations()).containsEntry("ingot.dev/ipvs-scheduler", "rr");
        assertThat(s.getSpec().getType()).isEqualTo("LoadBalancer");
    }
}
