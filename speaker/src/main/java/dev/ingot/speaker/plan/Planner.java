package dev.ingot.speaker.plan;

import dev.ingot.config.Advertisement;
import dev.ingot.config.Cidr;
import dev.ingot.config.Community;
import dev.ingot.config.Config;
import dev.ingot.config.IpAddresses;
import dev.ingot.config.Peer;
import dev.ingot.config.Pool;
import dev.ingot.speaker.plan.Plan.Decision;
import dev.ingot.speaker.plan.Plan.Problem;
import dev.ingot.speaker.plan.Plan.RealServer;
import dev.ingot.speaker.plan.Plan.Reason;
import dev.ingot.speaker.plan.Plan.Route;
import dev.ingot.speaker.plan.Plan.VirtualService;
import dev.ingot.speaker.plan.ServiceState.Endpoint;
import dev.ingot.speaker.plan.ServiceState.EndpointPort;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The speaker's decisions as one pure function: {@link #plan(Input)}. The rules are MetalLB's (docs/speaker.md),
 * plus the exclusion label, terminating-but-serving endpoints, memberlist failover and the IPVS dataplane.
 */
public final class Planner {
    private Planner() {}

    /** Nodes with this label (any value) announce nothing: the documented way to drain a node's routes. */
    public static final String EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";
    /** Service annotation choosing the IPVS scheduler. */
    public static final String SCHEDULER_ANNOTATION = "ingot.dev/ipvs-scheduler";
    public static final String DEFAULT_SCHEDULER = "mh";
    public static final Set<String> SCHEDULERS = Set.of("rr", "wrr", "lc", "wlc", "sh", "mh");

    /**
     * Everything a plan depends on.
     *
     * @param config the configuration in force
     * @param node this node's name
     * @param nodeLabels this node's labels
     * @param services every Service the speaker knows, with its endpoints
     * @param deadNodes nodes memberlist has declared dead: their endpoints get no traffic
     * @param loadBalancerClass the class this installation serves; empty: only Services without a class
     * @param previous the plan in force, whose choices are kept when an input is bad (may be null)
     */
    public record Input(Config config, String node, Map<String, String> nodeLabels,
                        Collection<ServiceState> services, Set<String> deadNodes, Optional<String> loadBalancerClass,
                        Plan previous) {}

    public static Plan plan(Input in) {
        return plan(in, null);
    }

    /**
     * What a plan worked out for each Service, for the next plan to reuse: a Service whose {@link ServiceState} is the
     * very same instance, with the same config, node, labels, dead nodes and class, is not worked out again (the
     * speaker's model keeps the instance of a Service that did not change). The plan is the same with or without it.
     * Belongs to one caller; not thread-safe.
     */
    public static final class Memo {
        private List<Object> inputs;
        private Map<String, Part> parts = new HashMap<>();
    }

    /** One Service's share of a plan: its decision and, when announced, its prefixes and virtual services. */
    private record Part(ServiceState state, Decision decision, List<IpPart> ips, boolean reusable) {}

    /** @param prefixes one per advertisement of the pool, in order, with their addresses as numbers */
    private record IpPart(InetAddress ip, List<Cidr> prefixes, List<Num> prefixNums, List<PortPart> ports) {}

    /** A route being put together, and its prefix's address as a number (for the final order). */
    private record Slot(Num num, Route route) {}

    /** @param schedulerProblem a bad scheduler annotation (its fallback depends on the previous plan), or null */
    private record PortPart(VsKey key, VirtualService vs, Problem schedulerProblem) {}

    /** The same plan as {@link #plan(Input)}, reusing what {@code memo} holds from the previous call and updating it. */
    public static Plan plan(Input in, Memo memo) {
        // in key order; each key made once (a comparator calling key() would build it at every comparison)
        List<Map.Entry<String, ServiceState>> services = new ArrayList<>(in.services().size());
        for (ServiceState s : in.services()) {
            services.add(Map.entry(s.key(), s));
        }
        services.sort(Map.Entry.comparingByKey());
        TreeMap<String, Decision> decisions = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        // hashed while put together, ordered once at the end
        Map<Cidr, Slot> routes = new HashMap<>();
        Map<Cidr, String> routeOwner = new HashMap<>();
        Map<VsKey, VirtualService> virtualServices = new HashMap<>();
        Set<InetAddress> vips = new LinkedHashSet<>();
        boolean excluded = in.nodeLabels().containsKey(EXCLUDE_LABEL);
        // copies: a caller's mutable map or set must not change what the memo was made for
        List<Object> inputs = java.util.Arrays.asList(in.config(), in.node(), Map.copyOf(in.nodeLabels()),
                Set.copyOf(in.deadNodes()), in.loadBalancerClass());
        Map<String, Part> known = memo != null && inputs.equals(memo.inputs) ? memo.parts : Map.of();
        Map<String, Part> parts = memo == null ? null : HashMap.newHashMap(services.size());

        for (Map.Entry<String, ServiceState> entry : services) {
            String key = entry.getKey();
            ServiceState s = entry.getValue();
            Part part = known.get(key);
            if (part == null || part.state() != s) {
                part = part(in, key, s, excluded);
            }
            if (parts != null && part.reusable()) {
                parts.put(key, part);
            }
            Decision d = part.decision();
            decisions.put(key, d);
            if (!d.announce()) {
                continue;
            }
            List<Advertisement> ads = in.config().pool(d.pool()).orElseThrow().advertisements();
            for (IpPart ip : part.ips()) {
                vips.add(ip.ip());
                for (int a = 0; a < ads.size(); a++) {
                    Advertisement ad = ads.get(a);
                    Cidr prefix = ip.prefixes().get(a);
                    Slot slot = routes.get(prefix);
                    Route existing = slot == null ? null : slot.route();
                    if (existing == null) {
                        routes.put(prefix, new Slot(ip.prefixNums().get(a), new Route(prefix, ad.localPref(),
                                ad.communities(), Set.of(key))));
                        routeOwner.put(prefix, key);
                    } else if (existing.localPref() == ad.localPref()
                            && Set.copyOf(existing.communities()).equals(Set.copyOf(ad.communities()))) {
                        TreeSet<String> owners = new TreeSet<>(existing.services());
                        owners.add(key);
                        routes.put(prefix, new Slot(slot.num(), new Route(prefix, existing.localPref(),
                                existing.communities(), owners)));
                    } else {
                        problems.add(new Problem(key, prefix.toString(), "prefix " + prefix
                                + " is also offered by " + routeOwner.get(prefix) + " with other attributes "
                                + "(localpref " + existing.localPref() + ", communities " + existing.communities()
                                + " against localpref " + ad.localPref() + ", communities " + ad.communities()
                                + "); announcing " + routeOwner.get(prefix) + "'s"));
                    }
                }
                for (PortPart port : ip.ports()) {
                    if (port.schedulerProblem() != null) {
                        problems.add(port.schedulerProblem());
                    }
                    VirtualService clash = virtualServices.putIfAbsent(port.key(), port.vs());
                    if (clash != null) {
                        problems.add(new Problem(key, port.vs().protocol() + "/" + port.vs().port(), "port "
                                + port.vs().protocol() + "/" + port.vs().port() + " on "
                                + IpAddresses.format(ip.ip()) + " is already used by " + clash.service()
                                + "; it keeps the port"));
                    }
                }
            }
        }
        if (memo != null) {
            memo.inputs = inputs;
            memo.parts = parts;
        }
        List<Peer> peers = in.config().peers().stream().filter(p -> p.selects(in.nodeLabels())).toList();
        List<Slot> slots = new ArrayList<>(routes.values());
        slots.sort(Comparator.comparing(Slot::num).thenComparingInt(sl -> sl.route().prefix().prefixLength()));
        List<Map.Entry<VsKey, VirtualService>> vss = new ArrayList<>(virtualServices.entrySet());
        vss.sort(Map.Entry.comparingByKey(VsKey.ORDER));
        return new Plan(decisions, peers, slots.stream().map(Slot::route).toList(), vips,
                vss.stream().map(Map.Entry::getValue).toList(), problems);
    }

    /** Works out one Service's share of the plan. */
    private static Part part(Input in, String key, ServiceState s, boolean excluded) {
        Decision d = decide(in, s, excluded);
        if (!d.announce()) {
            return new Part(s, d, List.of(), true);
        }
        List<Advertisement> ads = in.config().pool(d.pool()).orElseThrow().advertisements();
        List<IpPart> ips = new ArrayList<>(d.ips().size());
        boolean reusable = true;
        for (InetAddress ip : d.ips()) {
            List<Cidr> prefixes = new ArrayList<>(ads.size());
            List<Num> nums = new ArrayList<>(ads.size());
            for (Advertisement ad : ads) {
                Cidr prefix = new Cidr(ip, IpAddresses.bits(ip) == 32 ? ad.aggregationLength()
                        : ad.aggregationLengthV6());
                prefixes.add(prefix);
                nums.add(Num.of(prefix.address()));
            }
            List<PortPart> ports = new ArrayList<>(s.ports().size());
            for (ServiceState.Port port : s.ports()) {
                List<Problem> bad = new ArrayList<>(1);
                VirtualService vs = new VirtualService(ip, port.protocol(), port.port(),
                        scheduler(in, s, ip, port, bad), key, realServers(in, s, ip, port));
                reusable &= bad.isEmpty();
                ports.add(new PortPart(new VsKey(Num.of(ip), ip, port.protocol(), port.port()), vs,
                        bad.isEmpty() ? null : bad.getFirst()));
            }
            ips.add(new IpPart(ip, prefixes, nums, ports));
        }
        return new Part(s, d, ips, reusable);
    }

    private static Decision decide(Input in, ServiceState s, boolean excluded) {
        if (!"LoadBalancer".equals(s.type())) {
            return no(Reason.NOT_LOAD_BALANCER, List.of(), "");
        }
        if (!s.loadBalancerClass().equals(in.loadBalancerClass())) {
            return no(Reason.OTHER_CLASS, List.of(), "");
        }
        if (s.ingressIps().isEmpty()) {
            return no(Reason.NO_IP_ALLOCATED, List.of(), "");
        }
        List<InetAddress> ips = new ArrayList<>();
        for (String text : s.ingressIps()) {
            InetAddress ip = IpAddresses.parseOrNull(text);
            if (ip == null) {
                return no(Reason.INVALID_IP, List.of(), "");
            }
            ips.add(ip);
        }
        Optional<Pool> pool = in.config().pools().stream().filter(p -> ips.stream().allMatch(p::contains)).findFirst();
        if (pool.isEmpty()) {
            return no(Reason.IP_NOT_ALLOWED, ips, "");
        }
        String poolName = pool.get().name();
        if (pool.get().protocol() != Pool.Protocol.BGP) {
            return no(Reason.LAYER2_POOL, ips, poolName);
        }
        if (excluded) {
            return no(Reason.EXCLUDED_NODE, ips, poolName);
        }
        boolean anyUsable = false;
        boolean localUsable = false;
        for (Endpoint e : s.endpoints()) {
            if (usable(in, e)) {
                anyUsable = true;
                localUsable |= e.nodeName().equals(in.node());
            }
        }
        if (!anyUsable) {
            return no(Reason.NO_ENDPOINTS, ips, poolName);
        }
        if (s.localTrafficPolicy() && !localUsable) {
            return no(Reason.NO_LOCAL_ENDPOINTS, ips, poolName);
        }
        return new Decision(true, "", ips, poolName);
    }

    private static Decision no(String reason, List<InetAddress> ips, String pool) {
        return new Decision(false, reason, ips, pool);
    }

    /** Ready, or terminating but still serving (a rollout), on a node memberlist has not declared dead. */
    private static boolean usable(Input in, Endpoint e) {
        return !in.deadNodes().contains(e.nodeName()) && (e.ready() || (e.serving() && e.terminating()));
    }

    /**
     * The endpoints behind one VIP port: all of them for Cluster, this node's for Local; same family as the VIP.
     * Ready ones get weight 1 and terminating ones 0 (drained); when none is ready, the terminating-but-serving ones
     * carry the traffic, as kube-proxy does.
     */
    private static List<RealServer> realServers(Input in, ServiceState s, InetAddress vip, ServiceState.Port port) {
        List<Endpoint> scope = new ArrayList<>();
        List<InetAddress> addresses = new ArrayList<>();
        boolean anyReady = false;
        for (Endpoint e : s.endpoints()) {
            if (!usable(in, e) || (s.localTrafficPolicy() && !e.nodeName().equals(in.node()))) {
                continue;
            }
            InetAddress a = IpAddresses.parseOrNull(e.address());
            if (a != null && IpAddresses.bits(a) == IpAddresses.bits(vip)) {
                scope.add(e);
                addresses.add(a);
                anyReady |= e.ready();
            }
        }
        // in address then port order; one real server per (address, port), the highest weight wins
        TreeMap<RealServer, RealServer> out = new TreeMap<>(RS_ORDER);
        for (int i = 0; i < scope.size(); i++) {
            Endpoint e = scope.get(i);
            EndpointPort ep = e.ports().get(port.name());
            if (ep == null || !ep.protocol().equals(port.protocol())) {
                continue;
            }
            int weight = e.ready() || !anyReady ? 1 : 0;
            RealServer rs = new RealServer(addresses.get(i), ep.port(), weight, e.nodeName());
            RealServer prev = out.get(rs);
            if (prev == null || prev.weight() < weight) {
                out.remove(rs);
                out.put(rs, rs);
            }
        }
        return new ArrayList<>(out.values());
    }

    private static final Comparator<RealServer> RS_ORDER = Comparator.comparing(RealServer::address,
            IpAddresses::compare).thenComparingInt(RealServer::port);

    /** The annotation's scheduler; a bad value is reported and the one in force (or the default) is kept. */
    private static String scheduler(Input in, ServiceState s, InetAddress vip, ServiceState.Port port,
                                    List<Problem> problems) {
        String wanted = s.annotations().get(SCHEDULER_ANNOTATION);
        if (wanted == null || wanted.isBlank()) {
            return DEFAULT_SCHEDULER;
        }
        if (SCHEDULERS.contains(wanted.strip())) {
            return wanted.strip();
        }
        String kept = DEFAULT_SCHEDULER;
        if (in.previous() != null) {
            for (VirtualService vs : in.previous().virtualServices()) {
                if (vs.vip().equals(vip) && vs.protocol().equals(port.protocol()) && vs.port() == port.port()) {
                    kept = vs.scheduler();
                }
            }
        }
        problems.add(new Problem(s.key(), SCHEDULER_ANNOTATION, "annotation " + SCHEDULER_ANNOTATION + ": \"" + wanted
                + "\" is not an IPVS scheduler Ingot supports (" + String.join(", ", new TreeSet<>(SCHEDULERS))
                + "); keeping " + kept));
        return kept;
    }

    /** A virtual service's identity, in (family, address, protocol, port) order. */
    private record VsKey(Num num, InetAddress ip, String protocol, int port) {
        static final Comparator<VsKey> ORDER = Comparator.comparing(VsKey::num).thenComparing(VsKey::protocol)
                .thenComparingInt(VsKey::port);
    }

    /** An address as a number, family first (IPv4 before IPv6), compared without copying its bytes each time. */
    private record Num(int bits, long hi, long lo) implements Comparable<Num> {
        static Num of(InetAddress a) {
            byte[] b = a.getAddress();
            long hi = 0;
            long lo = 0;
            for (int i = 0; i < b.length; i++) {
                if (b.length == 16 && i < 8) {
                    hi = hi << 8 | (b[i] & 0xffL);
                } else {
                    lo = lo << 8 | (b[i] & 0xffL);
                }
            }
            return new Num(b.length * 8, hi, lo);
        }

        @Override
        public int compareTo(Num o) {
            int c = Integer.compare(bits, o.bits);
            if (c == 0) {
                c = Long.compareUnsigned(hi, o.hi);
            }
            return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
        }
    }
}
