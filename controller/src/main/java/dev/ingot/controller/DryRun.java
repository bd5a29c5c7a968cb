package dev.ingot.controller;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ingot.config.Config;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceList;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The controller offline: the same {@link Balancer} run over a list of Services (as {@code kubectl get svc -A -o
 * yaml} prints them, status included), Services holding addresses first, then by namespace/name. It tells what
 * the controller would write and raise, or why it would refuse the config.
 */
public final class DryRun {
    private DryRun() {}

    /** One LoadBalancer Service's outcome: its resulting ingress addresses and the Events the controller raises. */
    public record ServiceResult(String namespace, String name, List<String> ingress, List<Balancer.Event> events) {}

    /**
     * The outcome for the whole list.
     *
     * @param rejected true when the controller would refuse the config (invalid, or stranding these Services)
     * @param errors why, one entry per problem
     * @param services every LoadBalancer Service this controller serves, in processing order
     */
    public record Report(boolean rejected, List<String> errors, List<ServiceResult> services) {
        /** The documented JSON: {@code {"rejected", "errors", "services": [{namespace, name, ingress, events}]}}. */
        public String toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("rejected", rejected);
            m.put("errors", errors);
            m.put("services", services.stream().map(s -> {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("namespace", s.namespace());
                o.put("name", s.name());
                o.put("ingress", s.ingress());
                o.put("events", s.events().stream().map(e -> {
                    Map<String, Object> ev = new LinkedHashMap<>();
                    ev.put("type", e.type());
                    ev.put("reason", e.reason());
                    ev.put("message", e.message());
                    return ev;
                }).toList());
                return o;
            }).toList());
            try {
                return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        /** One line per Service ({@code ns/name  ip[,ip]} or {@code <none>}), its Events indented below. */
        public String toText() {
            StringBuilder b = new StringBuilder();
            if (rejected) {
                b.append("config rejected: the controller would keep its last good config\n");
                errors.forEach(e -> b.append("  ").append(e).append('\n'));
            }
            for (ServiceResult s : services) {
                b.append(s.namespace()).append('/').append(s.name()).append("  ")
                        .append(s.ingress().isEmpty() ? "<none>" : String.join(",", s.ingress())).append('\n');
                s.events().forEach(e -> b.append("  ").append(e.type()).append(' ').append(e.reason()).append(": ")
                        .append(e.message()).append('\n'));
            }
            return b.toString();
        }
    }

    /** Reads a Service List, a ServiceList, a single Service or a multi-document YAML of them. */
    public static List<ServiceView> readServices(String yaml) {
        Object parsed;
        try {
            parsed = new KubernetesSerialization().unmarshal(yaml);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a Kubernetes List of Services: " + e.getMessage(), e);
        }
        List<Object> items = new ArrayList<>();
        switch (parsed) {
            case KubernetesList l -> items.addAll(l.getItems());
            case ServiceList l -> items.addAll(l.getItems());
            case List<?> l -> items.addAll(l);
            case null -> { }
            default -> items.add(parsed);
        }
        List<ServiceView> out = new ArrayList<>();
        for (Object o : items) {
            if (o instanceof Service s) {
                out.add(ServiceViews.of(s));
            } else if (!(o instanceof HasMetadata)) {
                throw new IllegalArgumentException("not a Kubernetes object: " + o);
            }
        }
        return out;
    }

    /** What the controller would do with this config and these Services. */
    public static Report run(Config config, List<ServiceView> services, String loadBalancerClass) {
        Balancer b = new Balancer(loadBalancerClass);
        List<ServiceView> order = Balancer.sorted(services.stream().filter(v -> v.isLoadBalancer() && b.serves(v))
                .toList());
        Balancer.ConfigResult r = b.setConfig(config, services);
        if (r instanceof Balancer.Rejected(List<String> errors)) {
            return unchanged(errors, order);
        }
        List<ServiceResult> results = new ArrayList<>();
        for (ServiceView v : order) {
            Balancer.Outcome o = b.converge(v.key(), v);
            results.add(new ServiceResult(v.namespace(), v.name(), o.ingress(), o.events()));
        }
        return new Report(false, List.of(), results);
    }

    /** The report for a config that does not even parse: rejected, every Service as it is. */
    public static Report invalidConfig(List<String> errors, List<ServiceView> services, String loadBalancerClass) {
        Balancer b = new Balancer(loadBalancerClass);
        return unchanged(errors, Balancer.sorted(services.stream().filter(v -> v.isLoadBalancer() && b.serves(v))
                .toList()));
    }

    private static Report unchanged(List<String> errors, List<ServiceView> order) {
        return new Report(true, errors, order.stream().map(v -> new ServiceResult(v.namespace(), v.name(),
                v.ingressIps(), List.of())).toList());
    }
}
