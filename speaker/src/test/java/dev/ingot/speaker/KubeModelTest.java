package dev.ingot.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.speaker.plan.ServiceState;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model is made again for exactly the Services whose object or slices changed since the previous call. */
class KubeModelTest {

    static Service service(String name, String ip) {
        return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("ns").endMetadata().withNewSpec()
                .withType("LoadBalancer").addNewPort().withName("http").withProtocol("TCP").withPort(80).endPort()
                .endSpec().withNewStatus().withNewLoadBalancer().addNewIngress().withIp(ip).endIngress()
                .endLoadBalancer().endStatus().build();
    }

    static EndpointSlice slice(String name, String service, String node, String address) {
        return new EndpointSliceBuilder().withNewMetadata().withName(name).withNamespace("ns")
                .addToLabels(KubeModel.SERVICE_NAME_LABEL, service).endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses(address).withNodeName(node).endEndpoint().build();
    }

    static ServiceState byName(List<ServiceState> states, String name) {
        return states.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void remakesOnlyWhatChanged() {
        KubeModel model = new KubeModel();
        Service a = service("a", "172.20.0.1");
        Service b = service("b", "172.20.0.2");
        List<EndpointSlice> slices = new ArrayList<>(List.of(slice("a-1", "a", "n1", "10.0.0.1"),
                slice("b-1", "b", "n2", "10.0.0.2")));
        List<ServiceState> first = model.services(List.of(a, b), slices);
        assertThat(byName(first, "a").endpoints()).extracting(ServiceState.Endpoint::address).containsExactly("10.0.0.1");
        assertThat(byName(first, "b").ingressIps()).containsExactly("172.20.0.2");

        // nothing changed: the very same states
        List<ServiceState> same = model.services(List.of(a, b), slices);
        assertThat(byName(same, "a")).isSameAs(byName(first, "a"));
        assertThat(byName(same, "b")).isSameAs(byName(first, "b"));

        // a new slice for a, a new object for b (its status changed): both made again, from the new objects
        slices.add(slice("a-2", "a", "n3", "10.0.0.3"));
        Service b2 = service("b", "172.20.0.9");
        List<ServiceState> next = model.services(List.of(a, b2), slices);
        assertThat(byName(next, "a").endpoints()).extracting(ServiceState.Endpoint::address)
                .containsExactly("10.0.0.1", "10.0.0.3");
        assertThat(byName(next, "b").ingressIps()).containsExactly("172.20.0.9");

        // a slice replaced by a new object with other endpoints
        slices.set(0, slice("a-1", "a", "n1", "10.0.0.7"));
        assertThat(byName(model.services(List.of(a, b2), slices), "a").endpoints())
                .extracting(ServiceState.Endpoint::address).containsExactly("10.0.0.7", "10.0.0.3");

        // a deleted Service is forgotten; made again if it comes back with the same name
        assertThat(model.services(List.of(b2), slices)).extracting(ServiceState::name).containsExactly("b");
        assertThat(byName(model.services(List.of(a, b2), slices), "a").endpoints()).hasSize(2);
    }
}
