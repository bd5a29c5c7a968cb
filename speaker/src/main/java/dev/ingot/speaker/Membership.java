package dev.ingot.speaker;

import dev.ingot.memberlist.Member;
import dev.ingot.memberlist.MemberEvent;
import dev.ingot.memberlist.Memberlist;
import dev.ingot.memberlist.MemberlistConfig;
import dev.ingot.memberlist.wire.Keyring;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The speakers' gossip (hashicorp/memberlist protocol, MetalLB's settings): joins the other speaker pods, and
 * tells the planner which nodes memberlist has declared dead, so that their endpoints stop getting traffic within
 * seconds instead of the 40 s or more Kubernetes takes. A speaker that leaves gracefully (rolling update, drain) is
 * not dead: its node's pods keep serving.
 */
final class Membership implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Membership.class);

    private final Memberlist memberlist;
    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> labels;
    private final Set<String> dead = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService joins = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "memberlist-join");
        t.setDaemon(true);
        return t;
    });
    private volatile List<String> candidates = List.of();

    Membership(String node, InetAddress bind, int port, String secret, String keyVersion, KubernetesClient client,
               String namespace, String labelSelector, MeterRegistry registry, Runnable changed) throws IOException {
        this.client = client;
        this.namespace = namespace;
        this.labels = selector(labelSelector);
        MemberlistConfig cfg = MemberlistConfig.lan(node, bind).withPort(port);
        if (secret != null && !secret.isEmpty()) {
            cfg = cfg.withKeys(List.of(Keyring.metallbKey(secret, keyVersion)));
        } else {
            LOG.warn("event=memberlistUnencrypted reason=\"no --ml-secret-key (METALLB_ML_SECRET_KEY): gossip is not "
                    + "encrypted\"");
        }
        memberlist = Memberlist.start(cfg, registry);
        memberlist.subscribe(e -> {
            Member m = e.member();
            boolean wasDead = dead.contains(m.name());
            if (e.kind() == MemberEvent.Kind.LEAVE && m.state() == Member.State.DEAD) {
                dead.add(m.name());
            } else if (e.kind() != MemberEvent.Kind.UPDATE) {
                dead.remove(m.name());
            }
            LOG.info("event=member{} node={} addr={} state={}", switch (e.kind()) {
                case JOIN -> "Join";
                case UPDATE -> "Update";
                case LEAVE -> "Leave";
            }, m.name(), m.address(), m.state());
            if (wasDead != dead.contains(m.name()) || e.kind() != MemberEvent.Kind.UPDATE) {
                changed.run();
            }
        });
        // MetalLB: the speaker pods are listed at start and every 5 minutes; those not yet members are joined
        // every minute
        joins.scheduleWithFixedDelay(this::refreshCandidates, 0, 5, TimeUnit.MINUTES);
        joins.scheduleWithFixedDelay(this::joinMissing, 1, 60, TimeUnit.SECONDS);
    }

    static Map<String, String> selector(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : s.split(",")) {
            if (!kv.isBlank()) {
                String[] p = kv.split("=", 2);
                m.put(p[0].strip(), p.length > 1 ? p[1].strip() : "");
            }
        }
        return m;
    }

    private void refreshCandidates() {
        try {
            List<String> ips = new ArrayList<>();
            for (Pod p : client.pods().inNamespace(namespace).withLabels(labels).list().getItems()) {
                String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
                if (ip != null && !ip.isEmpty()) {
                    ips.add(ip);
                }
            }
            candidates = ips;
            joinMissing();
        } catch (RuntimeException e) {
            LOG.warn("event=memberlistListFailed error={}", Speaker.quote(String.valueOf(e)));
        }
    }

    private void joinMissing() {
        Set<String> known = new TreeSet<>();
        for (Member m : memberlist.members()) {
            known.add(m.addr().getHostAddress());
        }
        List<String> missing = candidates.stream().filter(ip -> !known.contains(ip)).toList();
        if (missing.isEmpty()) {
            return;
        }
        try {
            int n = memberlist.join(missing);
            LOG.info("event=memberlistJoin joined={} tried={}", n, missing.size());
        } catch (IOException e) {
            LOG.warn("event=memberlistJoinFailed addresses={} error={}", missing, Speaker.quote(e.getMessage()));
        }
    }

    /** Nodes memberlist has declared dead (a graceful leave is not death). */
    Set<String> deadNodes() {
        return Set.copyOf(dead);
    }

    Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alive", memberlist.members().stream().map(Member::name).sorted().toList());
        m.put("dead", new TreeSet<>(dead));
        m.put("healthScore", memberlist.healthScore());
        return m;
    }

    @Override
    public void close() {
        joins.shutdownNow();
        memberlist.leave(Duration.ofSeconds(1));
        memberlist.close();
    }
}
