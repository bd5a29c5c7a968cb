package dev.ingot.speaker.plan;

import dev.ingot.config.Cidr;
import dev.ingot.config.Community;
import dev.ingot.config.Peer;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

/**
 * What one node should do: which Services it announces (and why not the others), the routes it offers to which
 * peers, the VIPs it binds and the IPVS virtual services it programs. Computed by {@link Planner}; equal inputs give
 * equal plans.
 *
 * @param services the decision for every Service, by {@code namespace/name}
 * @param peers the configured peers this node talks to (their node selectors match the node's labels)
 * @param routes the routes offered to every peer, in prefix order (LOCAL_PREF is only sent to iBGP peers)
 * @param vips the addresses to bind to {@code kube-ipvs0}
 * @param virtualServices the IPVS virtual services, in (vip, protocol, port) order
 * @param problems conflicts and bad annotations, for logs, Events and the status endpoint
 */
public record Plan(SortedMap<String, Decision> services, List<Peer> peers, List<Route> routes, Set<InetAddress> vips,
                   List<VirtualService> virtualServices, List<Problem> problems) {

    public Plan {
        services = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(services));
        peers = List.copyOf(peers);
        routes = List.copyOf(routes);
        vips = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(vips));
        virtualServices = List.copyOf(virtualServices);
        problems = List.copyOf(problems);
    }

    /**
     * Whether this node announces a Service and, when not, why.
     *
     * @param announce true when this node announces the Service's IPs
     * @param reason empty when announcing; otherwise one of the {@link Reason} codes
     * @param ips the Service's ingress IPs (empty when it has none or they are invalid)
     * @param pool the pool the IPs belong to, when known
     */
    public record Decision(boolean announce, String reason, List<InetAddress> ips, String pool) {
        public Decision {
            ips = List.copyOf(ips);
        }
    }

    /**
     * One route: a prefix and its attributes, offered because of the listed Services.
     *
     * @param prefix the announced prefix (the IP, or its aggregate)
     * @param localPref LOCAL_PREF for iBGP peers
     * @param communities communities, in configuration order
     * @param services the Services ({@code namespace/name}) behind it
     */
    public record Route(Cidr prefix, long localPref, List<Community> communities, Set<String> services) {
        public Route {
            communities = List.copyOf(communities);
            services = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(services));
        }
    }

    /**
     * An IPVS virtual service.
     *
     * @param vip the Service's ingress IP
     * @param protocol TCP, UDP or SCTP
     * @param port the Service port
     * @param scheduler IPVS scheduler name (rr, wrr, lc, wlc, sh, mh)
     * @param service the Service ({@code namespace/name})
     * @param realServers the endpoints, in address order
     */
    public record VirtualService(InetAddress vip, String protocol, int port, String scheduler, String service,
                                 List<RealServer> realServers) {
        public VirtualService {
            realServers = List.copyOf(realServers);
        }
    }

    /**
     * A real server: an endpoint with its weight (0 drains it: existing connections stay, no new ones).
     *
     * @param address the endpoint's address
     * @param port the port the pod listens on
     * @param weight IPVS weight
     * @param node the node the endpoint runs on
     */
    public record RealServer(InetAddress address, int port, int weight, String node) {}

    /**
     * Something wrong with the input that the plan worked around; the last good choice is kept.
     *
     * @param service the Service concerned
     * @param field the field, annotation or prefix concerned
     * @param message what is wrong, in plain words
     */
    public record Problem(String service, String field, String message) {}

    /** The reasons for not announcing, as they appear in logs and the status endpoint. */
    public static final class Reason {
        private Reason() {}

        public static final String NOT_LOAD_BALANCER = "notLoadBalancer";
        public static final String OTHER_CLASS = "otherLoadBalancerClass";
        public static final String NO_IP_ALLOCATED = "noIPAllocated";
        public static final String INVALID_IP = "invalidIP";
        public static final String IP_NOT_ALLOWED = "ipNotAllowed";
        public static final String LAYER2_POOL = "layer2Pool";
        public static final String EXCLUDED_NODE = "excludedNode";
        public static final String NO_ENDPOINTS = "noEndpoints";
        public static final String NO_LOCAL_ENDPOINTS = "noLocalEndpoints";
    }
}
