package dev.ingot.controller;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;

/** Reads a fabric8 {@link Service} into the controller's {@link ServiceView}: the one edge between the two. */
public final class ServiceViews {
    private ServiceViews() {}

    public static ServiceView of(Service s) {
        ServiceSpec spec = s.getSpec() == null ? new ServiceSpec() : s.getSpec();
        List<String> clusterIPs = spec.getClusterIPs() != null && !spec.getClusterIPs().isEmpty()
                ? spec.getClusterIPs()
                : spec.getClusterIP() == null || spec.getClusterIP().isEmpty() ? List.of() : List.of(spec.getClusterIP());
        List<Port> ports = new ArrayList<>();
        if (spec.getPorts() != null) {
            for (ServicePort p : spec.getPorts()) {
                if (p.getPort() != null) {
                    ports.add(new Port(p.getProtocol(), p.getPort()));
                }
            }
        }
        return new ServiceView(s.getMetadata().getNamespace(), s.getMetadata().getName(), spec.getType(), clusterIPs,
                spec.getLoadBalancerIP(), spec.getLoadBalancerClass(), s.getMetadata().getAnnotations(),
                spec.getExternalTrafficPolicy(), spec.getSelector(), ports, ingressIps(s));
    }

    /** The non-empty status.loadBalancer.ingress[].ip values (hostname entries are not addresses). */
    public static List<String> ingressIps(Service s) {
        List<String> out = new ArrayList<>();
        if (s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                && s.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress i : s.getStatus().getLoadBalancer().getIngress()) {
                if (i.getIp() != null && !i.getIp().isEmpty()) {
                    out.add(i.getIp());
                }
            }
        }
        return out;
    }
}
