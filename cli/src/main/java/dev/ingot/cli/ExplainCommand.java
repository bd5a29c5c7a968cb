package dev.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ingot.config.Advertisement;
import dev.ingot.config.ConfigParser;
import dev.ingot.config.IpAddresses;
import dev.ingot.config.Pool;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ingot explain NAMESPACE/NAME}: the whole chain for one Service's VIP, in one view. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain one LoadBalancer Service: its pool and why that IP (or why none), which nodes "
                + "announce it and why the others do not, to which peers with which attributes, whether each "
                + "session is up, and the IPVS real servers on each node.",
                "Exit status: 0 announced by at least one node, 1 not announced, 2 usage or not found."})
final class ExplainCommand implements Callable<Integer> {
    @Mixin ClusterAccess cluster;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAMESPACE/NAME", description = "The Service.")
    String service;

    static final Map<String, String> REASONS = Map.of(
            "noEndpoints", "no ready (or terminating but still serving) endpoint anywhere",
            "noLocalEndpoints", "externalTrafficPolicy is Local and no ready endpoint runs on this node",
            "excludedNode", "the node is labelled node.kubernetes.io/exclude-from-external-load-balancers",
            "ipNotAllowed", "the IP is in no pool of the configuration in force",
            "layer2Pool", "the pool is a layer2 pool; Ingot's speaker announces BGP pools",
            "noIPAllocated", "the controller has not assigned an IP yet",
            "otherLoadBalancerClass", "the Service asks for another spec.loadBalancerClass",
            "notLoadBalancer", "the Service is not of type LoadBalancer",
            "invalidIP", "the Service's status holds a malformed IP");

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String[] nn = service.split("/", 2);
        if (nn.length != 2) {
            spec.commandLine().getErr().println("ingot: give the Service as NAMESPACE/NAME");
            return 2;
        }
        try (KubernetesClient client = cluster.client()) {
            Service svc = client.services().inNamespace(nn[0]).withName(nn[1]).get();
            if (svc == null) {
                spec.commandLine().getErr().println("ingot: no Service " + service);
                return 2;
            }
            var sp = svc.getSpec();
            Map<String, String> ann = svc.getMetadata().getAnnotations() == null ? Map.of()
                    : svc.getMetadata().getAnnotations();
            out.printf("Service %s  type %s  externalTrafficPolicy %s%s%n", service, sp.getType(),
                    sp.getExternalTrafficPolicy() == null ? "Cluster" : sp.getExternalTrafficPolicy(),
                    sp.getLoadBalancerClass() == null ? "" : "  loadBalancerClass " + sp.getLoadBalancerClass());
            List<String> ips = new ArrayList<>();
            if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null
                    && svc.getStatus().getLoadBalancer().getIngress() != null) {
                for (LoadBalancerIngress i : svc.getStatus().getLoadBalancer().getIngress()) {
                    if (i.getIp() != null) {
                        ips.add(i.getIp());
                    }
                }
            }

            out.println();
            out.println("1. Address");
            ConfigMap cm = client.configMaps().inNamespace(cluster.namespace).withName("config").get();
            var parsed = cm == null || cm.getData() == null || cm.getData().get("config") == null ? null
                    : ConfigParser.parseDocument(cm.getData().get("config"));
            if (ips.isEmpty()) {
                out.println("   no external IP assigned.");
            }
            for (String ip : ips) {
                out.printf("   %s%s%n", ip, why(sp, ann, svc));
                if (parsed instanceof ConfigParser.Valid(var config) && IpAddresses.isLiteral(ip)) {
                    Pool pool = config.pools().stream().filter(p -> p.contains(IpAddresses.parse(ip))).findFirst()
                            .orElse(null);
                    if (pool == null) {
                        out.println("   in no pool of the current config");
                    } else {
                        out.printf("   pool %s (%s, %s%s)%n", pool.name(), pool.protocol(),
                                String.join(" ", pool.cidrs().stream().map(Object::toString).toList()),
                                pool.autoAssign() ? "" : ", auto-assign off");
                        for (Advertisement a : pool.advertisements()) {
                            out.printf("   advertised as /%d%s%s%n", IpAddresses.parse(ip).getAddress().length == 4
                                    ? a.aggregationLength() : a.aggregationLengthV6(),
                                    a.localPref() == 0 ? "" : ", localpref " + a.localPref(),
                                    a.communities().isEmpty() ? "" : ", communities " + a.communities());
                        }
                    }
                }
            }
            if (parsed instanceof ConfigParser.Invalid(var errors)) {
                out.println("   the ConfigMap's current text is invalid (" + errors.size()
                        + " errors; `ingot config check` lists them): the last good config is in force");
            }
            List<Event> events = new ArrayList<>(client.v1().events().inNamespace(nn[0]).list().getItems().stream()
                    .filter(e -> nn[1].equals(e.getInvolvedObject().getName())
                            && "Service".equals(e.getInvolvedObject().getKind())).toList());
            events.sort(Comparator.comparing(e -> String.valueOf(e.getLastTimestamp())));
            for (Event e : events) {
                out.printf("   event %s %s: %s%n", e.getType(), e.getReason(), e.getMessage());
            }

            out.println();
            out.println("2. Nodes");
            boolean announced = false;
            List<ClusterAccess.Speaker> speakers = cluster.speakers(client);
            for (ClusterAccess.Speaker s : speakers) {
                if (s.status() == null) {
                    out.printf("   %-12s ? speaker %s: %s%n", s.node(), s.pod(), s.error());
                    continue;
                }
                JsonNode decision = null;
                for (JsonNode d : s.status().path("services")) {
                    if (d.path("service").asText().equals(service)) {
                        decision = d;
                    }
                }
                if (decision == null) {
                    out.printf("   %-12s does not know the Service yet%n", s.node());
                    continue;
                }
                if (!decision.path("announced").asBoolean()) {
                    String r = decision.path("reason").asText();
                    out.printf("   %-12s does not announce: %s (%s)%n", s.node(), r, REASONS.getOrDefault(r, r));
                    continue;
                }
                announced = true;
                out.printf("   %-12s announces%n", s.node());
                for (JsonNode route : s.status().path("routes")) {
                    boolean ours = false;
                    for (JsonNode owner : route.path("services")) {
                        ours |= owner.asText().equals(service);
                    }
                    if (ours) {
                        out.printf("      route %s%s%s%n", route.path("prefix").asText(),
                                route.path("localPref").asLong() == 0 ? "" : " localpref "
                                        + route.path("localPref").asLong(),
                                route.path("communities").isEmpty() ? "" : " communities "
                                        + StatusCommand.join(route.path("communities")));
                    }
                }
                for (JsonNode p : s.status().path("peers")) {
                    out.printf("      to peer %s AS %s: %s, %d prefixes sent%s%n", p.path("peer").asText(),
                            p.path("peerAsn").asText(), StatusCommand.pretty(p.path("state").asText()),
                            p.path("prefixesSent").asInt(), p.path("bfd").isMissingNode() ? ""
                                    : ", BFD " + p.path("bfd").asText());
                }
                JsonNode plane = s.status().path("dataplane");
                boolean shown = false;
                for (JsonNode vs : plane.path("virtualServices")) {
                    if (ips.contains(vs.path("vip").asText())) {
                        shown = true;
                        out.printf("      IPVS %s %s:%d %s ->%s%n", vs.path("protocol").asText(),
                                vs.path("vip").asText(), vs.path("port").asInt(), vs.path("scheduler").asText(),
                                reals(vs.path("realServers")));
                    }
                }
                if (!shown) {
                    out.printf("      dataplane %s%s%n", plane.path("mode").asText("?"),
                            plane.path("mode").asText().equals("none") ? " (the VIP is left to kube-proxy)" : "");
                }
            }
            if (speakers.isEmpty()) {
                out.println("   no speaker pods found");
            }
            return announced ? 0 : 1;
        }
    }

    private static String reals(JsonNode rs) {
        if (rs.isEmpty()) {
            return " (no real servers)";
        }
        StringBuilder b = new StringBuilder();
        rs.forEach(r -> b.append(' ').append(r.path("address").asText()).append(':').append(r.path("port").asInt())
                .append(" w").append(r.path("weight").asInt()).append(r.path("node").asText().isEmpty() ? ""
                        : " (" + r.path("node").asText() + ")"));
        return b.toString();
    }

    /** Why the Service has this IP, from what it asked for. */
    private static String why(io.fabric8.kubernetes.api.model.ServiceSpec sp, Map<String, String> ann, Service svc) {
        for (String prefix : List.of("metallb.io/", "metallb.universe.tf/")) {
            if (ann.containsKey(prefix + "loadBalancerIPs")) {
                return "  (requested by annotation " + prefix + "loadBalancerIPs)";
            }
        }
        if (sp.getLoadBalancerIP() != null && !sp.getLoadBalancerIP().isBlank()) {
            return "  (requested by spec.loadBalancerIP)";
        }
        String shared = ann.getOrDefault("metallb.io/allow-shared-ip", ann.get("metallb.universe.tf/allow-shared-ip"));
        String pool = ann.getOrDefault("metallb.io/address-pool", ann.get("metallb.universe.tf/address-pool"));
        String s = pool != null ? "  (first free address of pool \"" + pool + "\", asked for by annotation)"
                : "  (first free address of the first auto-assign pool with room; pools are tried in config order)";
        return shared != null ? s + "; sharing key \"" + shared + "\"" : s;
    }
}
