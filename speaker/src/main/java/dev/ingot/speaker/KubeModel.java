package dev.ingot.speaker;

import dev.ingot.speaker.plan.ServiceState;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointConditions;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPort;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns Kubernetes objects into the planner's model; the only place that knows both. The informers keep only this
 * model of each Service and EndpointSlice ({@link ModelStore}), built once when an object arrives, never the object.
 */
final class KubeModel {
    private KubeModel() {}

    /** The label an EndpointSlice carries to name its Service. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** Annotations the speaker keeps of a Service: Ingot's and MetalLB's (not Helm's, kubectl's and the like). */
    static final List<String> ANNOTATION_PREFIXES = List.of("ingot.dev/", "metallb.universe.tf/", "metallb.io/");

    /**
     * What the speaker keeps of a Service: its model without endpoints, and its uid for Events.
     *
     * @param state the Service as the planner sees it, with no endpoints
     * @param uid {@code metadata.uid}
     * @param ipModeProxy every ingress entry carries {@code ipMode: Proxy} (kube-proxy leaves the IPs alone)
     */
    record CachedService(ServiceState state, String uid, boolean ipModeProxy) {}

    /**
     * What the speaker keeps of an EndpointSlice.
     *
     * @param service the {@code namespace/name} of its Service, or null when the slice does not name one
     * @param endpoints its endpoints
     */
    record CachedSlice(String service, List<ServiceState.Endpoint> endpoints) {}

    static CachedService cached(Service s) {
        boolean proxy = s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                && s.getStatus().getLoadBalancer().getIngress() != null
                && !s.getStatus().getLoadBalancer().getIngress().isEmpty()
                && s.getStatus().getLoadBalancer().getIngress().stream().allMatch(i -> "Proxy".equals(i.getIpMode()));
        return new CachedService(service(s, List.of()), s.getMetadata().getUid(), proxy);
    }

    static CachedSlice cached(EndpointSlice slice) {
        Map<String, String> labels = slice.getMetadata().getLabels();
        String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
        return new CachedSlice(svc == null ? null : slice.getMetadata().getNamespace() + "/" + svc,
                List.copyOf(endpoints(slice)));
    }

    /** The Services with their EndpointSlices' endpoints. */
    static List<ServiceState> services(Collection<CachedService> services, Collection<CachedSlice> slices) {
        Map<String, List<ServiceState.Endpoint>> byService = new HashMap<>();
        for (CachedSlice slice : slices) {
            if (slice.service() != null) {
                byService.computeIfAbsent(slice.service(), k -> new ArrayList<>()).addAll(slice.endpoints());
            }
        }
        List<ServiceState> out = new ArrayList<>(services.size());
        for (CachedService c : services) {
            ServiceState s = c.state();
            List<ServiceState.Endpoint> endpoints = byService.get(s.key());
            out.add(endpoints == null ? s : new ServiceState(s.namespace(), s.name(), s.type(),
                    s.loadBalancerClass(), s.ingressIps(), s.localTrafficPolicy(), s.ports(), s.annotations(),
                    endpoints));
        }
        return out;
    }

    static ServiceState service(Service s, List<ServiceState.Endpoint> endpoints) {
        var spec = s.getSpec();
        List<String> ips = new ArrayList<>();
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                && s.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress i : s.getStatus().getLoadBalancer().getIngress()) {
                if (i.getIp() != null && !i.getIp().isEmpty()) {
                    ips.add(i.getIp());
                }
            }
        }
        List<ServiceState.Port> ports = new ArrayList<>();
        if (spec != null && spec.getPorts() != null) {
            for (ServicePort p : spec.getPorts()) {
                if (p.getPort() != null) {
                    ports.add(new ServiceState.Port(intern(nz(p.getName())),
                            p.getProtocol() == null ? "TCP" : intern(p.getProtocol()), p.getPort()));
                }
            }
        }
        return new ServiceState(intern(s.getMetadata().getNamespace()), s.getMetadata().getName(),
                spec == null || spec.getType() == null ? "ClusterIP" : intern(spec.getType()),
                Optional.ofNullable(spec == null ? null : intern(spec.getLoadBalancerClass())), ips,
                spec != null && "Local".equals(spec.getExternalTrafficPolicy()), ports,
                annotations(s.getMetadata().getAnnotations()), endpoints);
    }

    private static Map<String, String> annotations(Map<String, String> all) {
        if (all == null || all.isEmpty()) {
            return Map.of();
        }
        Map<String, String> kept = new HashMap<>();
        all.forEach((k, v) -> {
            if (ANNOTATION_PREFIXES.stream().anyMatch(k::startsWith)) {
                kept.put(k, v);
            }
        });
        return kept;
    }

    /** One planner endpoint per address of every endpoint in the slice. */
    static List<ServiceState.Endpoint> endpoints(EndpointSlice slice) {
        Map<String, ServiceState.EndpointPort> ports = new HashMap<>();
        if (slice.getPorts() != null) {
            for (EndpointPort p : slice.getPorts()) {
                if (p.getPort() != null) {
                    ports.put(intern(nz(p.getName())), new ServiceState.EndpointPort(
                            p.getProtocol() == null ? "TCP" : intern(p.getProtocol()), p.getPort()));
                }
            }
        }
        List<ServiceState.Endpoint> out = new ArrayList<>();
        if (slice.getEndpoints() == null) {
            return out;
        }
        Map<String, ServiceState.EndpointPort> shared = Map.copyOf(ports); // one copy for all the slice's endpoints
        for (Endpoint e : slice.getEndpoints()) {
            EndpointConditions c = e.getConditions();
            boolean ready = c == null || c.getReady() == null || c.getReady();
            boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
            boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
            for (String address : e.getAddresses() == null ? List.<String>of() : e.getAddresses()) {
                out.add(new ServiceState.Endpoint(address, intern(nz(e.getNodeName())), ready, serving, terminating,
                        shared));
            }
        }
        return out;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    /** One shared copy of a value that repeats across objects: namespaces, node names, protocols, port names. */
    private static String intern(String s) {
        return s == null ? null : s.intern();
    }
}
