package dev.ingot.controller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The controller's metrics under MetalLB's names, so existing dashboards and alerts keep working, plus
 * {@code ingot_controller_*} for what is new. Micrometer renders everything except the two allocator gauges: the
 * Prometheus client Micrometer uses refuses a gauge whose name ends in {@code _total}, and MetalLB's names do, so
 * those two families are rendered here from a snapshot the worker publishes.
 */
public final class ControllerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final Counter updates;
    final Counter updateErrors;
    final Counter statusWrites;
    final AtomicInteger configLoaded = new AtomicInteger();
    final AtomicInteger configStale = new AtomicInteger();
    final AtomicInteger leader = new AtomicInteger();
    private volatile Map<String, long[]> pools = Map.of();

    public ControllerMetrics() {
        updates = Counter.builder("metallb_k8s_client_updates").description("Number of k8s object updates that have "
                + "been processed.").register(registry);
        updateErrors = Counter.builder("metallb_k8s_client_update_errors").description("Number of k8s object "
                + "updates that failed for some reason.").register(registry);
        Gauge.builder("metallb_k8s_client_config_loaded_bool", configLoaded, AtomicInteger::get)
                .description("1 if the MetalLB configuration was successfully loaded at least once.").register(registry);
        Gauge.builder("metallb_k8s_client_config_stale_bool", configStale, AtomicInteger::get)
                .description("1 if running on a stale configuration, because the latest config failed to load.")
                .register(registry);
        Gauge.builder("ingot_controller_leader", leader, AtomicInteger::get)
                .description("1 while this replica holds the leader Lease and writes.").register(registry);
        statusWrites = Counter.builder("ingot_controller_status_writes").description("Service status writes that "
                + "succeeded.").register(registry);
    }

    /** Publishes the allocator's per-pool figures (called by the worker, the only thread touching the allocator). */
    void publish(Allocator a) {
        if (a == null) {
            return;
        }
        Map<String, long[]> m = new LinkedHashMap<>();
        a.config().pools().forEach(p -> m.put(p.name(), new long[] {a.addressesTotal(p.name()),
                a.addressesInUse(p.name())}));
        pools = m;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        StringBuilder b = new StringBuilder(registry.scrape());
        Map<String, long[]> snapshot = pools;
        family(b, snapshot, "metallb_allocator_addresses_total", "Number of usable IP addresses, per pool", 0);
        family(b, snapshot, "metallb_allocator_addresses_in_use_total", "Number of IP addresses in use, per pool", 1);
        return b.toString();
    }

    private static void family(StringBuilder b, Map<String, long[]> pools, String name, String help, int i) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
        pools.forEach((pool, v) -> b.append(name).append("{pool=\"").append(escape(pool)).append("\"} ")
                .append(v[i]).append('\n'));
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
