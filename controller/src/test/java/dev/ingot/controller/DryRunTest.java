package dev.ingot.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.config.Config;
import dev.ingot.config.ConfigParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The dry run over a kubectl-style List of Services: MetalLB's results, in a stable order. */
class DryRunTest {
    static String resource(String name) throws IOException {
        try (InputStream in = DryRunTest.class.getResourceAsStream("/dryrun/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Config config(String text) {
        return ((ConfigParser.Valid) ConfigParser.parse(text)).config();
    }

    @Test
    void allocatesLikeTheController() throws IOException {
        List<ServiceView> services = DryRun.readServices(resource("services.yaml"));
        assertThat(services).hasSize(10);
        DryRun.Report r = DryRun.run(config(resource("config.yaml")), services, null);
        assertThat(r.rejected()).isFalse();
        assertThat(r.toText()).isEqualTo("""
                shop/api  192.168.10.1
                infra/dns-tcp  192.168.10.0
                  Normal IPAllocated: Assigned IP ["192.168.10.0"]
                infra/dns-udp  192.168.10.0
                  Normal IPAllocated: Assigned IP ["192.168.10.0"]
                infra/ingress  <none>
                  Warning AllocationFailed: Failed to allocate IP for "infra/ingress": no available IPs in pool \
                "reserved" for dual IPFamily
                shop/dual  192.168.10.2,fc00:10::
                  Normal IPAllocated: Assigned IP ["192.168.10.2" "fc00:10::"]
                shop/late  192.168.10.3
                  Normal IPAllocated: Assigned IP ["192.168.10.3"]
                shop/later  <none>
                  Warning AllocationFailed: Failed to allocate IP for "shop/later": no available IPs
                shop/pinned  192.168.20.11
                  Normal IPAllocated: Assigned IP ["192.168.20.11"]
                shop/web  <none>
                  Warning AllocationFailed: Failed to allocate IP for "shop/web": no available IPs
                """);
        // the same input gives the same answer
        assertThat(DryRun.run(config(resource("config.yaml")), services, null)).isEqualTo(r);
    }

    @Test
    void strandingConfigIsRejectedAndNamesTheService() throws IOException {
        List<ServiceView> services = DryRun.readServices(resource("services.yaml"));
        DryRun.Report r = DryRun.run(config("""
                address-pools:
                - name: other
                  protocol: bgp
                  addresses: [10.0.0.0/24]
                """), services, null);
        assertThat(r.rejected()).isTrue();
        assertThat(r.errors()).containsExactly("new config not compatible with assigned IPs",
                "service \"shop/api\" cannot own [\"192.168.10.1\"] under new config");
        assertThat(r.services()).filteredOn(s -> s.name().equals("api")).singleElement()
                .satisfies(s -> assertThat(s.ingress()).containsExactly("192.168.10.1"));
        assertThat(r.toJson()).contains("\"rejected\" : true").contains("\"namespace\" : \"shop\"");
    }

    @Test
    void readsSingleServicesAndRejectsGarbage() {
        assertThat(DryRun.readServices("""
                apiVersion: v1
                kind: Service
                metadata: {name: a, namespace: b}
                spec: {type: LoadBalancer, clusterIPs: [10.0.0.1]}
                """)).singleElement().satisfies(v -> assertThat(v.key()).isEqualTo("b/a"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DryRun.readServices("just: [text"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
