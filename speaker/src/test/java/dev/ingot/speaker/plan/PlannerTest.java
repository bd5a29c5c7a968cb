package dev.ingot.speaker.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.config.Config;
import dev.ingot.config.ConfigParser;
import dev.ingot.config.IpAddresses;
import dev.ingot.speaker.plan.Plan.Decision;
import dev.ingot.speaker.plan.Plan.RealServer;
import dev.ingot.speaker.plan.Plan.Reason;
import dev.ingot.speaker.plan.ServiceState.Endpoint;
import dev.ingot.speaker.plan.ServiceState.EndpointPort;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Decision tables for the speaker, in the spirit of MetalLB's speaker tests (docs/speaker.md). */
class PlannerTest {
    static final Config CONFIG = ((ConfigParser.Valid) ConfigParser.parseDocument("""
            bgp-communities: {tag: "65000:1"}
            peers:
            - {my-asn: 65211, peer-asn: 65210, peer-address: 10.0.0.1, node-selectors: [{match-labels: {rack: a}}]}
            - {my-asn: 65211, peer-asn: 65210, peer-address: 10.0.0.2}
            - {my-asn: 65211, peer-asn: 65210, peer-address: 10.0.0.3, node-selectors: [{match-labels: {rack: b}}]}
            address-pools:
            - {name: main, protocol: bgp, addresses: [172.19.100.0/24]}
            - name: agg
              protocol: bgp
              addresses: [172.19.101.0/24]
              bgp-advertisements:
              - {aggregation-length: 32, communities: [tag]}
              - {aggregation-length: 24, localpref: 100}
            - name: clash
              protocol: bgp
              addresses: [172.19.104.0/24]
              bgp-advertisements:
              - {localpref: 100}
              - {communities: ["1:1"]}
            - {name: l2, protocol: layer2, addresses: [192.168.0.0/24]}
            - {name: ds, protocol: bgp, addresses: [172.19.102.0/24, "fd00:102::/120"]}
            - {name: buggy, protocol: bgp, avoid-buggy-ips: true, addresses: [172.19.103.0/24]}
            """)).config();

    static final String NODE = "node-1";

    // ---- builders ------------------------------------------------------------------------------------------------

    static Endpoint ep(String address, String node) {
        return new Endpoint(address, node, true, true, false, Map.of("http", new EndpointPort("TCP", 8080)));
    }

    static Endpoint notReady(String address, String node) {
        return new Endpoint(address, node, false, false, false, Map.of("http", new EndpointPort("TCP", 8080)));
    }

    static Endpoint terminating(String address, String node, boolean serving) {
        return new Endpoint(address, node, false, serving, true, Map.of("http", new EndpointPort("TCP", 8080)));
    }

    static ServiceState svc(String name, List<String> ips, boolean local, Endpoint... eps) {
        return new ServiceState("ns", name, "LoadBalancer", Optional.empty(), ips, local,
                List.of(new ServiceState.Port("http", "TCP", 80)), Map.of(), List.of(eps));
    }

    static Plan plan(Map<String, String> labels, Set<String> dead, ServiceState... services) {
        return Planner.plan(new Planner.Input(CONFIG, NODE, labels, List.of(services), dead, Optional.empty(), null));
    }

    static Plan plan(ServiceState... services) {
        return plan(Map.of("rack", "a"), Set.of(), services);
    }

    static Decision decision(ServiceState s) {
        return plan(s).services().get(s.key());
    }

    // ---- who announces --------------------------------------------------------------------------------------------

    @Test
    void clusterPolicyAnnouncesWithAReadyEndpointAnywhere() {
        Plan p = plan(svc("web", List.of("172.19.100.1"), false, ep("10.244.2.5", "node-2")));
        assertThat(p.services().get("ns/web")).isEqualTo(new Decision(true, "",
                List.of(IpAddresses.parse("172.19.100.1")), "main"));
        assertThat(p.routes()).singleElement().satisfies(r -> {
            assertThat(r.prefix().toString()).isEqualTo("172.19.100.1/32");
            assertThat(r.localPref()).isZero();
            assertThat(r.communities()).isEmpty();
            assertThat(r.services()).containsExactly("ns/web");
        });
        assertThat(p.vips()).containsExactly(IpAddresses.parse("172.19.100.1"));
    }

    @Test
    void clusterPolicyWithoutEndpoints() {
        assertThat(decision(svc("web", List.of("172.19.100.1"), false)).reason()).isEqualTo(Reason.NO_ENDPOINTS);
    }

    @Test
    void clusterPolicyWithOnlyUnreadyEndpoints() {
        assertThat(decision(svc("web", List.of("172.19.100.1"), false, notReady("10.244.1.5", NODE))).reason())
                .isEqualTo(Reason.NO_ENDPOINTS);
    }

    @Test
    void localPolicyNeedsALocalEndpoint() {
        assertThat(decision(svc("web", List.of("172.19.100.1"), true, ep("10.244.2.5", "node-2"))).reason())
                .isEqualTo(Reason.NO_LOCAL_ENDPOINTS);
        assertThat(decision(svc("web", List.of("172.19.100.1"), true, notReady("10.244.1.5", NODE),
                ep("10.244.2.5", "node-2"))).reason()).isEqualTo(Reason.NO_LOCAL_ENDPOINTS);
        assertThat(decision(svc("web", List.of("172.19.100.1"), true, ep("10.244.1.5", NODE))).announce()).isTrue();
    }

    @Test
    void terminatingButServingEndpointsKeepTheAnnouncement() {
        assertThat(decision(svc("web", List.of("172.19.100.1"), false, terminating("10.244.1.5", NODE, true)))
                .announce()).isTrue();
        assertThat(decision(svc("web", List.of("172.19.100.1"), false, terminating("10.244.1.5", NODE, false)))
                .reason()).isEqualTo(Reason.NO_ENDPOINTS);
        assertThat(decision(svc("web", List.of("172.19.100.1"), true, terminating("10.244.1.5", NODE, true)))
                .announce()).isTrue();
    }

    @Test
    void excludedNodeAnnouncesNothing() {
        Plan p = plan(Map.of(Planner.EXCLUDE_LABEL, ""), Set.of(),
                svc("web", List.of("172.19.100.1"), false, ep("10.244.1.5", NODE)));
        assertThat(p.services().get("ns/web").reason()).isEqualTo(Reason.EXCLUDED_NODE);
        assertThat(p.routes()).isEmpty();
        assertThat(p.vips()).isEmpty();
        assertThat(p.virtualServices()).isEmpty();
    }

    @Test
    void serviceSideReasons() {
        ServiceState clusterIp = new ServiceState("ns", "a", "ClusterIP", Optional.empty(), List.of(), false,
                List.of(), Map.of(), List.of());
        assertThat(decision(clusterIp).reason()).isEqualTo(Reason.NOT_LOAD_BALANCER);
        assertThat(decision(svc("b", List.of(), false, ep("10.244.1.5", NODE))).reason())
                .isEqualTo(Reason.NO_IP_ALLOCATED);
        assertThat(decision(svc("c", List.of("172.19.100.300"), false, ep("10.244.1.5", NODE))).reason())
                .isEqualTo(Reason.INVALID_IP);
        assertThat(decision(svc("d", List.of("10.99.0.1"), false, ep("10.244.1.5", NODE))).reason())
                .isEqualTo(Reason.IP_NOT_ALLOWED);
        assertThat(decision(svc("e", List.of("192.168.0.10"), false, ep("10.244.1.5", NODE))).reason())
                .isEqualTo(Reason.LAYER2_POOL);
        assertThat(decision(svc("f", List.of("172.19.103.0"), false, ep("10.244.1.5", NODE))).reason())
                .as("a .0 address is not part of an avoid-buggy-ips pool").isEqualTo(Reason.IP_NOT_ALLOWED);
        ServiceState otherClass = new ServiceState("ns", "g", "LoadBalancer", Optional.of("other.example/lb"),
                List.of("172.19.100.7"), false, List.of(), Map.of(), List.of(ep("10.244.1.5", NODE)));
        assertThat(decision(otherClass).reason()).isEqualTo(Reason.OTHER_CLASS);
        Plan ours = Planner.plan(new Planner.Input(CONFIG, NODE, Map.of(), List.of(otherClass), Set.of(),
                Optional.of("other.example/lb"), null));
        assertThat(ours.services().get("ns/g").announce()).isTrue();
    }

    @Test
    void dualStackIpsMustShareAPool() {
        assertThat(decision(svc("ds", List.of("172.19.102.1", "fd00:102::1"), false, ep("10.244.1.5", NODE)))
                .announce()).isTrue();
        assertThat(decision(svc("mixed", List.of("172.19.100.1", "fd00:102::1"), false, ep("10.244.1.5", NODE)))
                .reason()).isEqualTo(Reason.IP_NOT_ALLOWED);
    }

    // ---- routes ---------------------------------------------------------------------------------------------------

    @Test
    void advertisementsApplyAggregationLocalPrefAndCommunities() {
        Plan p = plan(svc("a", List.of("172.19.101.1"), false, ep("10.244.1.5", NODE)),
                svc("b", List.of("172.19.101.2"), false, ep("10.244.1.6", NODE)));
        assertThat(p.routes()).extracting(r -> r.prefix().toString())
                .containsExactly("172.19.101.0/24", "172.19.101.1/32", "172.19.101.2/32");
        Plan.Route aggregate = p.routes().getFirst();
        assertThat(aggregate.localPref()).isEqualTo(100);
        assertThat(aggregate.services()).containsExactly("ns/a", "ns/b");
        assertThat(p.routes().get(1).communities()).extracting(Object::toString).containsExactly("65000:1");
        assertThat(p.problems()).isEmpty();
    }

    @Test
    void samePrefixWithOtherAttributesIsReportedAndTheFirstKept() {
        Plan p = plan(svc("a", List.of("172.19.104.1"), false, ep("10.244.1.5", NODE)));
        assertThat(p.routes()).singleElement().satisfies(r -> assertThat(r.localPref()).isEqualTo(100));
        assertThat(p.problems()).singleElement().satisfies(pr -> {
            assertThat(pr.field()).isEqualTo("172.19.104.1/32");
            assertThat(pr.message()).contains("other attributes");
        });
    }

    @Test
    void peersAreChosenByNodeSelectors() {
        assertThat(plan(Map.of("rack", "a"), Set.of()).peers()).extracting(p -> p.peerAddress().getHostAddress())
                .containsExactly("10.0.0.1", "10.0.0.2");
        assertThat(plan(Map.of("rack", "b"), Set.of()).peers()).extracting(p -> p.peerAddress().getHostAddress())
                .containsExactly("10.0.0.2", "10.0.0.3");
        assertThat(plan(Map.of(), Set.of()).peers()).extracting(p -> p.peerAddress().getHostAddress())
                .containsExactly("10.0.0.2");
    }

    // ---- IPVS -----------------------------------------------------------------------------------------------------

    @Test
    void clusterPolicyBalancesToEveryReadyEndpoint() {
        Plan p = plan(svc("web", List.of("172.19.100.1"), false, ep("10.244.2.5", "node-2"),
                ep("10.244.1.5", NODE), notReady("10.244.3.5", "node-3")));
        assertThat(p.virtualServices()).singleElement().satisfies(vs -> {
            assertThat(vs.vip()).isEqualTo(IpAddresses.parse("172.19.100.1"));
            assertThat(vs.protocol()).isEqualTo("TCP");
            assertThat(vs.port()).isEqualTo(80);
            assertThat(vs.scheduler()).isEqualTo("mh");
            assertThat(vs.realServers()).containsExactly(
                    new RealServer(IpAddresses.parse("10.244.1.5"), 8080, 1, NODE),
                    new RealServer(IpAddresses.parse("10.244.2.5"), 8080, 1, "node-2"));
        });
    }

    @Test
    void localPolicyBalancesToLocalEndpointsOnly() {
        Plan p = plan(svc("web", List.of("172.19.100.1"), true, ep("10.244.2.5", "node-2"), ep("10.244.1.5", NODE)));
        assertThat(p.virtualServices().getFirst().realServers()).extracting(RealServer::node).containsExactly(NODE);
    }

    @Test
    void terminatingEndpointsAreDrainedWhileReadyOnesExist() {
        Plan p = plan(svc("web", List.of("172.19.100.1"), false, ep("10.244.1.5", NODE),
                terminating("10.244.1.6", NODE, true)));
        assertThat(p.virtualServices().getFirst().realServers()).extracting(RealServer::weight).containsExactly(1, 0);
        Plan onlyTerminating = plan(svc("web", List.of("172.19.100.1"), false, terminating("10.244.1.6", NODE, true)));
        assertThat(onlyTerminating.virtualServices().getFirst().realServers()).extracting(RealServer::weight)
                .containsExactly(1);
    }

    @Test
    void deadNodesLoseTheirRealServers() {
        Plan p = plan(Map.of(), Set.of("node-2"), svc("web", List.of("172.19.100.1"), false,
                ep("10.244.2.5", "node-2"), ep("10.244.1.5", NODE)));
        assertThat(p.virtualServices().getFirst().realServers()).extracting(RealServer::node).containsExactly(NODE);
        Plan allDead = plan(Map.of(), Set.of("node-2"), svc("web", List.of("172.19.100.1"), false,
                ep("10.244.2.5", "node-2")));
        assertThat(allDead.services().get("ns/web").reason()).isEqualTo(Reason.NO_ENDPOINTS);
    }

    @Test
    void dualStackRealServersFollowTheVipFamily() {
        Plan p = plan(svc("ds", List.of("172.19.102.1", "fd00:102::1"), false, ep("10.244.1.5", NODE),
                ep("fd00:244::5", NODE)));
        assertThat(p.virtualServices()).hasSize(2);
        assertThat(p.virtualServices().get(0).realServers()).extracting(r -> r.address().getHostAddress())
                .containsExactly("10.244.1.5");
        assertThat(p.virtualServices().get(1).realServers()).extracting(r -> IpAddresses.format(r.address()))
                .containsExactly("fd00:244::5");
    }

    @Test
    void sharedIpGivesOneVirtualServicePerPortAndOneRoute() {
        ServiceState http = svc("http", List.of("172.19.100.9"), false, ep("10.244.1.5", NODE));
        ServiceState dns = new ServiceState("ns", "dns", "LoadBalancer", Optional.empty(), List.of("172.19.100.9"),
                false, List.of(new ServiceState.Port("dns", "UDP", 53)), Map.of(),
                List.of(new Endpoint("10.244.1.7", NODE, true, true, false, Map.of("dns", new EndpointPort("UDP", 5353)))));
        Plan p = plan(http, dns);
        assertThat(p.routes()).singleElement().satisfies(r -> assertThat(r.services())
                .containsExactly("ns/dns", "ns/http"));
        assertThat(p.virtualServices()).extracting(vs -> vs.protocol() + "/" + vs.port()).containsExactly("TCP/80",
                "UDP/53");
        assertThat(p.vips()).hasSize(1);
    }

    @Test
    void portClashIsReportedAndTheFirstServiceKeepsThePort() {
        Plan p = plan(svc("a", List.of("172.19.100.9"), false, ep("10.244.1.5", NODE)),
                svc("b", List.of("172.19.100.9"), false, ep("10.244.1.6", NODE)));
        assertThat(p.virtualServices()).singleElement().satisfies(vs -> assertThat(vs.service()).isEqualTo("ns/a"));
        assertThat(p.problems()).singleElement().satisfies(pr -> assertThat(pr.message())
                .contains("already used by ns/a"));
    }

    @Test
    void endpointsWithoutTheServicePortAreSkipped() {
        Endpoint other = new Endpoint("10.244.1.9", NODE, true, true, false, Map.of("metrics",
                new EndpointPort("TCP", 9090)));
        Plan p = plan(svc("web", List.of("172.19.100.1"), false, ep("10.244.1.5", NODE), other));
        assertThat(p.virtualServices().getFirst().realServers()).extracting(r -> r.address().getHostAddress())
                .containsExactly("10.244.1.5");
    }

    @Test
    void schedulerAnnotation() {
        ServiceState rr = withScheduler("rr");
        assertThat(plan(rr).virtualServices().getFirst().scheduler()).isEqualTo("rr");
        Plan previous = plan(rr);
        Plan bad = Planner.plan(new Planner.Input(CONFIG, NODE, Map.of(), List.of(withScheduler("fastest")), Set.of(),
                Optional.empty(), previous));
        assertThat(bad.virtualServices().getFirst().scheduler()).as("the scheduler in force is kept").isEqualTo("rr");
        assertThat(bad.problems()).singleElement().satisfies(pr -> {
            assertThat(pr.field()).isEqualTo(Planner.SCHEDULER_ANNOTATION);
            assertThat(pr.message()).contains("\"fastest\"").contains("keeping rr");
        });
        assertThat(plan(withScheduler("fastest")).virtualServices().getFirst().scheduler()).isEqualTo("mh");
    }

    private static ServiceState withScheduler(String s) {
        return new ServiceState("ns", "web", "LoadBalancer", Optional.empty(), List.of("172.19.100.1"), false,
                List.of(new ServiceState.Port("http", "TCP", 80)), Map.of(Planner.SCHEDULER_ANNOTATION, s),
                List.of(ep("10.244.1.5", NODE)));
    }

    // ---- purity ---------------------------------------------------------------------------------------------------

    /** Every case above at once, in 100 shuffled orders (services and endpoints): always the same plan. */
    @Test
    void theOrderOfInputsDoesNotMatter() {
        List<ServiceState> all = new ArrayList<>(List.of(
                svc("a", List.of("172.19.100.1"), false, ep("10.244.2.5", "node-2"), ep("10.244.1.5", NODE)),
                svc("b", List.of("172.19.100.2"), true, ep("10.244.2.6", "node-2")),
                svc("c", List.of("172.19.101.1"), false, ep("10.244.1.7", NODE), terminating("10.244.1.8", NODE, true)),
                svc("d", List.of("172.19.101.2"), false, ep("10.244.1.9", NODE)),
                svc("e", List.of("172.19.100.9"), false, ep("10.244.1.10", NODE)),
                svc("f", List.of("172.19.100.9"), false, ep("10.244.1.11", NODE)),
                svc("g", List.of("172.19.104.1"), false, ep("10.244.1.12", NODE)),
                svc("h", List.of("172.19.102.1", "fd00:102::1"), false, ep("10.244.1.13", NODE), ep("fd00:244::13", NODE)),
                svc("i", List.of("192.168.0.10"), false, ep("10.244.1.14", NODE)),
                svc("j", List.of(), false)));
        Plan reference = plan(Map.of("rack", "a"), Set.of("node-3"), all.toArray(ServiceState[]::new));
        Random random = new Random(42);
        for (int i = 0; i < 100; i++) {
            List<ServiceState> shuffled = new ArrayList<>();
            for (ServiceState s : all) {
                List<Endpoint> eps = new ArrayList<>(s.endpoints());
                Collections.shuffle(eps, random);
                shuffled.add(new ServiceState(s.namespace(), s.name(), s.type(), s.loadBalancerClass(), s.ingressIps(),
                        s.localTrafficPolicy(), s.ports(), s.annotations(), eps));
            }
            Collections.shuffle(shuffled, random);
            Plan p = plan(Map.of("rack", "a"), new HashSet<>(Set.of("node-3")), shuffled.toArray(ServiceState[]::new));
            assertThat(p).isEqualTo(reference);
        }
    }

    /**
     * Property: a plan that reuses the previous plans' work (the speaker's way) equals a plan worked out from scratch,
     * over random sequences of changes: Services changed, added and deleted (the unchanged ones as the same
     * instances), shared IPs, port clashes, bad scheduler annotations, node labels, dead nodes and config changes.
     */
    @org.junit.jupiter.api.RepeatedTest(30)
    void reusingThePreviousPlansWorkGivesTheSamePlan() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        Config other = ((ConfigParser.Valid) ConfigParser.parseDocument("""
                peers:
                - {my-asn: 65211, peer-asn: 65210, peer-address: 10.0.0.2}
                address-pools:
                - {name: main, protocol: bgp, addresses: [172.19.100.0/24],
                   bgp-advertisements: [{aggregation-length: 32}, {aggregation-length: 30, localpref: 50}]}
                - {name: agg, protocol: bgp, addresses: [172.19.101.0/24]}
                """)).config();
        Map<String, ServiceState> services = new java.util.TreeMap<>();
        Planner.Memo memo = new Planner.Memo();
        Config config = CONFIG;
        Map<String, String> labels = Map.of("rack", "a");
        Set<String> dead = Set.of();
        Plan previous = null;
        for (int step = 0; step < 60; step++) {
            int changes = step == 0 ? 25 : r.nextInt(4);
            for (int c = 0; c < changes; c++) {
                String name = "s" + r.nextInt(25);
                if (r.nextInt(8) == 0) {
                    services.remove(name);
                } else {
                    services.put(name, randomService(r, name));
                }
            }
            switch (r.nextInt(12)) {
                case 0 -> config = config == CONFIG ? other : CONFIG;
                case 1 -> labels = r.nextBoolean() ? Map.of("rack", "b") : Map.of(Planner.EXCLUDE_LABEL, "");
                case 2 -> labels = Map.of("rack", "a");
                case 3 -> dead = r.nextBoolean() ? Set.of("node-2") : Set.of();
                default -> { }
            }
            Planner.Input in = new Planner.Input(config, NODE, labels, List.copyOf(services.values()), dead,
                    Optional.empty(), previous);
            Plan fresh = Planner.plan(in);
            Plan reused = Planner.plan(in, memo);
            assertThat(reused).as("seed %d, step %d", seed, step).isEqualTo(fresh);
            assertThat(fresh.routes()).isSortedAccordingTo(java.util.Comparator.comparing(Plan.Route::prefix));
            assertThat(fresh.virtualServices()).isSortedAccordingTo(java.util.Comparator
                    .comparingInt((Plan.VirtualService v) -> IpAddresses.bits(v.vip()))
                    .thenComparing(Plan.VirtualService::vip, IpAddresses::compare)
                    .thenComparing(Plan.VirtualService::protocol).thenComparingInt(Plan.VirtualService::port));
            previous = fresh;
        }
    }

    private static ServiceState randomService(Random r, String name) {
        String[] ips = {"172.19.100.1", "172.19.100.2", "172.19.100.3", "172.19.101.1", "172.19.101.2",
                "172.19.104.1", "172.19.102.1", "172.19.103.0", "192.168.0.10", "10.9.9.9", "not-an-ip"};
        List<String> ingress = r.nextInt(6) == 0 ? List.of() : r.nextInt(8) == 0
                ? List.of("172.19.102.1", "fd00:102::1") : List.of(ips[r.nextInt(ips.length)]);
        List<Endpoint> eps = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            String node = "node-" + (1 + r.nextInt(3));
            String address = "10.244." + node.substring(5) + "." + (1 + r.nextInt(5));
            eps.add(switch (r.nextInt(4)) {
                case 0 -> notReady(address, node);
                case 1 -> terminating(address, node, r.nextBoolean());
                default -> ep(address, node);
            });
        }
        List<ServiceState.Port> ports = r.nextBoolean() ? List.of(new ServiceState.Port("http", "TCP", 80))
                : List.of(new ServiceState.Port("http", "TCP", 80), new ServiceState.Port("dns", "UDP", 53));
        Map<String, String> annotations = switch (r.nextInt(5)) {
            case 0 -> Map.of(Planner.SCHEDULER_ANNOTATION, "rr");
            case 1 -> Map.of(Planner.SCHEDULER_ANNOTATION, "fastest");
            default -> Map.of();
        };
        return new ServiceState("ns", name, r.nextInt(10) == 0 ? "ClusterIP" : "LoadBalancer", Optional.empty(),
                ingress, r.nextInt(3) == 0, ports, annotations, eps);
    }
}
