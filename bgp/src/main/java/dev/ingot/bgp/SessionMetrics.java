package dev.ingot.bgp;

import dev.ingot.bgp.codec.BgpMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A session's meters. MetalLB's names and label ({@code peer}) so its dashboards and the MetalLBBGPSessionDown alert
 * keep working, plus {@code ingot_bgp_*} for messages by type, NOTIFICATIONs and the last error. Names are as a
 * Prometheus scrape shows them (see MetricsScrapeTest); in other registries the two prefix counts appear without
 * the {@code _total} suffix.
 */
final class SessionMetrics {
    private final MeterRegistry registry;
    private final String peer;
    private final List<Meter> meters = new ArrayList<>();
    private final Counter updatesSent;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    final AtomicLong lastErrorCode = new AtomicLong();
    final AtomicLong lastErrorSubcode = new AtomicLong();
    final AtomicLong lastErrorEpochSeconds = new AtomicLong();

    SessionMetrics(MeterRegistry registry, PeerSession s) {
        this.registry = registry;
        this.peer = s.peer();
        meters.add(Gauge.builder("metallb_bgp_session_up", s, x -> x.state() == SessionState.ESTABLISHED ? 1 : 0)
                .description("BGP session state (1 is up, 0 is down)").tag("peer", peer).register(registry));
        // MetalLB's gauges named *_total: a Micrometer gauge loses that suffix in the Prometheus registry (it is
        // reserved for counters there), so they are function counters named without it, which the registry
        // exposes as exactly MetalLB's series name. The value still goes up and down like MetalLB's gauge.
        meters.add(FunctionCounter.builder("metallb_bgp_announced_prefixes", s, x -> x.announcedPrefixes())
                .description("Number of prefixes currently being advertised on the BGP session").tag("peer", peer).register(registry));
        meters.add(FunctionCounter.builder("metallb_bgp_pending_prefixes", s, x -> x.pendingPrefixes())
                .description("Number of prefixes that should be advertised on the BGP session").tag("peer", peer).register(registry));
        updatesSent = Counter.builder("metallb_bgp_updates_total").description("Number of BGP UPDATE messages sent")
                .tag("peer", peer).register(registry);
        meters.add(updatesSent);
        meters.add(Gauge.builder("ingot_bgp_session_state", s, x -> x.state().ordinal() + 1)
                .description("RFC 4273 bgpPeerState: 1 idle .. 6 established").tag("peer", peer).register(registry));
        meters.add(Gauge.builder("ingot_bgp_received_prefixes", s, PeerSession::receivedPrefixes)
                .description("Prefixes the peer announced to us (validated, not installed)").tag("peer", peer).register(registry));
        meters.add(Gauge.builder("ingot_bgp_last_error_code", lastErrorCode, AtomicLong::get)
                .description("NOTIFICATION error code of the last error on the session, sent or received (0: none)").tag("peer", peer).register(registry));
        meters.add(Gauge.builder("ingot_bgp_last_error_subcode", lastErrorSubcode, AtomicLong::get)
                .description("NOTIFICATION error subcode of the last error").tag("peer", peer).register(registry));
        meters.add(Gauge.builder("ingot_bgp_last_error_timestamp_seconds", lastErrorEpochSeconds, AtomicLong::get)
                .description("When the last error happened (Unix time)").tag("peer", peer).register(registry));
    }

    void sent(BgpMessage m) {
        if (m instanceof BgpMessage.Update) updatesSent.increment();
        counter("ingot_bgp_messages_sent_total", m.typeName()).increment();
        if (m instanceof BgpMessage.Notification n) error(n);
    }

    void received(BgpMessage m) {
        counter("ingot_bgp_messages_received_total", m.typeName()).increment();
        if (m instanceof BgpMessage.Notification n) error(n);
    }

    void treatAsWithdraw() {
        counter("ingot_bgp_treat_as_withdraw_total", null).increment();
    }

    private void error(BgpMessage.Notification n) {
        lastErrorCode.set(n.code());
        lastErrorSubcode.set(n.subcode());
        lastErrorEpochSeconds.set(System.currentTimeMillis() / 1000);
    }

    private Counter counter(String name, String type) {
        return counters.computeIfAbsent(name + "/" + type, k -> {
            Counter.Builder b = Counter.builder(name).tag("peer", peer);
            if (type != null) b.tag("type", type);
            Counter c = b.register(registry);
            synchronized (meters) { meters.add(c); }
            return c;
        });
    }

    void close() {
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
