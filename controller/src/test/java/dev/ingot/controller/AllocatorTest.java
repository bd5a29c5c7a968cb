package dev.ingot.controller;

import static dev.ingot.controller.TestConfigs.pools;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.config.Config;
import dev.ingot.config.IpAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The allocator's rules, as sequential scenarios in the spirit of MetalLB's allocator_test.go. */
class AllocatorTest {

    static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }

    static Allocator.Request req(String svc, String sharingKey, String backendKey, Port... ports) {
        return new Allocator.Request(svc, Family.IPV4, List.of(), null, List.of(ports), sharingKey, backendKey);
    }

    static String assign(Allocator a, Allocator.Request r, String... ips) {
        Allocator.Result res = a.assign(r, java.util.Arrays.stream(ips).map(AllocatorTest::ip).toList());
        return res instanceof Allocator.Failed f ? f.kind() + ": " + f.message() : "ok " + ((Allocator.Assigned) res).pool();
    }

    static String alloc(Allocator a, Allocator.Request r) {
        Allocator.Result res = a.allocate(r);
        return res instanceof Allocator.Failed f ? f.kind() + ": " + f.message()
                : String.join(",", ((Allocator.Assigned) res).ips().stream().map(IpAddresses::format).toList());
    }

    static final Port TCP80 = new Port("TCP", 80);
    static final Port TCP443 = new Port("TCP", 443);
    static final Port UDP80 = new Port("UDP", 80);

    @Test
    void sharingRules() {
        Allocator a = new Allocator(pools("p 1.2.3.0/30"));
        assertThat(assign(a, req("s1", "", "", TCP80), "1.2.3.1")).isEqualTo("ok p");
        assertThat(assign(a, req("s1", "", "", TCP80), "1.2.3.1")).as("idempotent").isEqualTo("ok p");
        assertThat(assign(a, req("s2", "", "", TCP443), "1.2.3.1")).isEqualTo(
                "SHARING: can't change sharing key for \"s2\", address also in use by s1");
        assertThat(assign(a, req("s2", "key", "", TCP443), "1.2.3.1")).startsWith("SHARING");
        // s1 is the only user: it may change its own key in place
        assertThat(assign(a, req("s1", "key", "", TCP80), "1.2.3.1")).isEqualTo("ok p");
        assertThat(assign(a, req("s2", "key", "", TCP443), "1.2.3.1")).isEqualTo("ok p");
        assertThat(assign(a, req("s3", "key", "", UDP80), "1.2.3.1")).as("UDP/80 is not TCP/80").isEqualTo("ok p");
        assertThat(assign(a, req("s4", "key", "", TCP80), "1.2.3.1")).isEqualTo(
                "PORT_IN_USE: port TCP/80 is already in use on \"1.2.3.1\"");
        assertThat(assign(a, req("s4", "other", "", TCP8080()), "1.2.3.1")).isEqualTo(
                "SHARING: can't change sharing key for \"s4\", address also in use by s1,s2,s3");
        assertThat(assign(a, req("s4", "key", "app=x", TCP8080()), "1.2.3.1")).as("backend keys differ")
                .startsWith("SHARING");
        assertThat(assign(a, req("s1", "other", "", TCP80), "1.2.3.1")).as("cannot change key while shared")
                .startsWith("SHARING");
        assertThat(a.addressesInUse("p")).isEqualTo(1);
        a.unassign("s1");
        a.unassign("s2");
        assertThat(a.addressesInUse("p")).isEqualTo(1);
        a.unassign("s3");
        assertThat(a.addressesInUse("p")).isZero();
        assertThat(assign(a, req("s4", "", "", TCP80), "1.2.3.1")).isEqualTo("ok p");
    }

    static Port TCP8080() {
        return new Port("TCP", 8080);
    }

    @Test
    void localPolicyBackendKeys() {
        Allocator a = new Allocator(pools("p 1.2.3.0/30"));
        assertThat(assign(a, req("s1", "k", "app=a", TCP80), "1.2.3.1")).isEqualTo("ok p");
        assertThat(assign(a, req("s2", "k", "app=a", TCP443), "1.2.3.1")).isEqualTo("ok p");
        assertThat(assign(a, req("s3", "k", "", UDP80), "1.2.3.1")).startsWith("SHARING");
    }

    @Test
    void autoAllocationJoinsACompatibleSharedAddressFirst() {
        Allocator a = new Allocator(pools("p 1.2.3.0/29"));
        assertThat(assign(a, req("s1", "", "", TCP80), "1.2.3.0")).isEqualTo("ok p");
        assertThat(assign(a, req("s2", "k", "", TCP80), "1.2.3.1")).isEqualTo("ok p");
        assertThat(alloc(a, req("s3", "k", "", TCP443))).as("shared .1 before free .2").isEqualTo("1.2.3.1");
        assertThat(alloc(a, req("s4", "k", "", TCP80))).as("port clash on .1: lowest free").isEqualTo("1.2.3.2");
        assertThat(alloc(a, req("s5", "", "", TCP80))).isEqualTo("1.2.3.3");
        assertThat(alloc(a, req("s6", "k", "", UDP80))).as("first compatible in scan order").isEqualTo("1.2.3.1");
        assertThat(alloc(a, req("s7", "k", "", TCP80, UDP80))).as("clashes on .1 and .2").isEqualTo("1.2.3.4");
    }

    @Test
    void poolsInConfigOrderAndAutoAssign() {
        Allocator a = new Allocator(pools("z 10.0.0.0/32 !auto", "b 10.0.1.0/32", "a 10.0.2.0/32"));
        assertThat(alloc(a, req("s1", "", ""))).isEqualTo("10.0.1.0");
        assertThat(alloc(a, req("s2", "", ""))).isEqualTo("10.0.2.0");
        assertThat(alloc(a, req("s3", "", ""))).isEqualTo("NO_AVAILABLE_IPS: no available IPs");
        assertThat(alloc(a, new Allocator.Request("s3", Family.IPV4, List.of(), "z", List.of(), "", "")))
                .isEqualTo("10.0.0.0");
    }

    @Test
    void cidrsInOrderThenAscending() {
        Allocator a = new Allocator(pools("p 10.0.5.0/31 10.0.1.0/31"));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            got.add(alloc(a, req("s" + i, "", "")));
        }
        assertThat(got).containsExactly("10.0.5.0", "10.0.5.1", "10.0.1.0", "10.0.1.1");
    }

    @Test
    void avoidBuggyIpsAcrossTwentyFours() {
        Allocator a = new Allocator(pools("p 10.0.0.0/23 buggy"));
        assertThat(a.addressesTotal("p")).isEqualTo(508);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 508; i++) {
            got.add(alloc(a, req("s" + i, "", "")));
        }
        assertThat(got.get(0)).isEqualTo("10.0.0.1");
        assertThat(got.get(253)).isEqualTo("10.0.0.254");
        assertThat(got.get(254)).isEqualTo("10.0.1.1");
        assertThat(got.get(507)).isEqualTo("10.0.1.254");
        assertThat(got).noneMatch(s -> s.endsWith(".0") || s.endsWith(".255"));
        assertThat(alloc(a, req("x", "", ""))).startsWith("NO_AVAILABLE_IPS");
        assertThat(new Allocator(pools("p 10.0.0.0/32 buggy")).addressesTotal("p")).as("MetalLB says -1").isZero();
        assertThat(new Allocator(pools("p 10.0.0.0/24")).addressesTotal("p")).isEqualTo(256);
    }

    @Test
    void hugePoolsServeHighAddresses() {
        Allocator a = new Allocator(pools("p 10.0.0.0/8", "v6 2001:db8::/48"));
        assertThat(a.addressesTotal("p")).isEqualTo(1 << 24);
        assertThat(a.addressesTotal("v6")).isEqualTo(Long.MAX_VALUE);
        assertThat(assign(a, req("hi", "", ""), "10.255.255.255")).isEqualTo("ok p");
        assertThat(assign(a, req("far", "", ""), "2001:db8:0:ffff:ffff:ffff:ffff:ffff")).isEqualTo("ok v6");
        assertThat(alloc(a, new Allocator.Request("v6a", Family.IPV6, List.of(), null, List.of(), "", "")))
                .isEqualTo("2001:db8::");
        a.unassign("far");
        assertThat(a.addressesInUse("v6")).isEqualTo(1);
    }

    @Test
    void dualStackOrderFollowsCidrOrder() {
        Allocator a = new Allocator(pools("p fd00::/127 10.0.0.0/31"));
        assertThat(alloc(a, new Allocator.Request("d", Family.DUAL, List.of(), null, List.of(), "", "")))
                .isEqualTo("fd00::,10.0.0.0");
        assertThat(alloc(a, new Allocator.Request("d2", Family.IPV4, List.of(), null, List.of(), "", "")))
                .isEqualTo("10.0.0.1");
        assertThat(alloc(a, new Allocator.Request("d3", Family.DUAL, List.of(), null, List.of(), "", "")))
                .isEqualTo("NO_AVAILABLE_IPS: no available IPs");
        assertThat(a.ips("d3")).isEmpty();
        assertThat(a.addressesInUse("p")).isEqualTo(3);
    }

    @Test
    void twoAddressesMustBeOnePoolAndTwoFamilies() {
        Allocator a = new Allocator(pools("p 10.0.0.0/31 fd00::/127", "q 10.1.0.0/31"));
        assertThat(assign(a, req("s", "", ""), "10.0.0.0", "10.1.0.0")).isEqualTo(
                "NOT_IN_CONFIG: [\"10.0.0.0\" \"10.1.0.0\"] is not allowed in config");
        assertThat(assign(a, req("s", "", ""), "10.0.0.0", "10.0.0.1")).isEqualTo(
                "BAD_REQUEST: [\"10.0.0.0\"] [\"10.0.0.1\"] has the same family");
        assertThat(assign(a, req("s", "", ""), "10.0.0.0", "fd00::1")).isEqualTo("ok p");
    }

    /**
     * The interval structure against a naive model that scans every address: random assigns, releases and
     * allocations over small pools (with avoid-buggy-ips) must give the same addresses.
     */
    @Test
    void matchesANaiveScanningModel() {
        Random rnd = new Random(7);
        for (int trial = 0; trial < 30; trial++) {
            boolean buggy = rnd.nextBoolean();
            Config c = pools("p 10.0.0.0/23 10.9.0.0/30" + (buggy ? " buggy" : ""));
            Allocator a = new Allocator(c);
            List<String> all = new ArrayList<>();
            for (int i = 0; i < 512; i++) {
                all.add("10.0." + (i >> 8) + "." + (i & 255));
            }
            for (int i = 0; i < 4; i++) {
                all.add("10.9.0." + i);
            }
            all.removeIf(s -> buggy && (s.endsWith(".0") || s.endsWith(".255")));
            Map<String, String> model = new HashMap<>(); // svc -> ip
            for (int step = 0; step < 1500; step++) {
                int op = rnd.nextInt(10);
                String svc = "s" + rnd.nextInt(600);
                if (op < 3 && model.containsKey(svc)) {
                    a.unassign(svc);
                    model.remove(svc);
                } else if (op < 5) {
                    String want = all.get(rnd.nextInt(all.size()));
                    boolean free = !model.containsValue(want) || want.equals(model.get(svc));
                    String got = assign(a, req(svc, "", ""), want);
                    assertThat(got.startsWith("ok")).as("assign %s to %s", want, svc).isEqualTo(free);
                    if (free) {
                        model.put(svc, want);
                    }
                } else if (!model.containsKey(svc)) {
                    String expected = all.stream().filter(s -> !model.containsValue(s)).findFirst().orElse(null);
                    String got = alloc(a, req(svc, "", ""));
                    if (expected == null) {
                        assertThat(got).startsWith("NO_AVAILABLE_IPS");
                    } else {
                        assertThat(got).isEqualTo(expected);
                        model.put(svc, expected);
                    }
                }
                assertThat(a.addressesInUse("p")).isEqualTo(model.size());
            }
        }
    }
}
