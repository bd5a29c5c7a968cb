package dev.ingot.controller;

import static dev.ingot.controller.TestConfigs.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.config.Config;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The controller's per-Service decisions, in the spirit of MetalLB's TestControllerMutation: every case is a pure
 * function of its input, so the whole table is also replayed 100 times in shuffled order against one Balancer.
 */
class BalancerTest {
    static final Config CONFIG = pools(
            "pool1 1.2.3.0/31 1000::/127",
            "pool2 3.4.5.6/32 !auto",
            "pool3 4.5.6.0/24 buggy !auto");

    /** One case: the Service as the controller sees it, the status it must get, the Events it must raise. */
    record Case(String name, ServiceView in, List<String> ingress, List<String> reasons) {}

    static final String KEY = "ns/test";
    static final ServiceView V4 = lb(KEY, "10.96.0.1");

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("not a LoadBalancer", withType(V4, "ClusterIP"), List.of(), List.of()));
        c.add(new Case("not a LoadBalancer, had an IP", withType(V4, "NodePort").withIngress(List.of("1.2.3.0")),
                List.of(), List.of()));
        c.add(new Case("simple allocation: first pool, lowest address", V4, List.of("1.2.3.0"),
                List.of("IPAllocated")));
        c.add(new Case("existing valid status is kept", V4.withIngress(List.of("1.2.3.1")), List.of("1.2.3.1"),
                List.of()));
        c.add(new Case("existing status outside every pool is cleared, then reallocated",
                V4.withIngress(List.of("2.3.4.5")), List.of("1.2.3.0"), List.of("ClearAssignment", "IPAllocated")));
        c.add(new Case("spec.loadBalancerIP in an auto pool", withLbIP(V4, "1.2.3.1"), List.of("1.2.3.1"),
                List.of("IPAllocated")));
        c.add(new Case("spec.loadBalancerIP in an auto-assign: false pool", withLbIP(V4, "3.4.5.6"),
                List.of("3.4.5.6"), List.of("IPAllocated")));
        c.add(new Case("spec.loadBalancerIP not in any pool", withLbIP(V4, "2.3.4.5"), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("spec.loadBalancerIP differs from status: moved", withLbIP(V4, "1.2.3.1")
                .withIngress(List.of("1.2.3.0")), List.of("1.2.3.1"), List.of("IPAllocated")));
        c.add(new Case("spec.loadBalancerIP malformed", withLbIP(V4, "1.2.3.256"), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("spec.loadBalancerIP malformed with a status: kept, LoadBalancerFailed",
                withLbIP(V4, "banana").withIngress(List.of("1.2.3.1")), List.of("1.2.3.1"),
                List.of("LoadBalancerFailed")));
        c.add(new Case("address-pool annotation (old prefix) picks a non-auto pool",
                withAnnotations(V4, Map.of("metallb.universe.tf/address-pool", "pool2")), List.of("3.4.5.6"),
                List.of("IPAllocated")));
        c.add(new Case("address-pool annotation (new prefix)",
                withAnnotations(V4, Map.of("metallb.io/address-pool", "pool2")), List.of("3.4.5.6"),
                List.of("IPAllocated")));
        c.add(new Case("metallb.io/ wins over metallb.universe.tf/",
                withAnnotations(V4, Map.of("metallb.io/address-pool", "pool2",
                        "metallb.universe.tf/address-pool", "pool1")), List.of("3.4.5.6"), List.of("IPAllocated")));
        c.add(new Case("unknown pool", withAnnotations(V4, Map.of("metallb.universe.tf/address-pool", "nope")),
                List.of(), List.of("AllocationFailed")));
        c.add(new Case("status in another pool than the annotation asks: moved",
                withAnnotations(V4, Map.of("metallb.universe.tf/address-pool", "pool2"))
                        .withIngress(List.of("1.2.3.1")), List.of("3.4.5.6"), List.of("IPAllocated")));
        c.add(new Case("requested IP not in requested pool",
                withLbIP(withAnnotations(V4, Map.of("metallb.io/address-pool", "pool2")), "1.2.3.1"), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("avoid-buggy-ips: first address is .1",
                withAnnotations(V4, Map.of("metallb.io/address-pool", "pool3")), List.of("4.5.6.1"),
                List.of("IPAllocated")));
        c.add(new Case("avoid-buggy-ips: .0 cannot be requested", withLbIP(V4, "4.5.6.0"), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("avoid-buggy-ips: .255 cannot be requested", withLbIP(V4, "4.5.6.255"), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("IPv6 service", lb(KEY, "fd00::1"), List.of("1000::"), List.of("IPAllocated")));
        c.add(new Case("dual-stack service: one of each family from one pool", lb(KEY, "10.96.0.1", "fd00::1"),
                List.of("1.2.3.0", "1000::"), List.of("IPAllocated")));
        c.add(new Case("dual-stack service in a v4-only pool fails",
                withAnnotations(lb(KEY, "10.96.0.1", "fd00::1"), Map.of("metallb.io/address-pool", "pool2")),
                List.of(), List.of("AllocationFailed")));
        c.add(new Case("loadBalancerIPs annotation, dual-stack",
                withAnnotations(lb(KEY, "10.96.0.1", "fd00::1"),
                        Map.of("metallb.universe.tf/loadBalancerIPs", "1.2.3.1, 1000::1")),
                List.of("1.2.3.1", "1000::1"), List.of("IPAllocated")));
        c.add(new Case("loadBalancerIPs annotation of the wrong family",
                withAnnotations(V4, Map.of("metallb.io/loadBalancerIPs", "1000::1")), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("loadBalancerIPs annotation with two v4",
                withAnnotations(V4, Map.of("metallb.io/loadBalancerIPs", "1.2.3.0,1.2.3.1")), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("loadBalancerIPs annotation malformed",
                withAnnotations(V4, Map.of("metallb.io/loadBalancerIPs", "1.2.3.x")), List.of(),
                List.of("AllocationFailed")));
        c.add(new Case("both loadBalancerIPs and spec.loadBalancerIP",
                withLbIP(withAnnotations(V4, Map.of("metallb.io/loadBalancerIPs", "1.2.3.1")), "1.2.3.1"),
                List.of(), List.of("AllocationFailed")));
        c.add(new Case("status of the wrong family is replaced", V4.withIngress(List.of("1000::1")),
                List.of("1.2.3.0"), List.of("IPAllocated")));
        c.add(new Case("no cluster IPs: cleared", lb(KEY).withIngress(List.of("1.2.3.0")), List.of(), List.of()));
        c.add(new Case("another loadBalancerClass: status untouched",
                withClass(V4, "other.example/lb").withIngress(List.of("9.9.9.9")), null, List.of()));
        return c;
    }

    static void check(Balancer b, Case c) {
        Balancer.Outcome o = b.converge(KEY, c.in());
        assertThat(o.ingress()).as(c.name()).isEqualTo(c.ingress());
        assertThat(o.events().stream().map(Balancer.Event::reason).toList()).as(c.name() + " events")
                .isEqualTo(c.reasons());
        boolean warned = o.events().stream().anyMatch(e -> e.type().equals("Warning"));
        assertThat(warned).as(c.name() + " warns").isEqualTo(c.reasons().contains("AllocationFailed")
                || c.reasons().contains("LoadBalancerFailed"));
    }

    @Test
    void everyCaseInOrder() {
        for (Case c : cases()) {
            Balancer b = new Balancer(null);
            b.setConfig(CONFIG, List.of());
            check(b, c);
        }
    }

    @Test
    void everyCaseIsPureOneHundredTimesShuffled() {
        Balancer b = new Balancer(null);
        assertThat(b.setConfig(CONFIG, List.of())).isInstanceOf(Balancer.Accepted.class);
        Random rnd = new Random(42);
        for (int round = 0; round < 100; round++) {
            List<Case> cs = new ArrayList<>(cases());
            Collections.shuffle(cs, rnd);
            for (Case c : cs) {
                check(b, c);
            }
        }
    }

    @Test
    void messagesAreMetalLbs() {
        Balancer b = new Balancer(null);
        b.setConfig(CONFIG, List.of());
        assertThat(b.converge(KEY, withLbIP(V4, "2.3.4.5")).events().getFirst()).isEqualTo(new Balancer.Event(
                "Warning", "AllocationFailed", "Failed to allocate IP for \"ns/test\": [\"2.3.4.5\"] is not allowed in config"));
        assertThat(b.converge(KEY, lb(KEY, "10.96.0.1", "fd00::1")).events().getFirst().message())
                .isEqualTo("Assigned IP [\"1.2.3.0\" \"1000::\"]");
        assertThat(b.converge(KEY, withAnnotations(V4, Map.of("metallb.universe.tf/address-pool", "x")))
                .events().getFirst().message()).isEqualTo("Failed to allocate IP for \"ns/test\": unknown pool \"x\"");
        assertThat(b.converge(KEY, withLbIP(withAnnotations(V4, Map.of("metallb.universe.tf/loadBalancerIPs",
                "1.2.3.1")), "1.2.3.1")).events().getFirst().message()).isEqualTo("Failed to allocate IP for "
                + "\"ns/test\": service can not have both metallb.universe.tf/loadBalancerIPs and svc.Spec.LoadBalancerIP");
        assertThat(b.converge(KEY, withLbIP(V4, "1.2.3.256")).events().getFirst().message())
                .isEqualTo("Failed to allocate IP for \"ns/test\": invalid spec.loadBalancerIP \"1.2.3.256\"");
        assertThat(b.converge(KEY, withLbIP(V4, "1000::1")).events().getFirst().message())
                .isEqualTo("Failed to allocate IP for \"ns/test\": requested loadBalancer IP(s) [\"1000::1\"] does "
                        + "not match the ipFamily of the service");
    }

    @Test
    void exhaustionAndRecoveryWithoutPolling() {
        Balancer b = new Balancer(null);
        b.setConfig(pools("p 10.0.0.0/31"), List.of());
        assertThat(b.converge("a/1", lb("a/1", "10.96.0.1")).ingress()).containsExactly("10.0.0.0");
        assertThat(b.converge("a/2", lb("a/2", "10.96.0.2")).ingress()).containsExactly("10.0.0.1");
        Balancer.Outcome third = b.converge("a/3", lb("a/3", "10.96.0.3"));
        assertThat(third.ingress()).isEmpty();
        assertThat(third.waiting()).isTrue();
        assertThat(third.events().getFirst().message()).isEqualTo(
                "Failed to allocate IP for \"a/3\": no available IPs");
        Balancer.Outcome gone = b.converge("a/1", null);
        assertThat(gone.released()).isTrue();
        assertThat(b.converge("a/3", lb("a/3", "10.96.0.3")).ingress()).containsExactly("10.0.0.0");
    }

    @Test
    void requestedPoolExhaustedMessage() {
        Balancer b = new Balancer(null);
        b.setConfig(pools("p 10.0.0.0/32 !auto"), List.of());
        ServiceView a = withAnnotations(lb("a/1", "10.96.0.1"), Map.of("metallb.io/address-pool", "p"));
        ServiceView c = withAnnotations(lb("a/2", "10.96.0.2"), Map.of("metallb.io/address-pool", "p"));
        assertThat(b.converge("a/1", a).ingress()).containsExactly("10.0.0.0");
        assertThat(b.converge("a/2", c).events().getFirst().message()).isEqualTo(
                "Failed to allocate IP for \"a/2\": no available IPs in pool \"p\" for ipv4 IPFamily");
        assertThat(b.converge("a/3", lb("a/3", "10.96.0.3")).events().getFirst().message())
                .endsWith("no available IPs");
    }

    @Test
    void loadBalancerClassFlag() {
        Balancer b = new Balancer("ingot.dev/lb");
        b.setConfig(CONFIG, List.of());
        assertThat(b.converge(KEY, V4).ingress()).isNull();
        assertThat(b.converge(KEY, withClass(V4, "ingot.dev/lb")).ingress()).containsExactly("1.2.3.0");
        assertThat(b.converge("x/y", withClass(lb("x/y", "10.96.0.9"), "other")).ingress()).isNull();
    }

    @Test
    void noConfigNoDecision() {
        Balancer b = new Balancer(null);
        assertThat(b.converge(KEY, V4).ingress()).isNull();
    }

    @Test
    void configThatStrandsIsRejectedAndNamesEveryService() {
        Balancer b = new Balancer(null);
        b.setConfig(pools("a 10.0.0.0/24", "b 10.1.0.0/24"), List.of());
        b.converge("ns/x", withLbIP(lb("ns/x", "10.96.0.1"), "10.0.0.7"));
        b.converge("ns/y", withLbIP(lb("ns/y", "10.96.0.2"), "10.1.0.200"));
        b.converge("ns/z", withAnnotations(lb("ns/z", "10.96.0.3"), Map.of("metallb.io/address-pool", "b")));
        Balancer.ConfigResult r = b.setConfig(pools("a 10.0.0.0/24", "c 10.1.0.0/25"), List.of());
        assertThat(r).isEqualTo(new Balancer.Rejected(List.of("new config not compatible with assigned IPs",
                "service \"ns/y\" cannot own [\"10.1.0.200\"] under new config",
                "service \"ns/z\" asks for pool \"b\" but [\"10.1.0.0\"] would be in pool \"c\" under new config")));
        // the old config is still in force
        assertThat(b.converge("ns/w", withAnnotations(lb("ns/w", "10.96.0.4"), Map.of("metallb.io/address-pool",
                "b"))).ingress()).containsExactly("10.1.0.1");
        // renaming and growing is fine; holdings survive
        assertThat(b.setConfig(pools("b2 10.0.0.0/23", "b 10.1.0.0/16"), List.of()))
                .isInstanceOf(Balancer.Accepted.class);
        assertThat(b.allocator().ips("ns/y")).hasSize(1);
        assertThat(b.allocator().pool("ns/x")).contains("b2");
        assertThat(b.allocator().addressesInUse("b")).isEqualTo(3);
    }

    @Test
    void firstConfigIsCheckedAgainstStatusesAfterRestart() {
        Balancer b = new Balancer(null);
        List<ServiceView> existing = List.of(lb("ns/a", "10.96.0.1").withIngress(List.of("10.0.0.9")),
                lb("ns/b", "10.96.0.2").withIngress(List.of("192.168.9.9")));
        assertThat(b.setConfig(pools("p 10.0.0.0/24"), existing)).isEqualTo(new Balancer.Rejected(List.of(
                "new config not compatible with assigned IPs",
                "service \"ns/b\" cannot own [\"192.168.9.9\"] under new config")));
        assertThat(b.hasConfig()).isFalse();
        assertThat(b.setConfig(pools("p 10.0.0.0/24", "q 192.168.9.0/24"), existing))
                .isInstanceOf(Balancer.Accepted.class);
        // restart: every still-valid IP is kept, lowest-free allocation skips them
        for (ServiceView v : Balancer.sorted(existing)) {
            assertThat(b.converge(v.key(), v).ingress()).isEqualTo(v.ingressIps());
        }
        assertThat(b.converge("ns/c", lb("ns/c", "10.96.0.3")).ingress()).containsExactly("10.0.0.0");
    }
}
