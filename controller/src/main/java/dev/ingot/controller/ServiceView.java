package dev.ingot.controller;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the controller reads of a Service, free of Kubernetes client types so that the convergence logic and the dry
 * run share one pure code path. Built from a fabric8 {@code Service} by {@code ServiceViews}.
 *
 * @param namespace metadata.namespace
 * @param name metadata.name
 * @param type spec.type
 * @param clusterIPs spec.clusterIPs, or [spec.clusterIP] when only that is set
 * @param loadBalancerIP spec.loadBalancerIP, or null
 * @param loadBalancerClass spec.loadBalancerClass, or null
 * @param annotations metadata.annotations
 * @param externalTrafficPolicy spec.externalTrafficPolicy ("Cluster" when unset)
 * @param selector spec.selector
 * @param ports spec.ports
 * @param ingressIps the non-empty status.loadBalancer.ingress[].ip values, as written
 */
public record ServiceView(String namespace, String name, String type, List<String> clusterIPs, String loadBalancerIP,
                          String loadBalancerClass, Map<String, String> annotations, String externalTrafficPolicy,
                          Map<String, String> selector, List<Port> ports, List<String> ingressIps) {

    public ServiceView {
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(name);
        clusterIPs = clusterIPs == null ? List.of() : List.copyOf(clusterIPs);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        selector = selector == null ? Map.of() : Map.copyOf(selector);
        ports = ports == null ? List.of() : List.copyOf(ports);
        ingressIps = ingressIps == null ? List.of() : List.copyOf(ingressIps);
        externalTrafficPolicy = externalTrafficPolicy == null || externalTrafficPolicy.isEmpty() ? "Cluster"
                : externalTrafficPolicy;
        loadBalancerIP = loadBalancerIP == null || loadBalancerIP.isEmpty() ? null : loadBalancerIP;
        loadBalancerClass = loadBalancerClass == null || loadBalancerClass.isEmpty() ? null : loadBalancerClass;
    }

    /** {@code namespace/name}, the work-queue key. */
    public String key() {
        return namespace + "/" + name;
    }

    public boolean isLoadBalancer() {
        return "LoadBalancer".equals(type);
    }

    /** This view with a different status. */
    public ServiceView withIngress(List<String> ips) {
        return new ServiceView(namespace, name, type, clusterIPs, loadBalancerIP, loadBalancerClass, annotations,
                externalTrafficPolicy, selector, ports, ips);
    }

    /** The annotation under metallb.io/ if set (even empty), else under metallb.universe.tf/, else null. */
    public String annotation(String suffix) {
        String v = annotations.get(Annotations.NEW_PREFIX + suffix);
        return v != null ? v : annotations.get(Annotations.OLD_PREFIX + suffix);
    }

    /** Which of the two prefixed names supplied {@link #annotation(String)}. */
    String annotationName(String suffix) {
        return annotations.containsKey(Annotations.NEW_PREFIX + suffix) ? Annotations.NEW_PREFIX + suffix
                : Annotations.OLD_PREFIX + suffix;
    }

    /** MetalLB's backend key: "" for Cluster, the selector as sorted {@code k=v,k2=v2} for Local. */
    public String backendKey() {
        if (!"Local".equals(externalTrafficPolicy)) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        new TreeMap<>(selector).forEach((k, v) -> b.append(b.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return b.toString();
    }

    /** The annotation names MetalLB reads, under both prefixes. */
    public static final class Annotations {
        private Annotations() {}

        public static final String NEW_PREFIX = "metallb.io/";
        public static final String OLD_PREFIX = "metallb.universe.tf/";
        public static final String ADDRESS_POOL = "address-pool";
        public static final String LOAD_BALANCER_IPS = "loadBalancerIPs";
        public static final String ALLOW_SHARED_IP = "allow-shared-ip";
    }
}
