package dev.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ingot status}: one table per node, read from every speaker's /status endpoint. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show every node's BGP sessions, BFD, memberlist view and what it announces.",
                "Exit status: 0 all speakers answered and every session is Established, 1 otherwise, 2 usage."})
final class StatusCommand implements Callable<Integer> {
    @Mixin ClusterAccess cluster;
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        boolean healthy = true;
        try (KubernetesClient client = cluster.client()) {
            List<ClusterAccess.Speaker> speakers = cluster.speakers(client);
            if (speakers.isEmpty()) {
                out.println("no speaker pods (" + cluster.speakerLabels + ") in namespace " + cluster.namespace);
                return 1;
            }
            for (ClusterAccess.Speaker s : speakers) {
                out.println();
                if (s.status() == null) {
                    out.printf("%s (%s)  speaker %s: %s%n", s.node(), s.address(), s.pod(), s.error());
                    healthy = false;
                    continue;
                }
                JsonNode st = s.status();
                int announced = 0;
                for (JsonNode svc : st.path("services")) {
                    announced += svc.path("announced").asBoolean() ? 1 : 0;
                }
                JsonNode ml = st.path("memberlist");
                out.printf("%s (%s)  %s  config %s  announcing %d of %d services  dataplane %s%s%n", s.node(),
                        s.address(), st.path("ready").asBoolean() ? "ready" : "NOT READY",
                        st.path("configStale").asBoolean() ? "STALE (last good in force)" : "ok", announced,
                        st.path("services").size(), st.path("dataplane").path("mode").asText("?"),
                        ml.isMissingNode() ? "" : "  memberlist " + ml.path("alive").size() + " alive"
                                + (ml.path("dead").isEmpty() ? "" : ", dead: " + join(ml.path("dead"))));
                out.printf("  %-26s %-10s %-12s %-9s %6s %6s  %s%n", "PEER", "ASN", "STATE", "UPTIME", "SENT",
                        "RCVD", "BFD");
                for (JsonNode p : st.path("peers")) {
                    String state = p.path("state").asText();
                    healthy &= state.equals("ESTABLISHED");
                    out.printf("  %-26s %-10s %-12s %-9s %6d %6d  %s%n", p.path("peer").asText(),
                            p.path("peerAsn").asText(), pretty(state), uptime(p.path("since").asText(), state),
                            p.path("prefixesSent").asInt(), p.path("prefixesReceived").asInt(),
                            p.path("bfd").asText("-"));
                    if (!p.path("lastError").asText().isEmpty() && !state.equals("ESTABLISHED")) {
                        out.printf("  %-26s last: %s%n", "", p.path("lastError").asText());
                    }
                }
                if (st.path("peers").isEmpty()) {
                    out.println("  (no peer selects this node)");
                }
                for (JsonNode w : st.path("kubeProxy").path("warnings")) {
                    out.println("  WARNING kube-proxy: " + w.asText());
                }
            }
        }
        return healthy ? 0 : 1;
    }

    static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        array.forEach(n -> b.append(b.isEmpty() ? "" : ",").append(n.asText()));
        return b.toString();
    }

    static String pretty(String state) {
        return switch (state) {
            case "ESTABLISHED" -> "Established";
            case "OPEN_SENT" -> "OpenSent";
            case "OPEN_CONFIRM" -> "OpenConfirm";
            case "" -> "?";
            default -> state.charAt(0) + state.substring(1).toLowerCase(java.util.Locale.ROOT);
        };
    }

    static String uptime(String since, String state) {
        if (!state.equals("ESTABLISHED") || since.isEmpty() || since.equals("null")) {
            return "-";
        }
        Duration d = Duration.between(Instant.parse(since), Instant.now());
        long s = d.getSeconds();
        return s >= 3600 ? (s / 3600) + "h" + (s % 3600 / 60) + "m" : s >= 60 ? (s / 60) + "m" + (s % 60) + "s"
                : s + "s";
    }
}
