package dev.ingot.controller;

import dev.ingot.config.Config;
import dev.ingot.config.IpAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * The controller's decisions, pure: for one Service, which addresses its status should hold and which Events to
 * raise (MetalLB v0.12's {@code convergeBalancer}), and whether a new config may replace the current one. The
 * reconciler and the dry run both drive this one class; neither decides anything on its own.
 */
public final class Balancer {

    /** A Kubernetes Event to raise on the Service (or the ConfigMap). */
    public record Event(String type, String reason, String message) {
        static Event normal(String reason, String message) {
            return new Event("Normal", reason, message);
        }

        static Event warning(String reason, String message) {
            return new Event("Warning", reason, message);
        }
    }

    /**
     * What to do with one Service.
     *
     * @param ingress the addresses its status.loadBalancer.ingress must list (empty: none), or null to leave its
     *     status alone (not ours, deleted, or no config yet)
     * @param events Events to raise on it, in order
     * @param waiting true when it got nothing for want of a free address: retry it when one is freed or the config
     *     changes
     * @param released true when it gave addresses back (others may be waiting for them)
     */
    public record Outcome(List<String> ingress, List<Event> events, boolean waiting, boolean released) {
        public Outcome {
            ingress = ingress == null ? null : List.copyOf(ingress);
            events = List.copyOf(events);
        }
    }

    /** The verdict on a new config. */
    public sealed interface ConfigResult permits Accepted, Rejected {}

    /** The config is now in force. */
    public record Accepted() implements ConfigResult {}

    /** The config was refused; the previous one (if any) stays. Every reason is listed. */
    public record Rejected(List<String> errors) implements ConfigResult {
        public Rejected {
            errors = List.copyOf(errors);
        }
    }

    private final String loadBalancerClass;
    private Allocator allocator;

    /**
     * @param loadBalancerClass the spec.loadBalancerClass this controller serves; null to serve only Services
     *     without a class
     */
    public Balancer(String loadBalancerClass) {
        this.loadBalancerClass = loadBalancerClass == null || loadBalancerClass.isEmpty() ? null : loadBalancerClass;
    }

    public boolean hasConfig() {
        return allocator != null;
    }

    /** The config in force, if any. */
    public java.util.Optional<Config> config() {
        return java.util.Optional.ofNullable(allocator).map(Allocator::config);
    }

    /** The allocator of the config in force (for metrics), or null before the first config. */
    public Allocator allocator() {
        return allocator;
    }

    /** True when this controller is the one to serve the Service's spec.loadBalancerClass. */
    public boolean serves(ServiceView v) {
        return Objects.equals(loadBalancerClass, v.loadBalancerClass());
    }

    /**
     * Puts {@code next} in force unless it would strand an address: every Service holding addresses, and every
     * Service in {@code services} whose status lists addresses this controller has not taken over yet (after a
     * restart), must keep them under {@code next}. Otherwise nothing changes and every stranded Service is named.
     */
    public ConfigResult setConfig(Config next, Collection<ServiceView> services) {
        Allocator probe = new Allocator(next);
        List<String> errors = new ArrayList<>();
        if (allocator != null) {
            errors.addAll(allocator.stranded(next));
        }
        for (ServiceView v : sorted(services)) {
            if (allocator != null && !allocator.ips(v.key()).isEmpty()) {
                continue;
            }
            List<InetAddress> current = keepable(v);
            if (!current.isEmpty()) {
                String why = probe.strands(v.key(), current, pool(v));
                if (why != null) {
                    errors.add(why);
                }
            }
        }
        if (!errors.isEmpty()) {
            List<String> out = new ArrayList<>();
            out.add("new config not compatible with assigned IPs");
            out.addAll(errors);
            return new Rejected(out);
        }
        allocator = allocator == null ? probe : allocator.withConfig(next);
        return new Accepted();
    }

    /** The order in which to converge a batch: Services whose status holds addresses first, then by key. */
    public static List<ServiceView> sorted(Collection<ServiceView> services) {
        return services.stream().sorted(Comparator.comparing((ServiceView v) -> v.ingressIps().isEmpty())
                .thenComparing(ServiceView::key)).toList();
    }

    /**
     * Decides the Service's status. {@code v} is null when the Service is gone. Mirrors MetalLB v0.12's
     * {@code convergeBalancer}, step by step.
     */
    public Outcome converge(String key, ServiceView v) {
        if (v == null || !serves(v)) {
            boolean released = allocator != null && allocator.unassign(key);
            return new Outcome(null, List.of(), false, released);
        }
        if (allocator == null) {
            return new Outcome(null, List.of(), false, false);
        }
        Family family = serviceFamily(v);
        if (!v.isLoadBalancer() || family == null) {
            boolean released = allocator.unassign(key);
            return new Outcome(List.of(), List.of(), false, released);
        }
        List<Event> events = new ArrayList<>();
        Requested requested = requested(v);
        Allocator.Request req = new Allocator.Request(key, family, requested.ips(), pool(v), v.ports(),
                sharingKey(v), v.backendKey());
        boolean released = false;
        List<InetAddress> current = keepable(v);
        if (!current.isEmpty()) {
            Allocator.Result r = allocator.assign(req, current);
            if (r instanceof Allocator.Failed f) {
                events.add(Event.normal("ClearAssignment", "current IP for " + GoText.quote(key)
                        + " not allowed by config, will attempt for new IP assignment: " + f.message()));
                released |= allocator.unassign(key);
                current = List.of();
            } else if (req.pool() != null && !req.pool().equals(((Allocator.Assigned) r).pool())) {
                released |= allocator.unassign(key);
                current = List.of();
            }
            if (requested.error() != null) {
                events.add(Event.warning("LoadBalancerFailed", "invalid requested loadbalancer IPs: "
                        + requested.error()));
                return new Outcome(format(allocator.ips(key)), events, false, released);
            }
            if (!current.isEmpty() && !requested.ips().isEmpty()
                    && !new HashSet<>(requested.ips()).equals(new HashSet<>(current))) {
                released |= allocator.unassign(key);
                current = List.of();
            }
        } else {
            released |= allocator.unassign(key);
        }
        if (current.isEmpty()) {
            Allocator.Result r = requested.error() != null
                    ? new Allocator.Failed(Allocator.Failure.BAD_REQUEST, requested.error())
                    : allocator.allocate(req);
            if (r instanceof Allocator.Failed f) {
                events.add(Event.warning("AllocationFailed", "Failed to allocate IP for " + GoText.quote(key) + ": "
                        + f.message()));
                return new Outcome(List.of(), events, f.kind().waitsForAddresses(), released);
            }
            current = ((Allocator.Assigned) r).ips();
            events.add(Event.normal("IPAllocated", "Assigned IP " + GoText.quote(current)));
        }
        return new Outcome(format(current), events, false, released);
    }

    private static List<String> format(List<InetAddress> ips) {
        return ips.stream().map(IpAddresses::format).toList();
    }

    /** The Service's family from its cluster IPs, or null when they do not tell (none, "None", malformed). */
    static Family serviceFamily(ServiceView v) {
        List<InetAddress> ips = new ArrayList<>();
        for (String s : v.clusterIPs()) {
            if (!IpAddresses.isLiteral(s)) {
                return null;
            }
            ips.add(IpAddresses.parse(s));
        }
        try {
            return ips.isEmpty() ? null : Family.of(ips);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The status addresses convergence would try to keep: well-formed and of the Service's family; else none. */
    private List<InetAddress> keepable(ServiceView v) {
        if (!serves(v) || !v.isLoadBalancer() || v.ingressIps().isEmpty()) {
            return List.of();
        }
        Family family = serviceFamily(v);
        List<InetAddress> ips = new ArrayList<>();
        for (String s : v.ingressIps()) {
            if (!IpAddresses.isLiteral(s)) {
                return List.of();
            }
            ips.add(IpAddresses.parse(s));
        }
        try {
            return Family.of(ips) == family ? ips : List.of();
        } catch (IllegalArgumentException e) {
            return List.of();
        }
    }

    static String pool(ServiceView v) {
        String p = v.annotation(ServiceView.Annotations.ADDRESS_POOL);
        return p == null || p.isEmpty() ? null : p;
    }

    static String sharingKey(ServiceView v) {
        String k = v.annotation(ServiceView.Annotations.ALLOW_SHARED_IP);
        return k == null ? "" : k;
    }

    /** The addresses the Service asks for, or why its request is malformed. */
    record Requested(List<InetAddress> ips, String error) {}

    static Requested requested(ServiceView v) {
        String annotation = v.annotation(ServiceView.Annotations.LOAD_BALANCER_IPS);
        String name = v.annotationName(ServiceView.Annotations.LOAD_BALANCER_IPS);
        boolean hasAnnotation = annotation != null && !annotation.isEmpty();
        if (!hasAnnotation && v.loadBalancerIP() == null) {
            return new Requested(List.of(), null);
        }
        if (hasAnnotation && v.loadBalancerIP() != null) {
            return new Requested(List.of(), "service can not have both " + name + " and svc.Spec.LoadBalancerIP");
        }
        List<InetAddress> ips = new ArrayList<>();
        if (hasAnnotation) {
            for (String part : annotation.split(",", -1)) {
                String s = part.strip();
                if (!IpAddresses.isLiteral(s)) {
                    return new Requested(List.of(), "invalid " + name + ": " + GoText.quote(annotation));
                }
                ips.add(IpAddresses.parse(s));
            }
            try {
                Family.of(ips);
            } catch (IllegalArgumentException e) {
                return new Requested(List.of(), e.getMessage());
            }
            return new Requested(ips, null);
        }
        if (!IpAddresses.isLiteral(v.loadBalancerIP())) {
            return new Requested(List.of(), "invalid spec.loadBalancerIP " + GoText.quote(v.loadBalancerIP()));
        }
        return new Requested(List.of(IpAddresses.parse(v.loadBalancerIP())), null);
    }
}
