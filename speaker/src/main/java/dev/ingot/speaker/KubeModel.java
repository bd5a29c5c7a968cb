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
 * Turns Kubernetes objects into the planner's model; the only place that knows both. An instance remembers what it
 * made from which objects: an informer replaces an object when it changes and keeps the same instance otherwise, so
 * a plan of 10,000 Services converts only those that changed since the previous plan. Used by one thread.
 */
final class KubeModel {

    /** The label an EndpointSlice carries to name its Service. */
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

    /** A Service's state, and the exact objects (by identity) it was made from. */
    private record Made(Service service, List<EndpointSlice> slices, ServiceState state) {
        boolean from(Service s, List<EndpointSlice> sl) {
            if (service != s || slices.size() != sl.size()) {
                return false;
            }
            for (int i = 0; i < sl.size(); i++) {
                if (slices.get(i) != sl.get(i)) {
                    return false;
                }
            }
            return true;
        }
    }

    private Map<String, Made> made = new HashMap<>();

    /** The Services with their EndpointSlices' endpoints. */
    List<ServiceState> services(Collection<Service> services, Collection<EndpointSlice> slices) {
        Map<String, List<EndpointSlice>> byService = new HashMap<>();
        for (EndpointSlice slice : slices) {
            Map<String, String> labels = slice.getMetadata().getLabels();
            String svc = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
            if (svc == null) {
                continue;
            }
            byService.computeIfAbsent(slice.getMetadata().getNamespace() + "/" + svc, k -> new ArrayList<>(1))
                    .add(slice);
        }
        Map<String, Made> next = new HashMap<>(services.size() * 2);
        List<ServiceState> out = new ArrayList<>(services.size());
        for (Service s : services) {
            String key = s.getMetadata().getNamespace() + "/" + s.getMetadata().getName();
            List<EndpointSlice> sl = byService.getOrDefault(key, List.of());
            Made m = made.get(key);
            if (m == null || !m.from(s, sl)) {
                List<ServiceState.Endpoint> endpoints = new ArrayList<>();
                sl.forEach(slice -> endpoints.addAll(endpoints(slice)));
                m = new Made(s, sl, service(s, endpoints));
            }
            next.put(key, m);
            out.add(m.state());
        }
        made = next;
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
                    ports.add(new ServiceState.Port(nz(p.getName()), p.getProtocol() == null ? "TCP" : p.getProtocol(),
                            p.getPort()));
                }
            }
        }
        return new ServiceState(s.getMetadata().getNamespace(), s.getMetadata().getName(),
                spec == null || spec.getType() == null ? "ClusterIP" : spec.getType(),
                Optional.ofNullable(spec == null ? null : spec.getLoadBalancerClass()), ips,
                spec != null && "Local".equals(spec.getExternalTrafficPolicy()), ports,
                s.getMetadata().getAnnotations() == null ? Map.of() : s.getMetadata().getAnnotations(), endpoints);
    }

    /** One planner endpoint per address of every endpoint in the slice. */
    static List<ServiceState.Endpoint> endpoints(EndpointSlice slice) {
        Map<String, ServiceState.EndpointPort> ports = new HashMap<>();
        if (slice.getPorts() != null) {
            for (EndpointPort p : slice.getPorts()) {
                if (p.getPort() != null) {
                    ports.put(nz(p.getName()), new ServiceState.EndpointPort(
                            p.getProtocol() == null ? "TCP" : p.getProtocol(), p.getPort()));
                }
            }
        }
        List<ServiceState.Endpoint> out = new ArrayList<>();
        if (slice.getEndpoints() == null) {
            return out;
        }
        for (Endpoint e : slice.getEndpoints()) {
            EndpointConditions c = e.getConditions();
            boolean ready = c == null || c.getReady() == null || c.getReady();
            boolean serving = c == null || c.getServing() == null ? ready : c.getServing();
            boolean terminating = c != null && Boolean.TRUE.equals(c.getTerminating());
            for (String address : e.getAddresses() == null ? List.<String>of() : e.getAddresses()) {
                out.add(new ServiceState.Endpoint(address, nz(e.getNodeName()), ready, serving, terminating, ports));
            }
        }
        return out;
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
