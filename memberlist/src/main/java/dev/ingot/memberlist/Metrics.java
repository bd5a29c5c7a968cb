package dev.ingot.memberlist;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The module's metrics: {@code ingot_memberlist_members} (alive + suspect, ourselves included),
 * {@code ingot_memberlist_probe_failures_total}, {@code ingot_memberlist_health_score} (Lifeguard's local health,
 * 0 = healthy) and {@code ingot_memberlist_packets_dropped_total{reason}}.
 */
final class Metrics {
    private final MeterRegistry registry;
    private final AtomicInteger members = new AtomicInteger(), health = new AtomicInteger();
    private final Counter probeFailures;

    Metrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("ingot.memberlist.members", members, AtomicInteger::get)
                .description("Members this node sees alive or suspect, itself included").register(registry);
        Gauge.builder("ingot.memberlist.health.score", health, AtomicInteger::get)
                .description("Lifeguard local health: 0 is healthy; each step stretches the probe interval").register(registry);
        probeFailures = Counter.builder("ingot.memberlist.probe.failures")
                .description("Probes that got no ack, direct, indirect or over TCP").register(registry);
    }

    void members(int n) { members.set(n); }

    void health(int score) { health.set(score); }

    void probeFailed() { probeFailures.increment(); }

    void dropped(String reason) {
        Counter.builder("ingot.memberlist.packets.dropped").tag("reason", reason)
                .description("Packets and streams dropped because they could not be read").register(registry).increment();
    }
}
