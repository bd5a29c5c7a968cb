package dev.ingot.bgp.bfd;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-peer series of MetalLB's FRR mode, under the same names and the same {@code peer} label so
 * existing dashboards keep working: {@code metallb_bfd_session_up}, {@code metallb_bfd_control_packet_input},
 * {@code metallb_bfd_control_packet_output}, {@code metallb_bfd_session_up_events},
 * {@code metallb_bfd_session_down_events}. The four counts are registered as gauges holding a
 * monotonically increasing value: a Micrometer counter would be exposed by the Prometheus registry
 * with a {@code _total} suffix, which MetalLB's names do not have. Plus Ingot's own
 * {@code ingot_bfd_control_packets_discarded} counter by RFC rule. Sessions to one peer from several
 * local addresses share the peer's series (MetalLB labels by peer only).
 */
final class BfdMetrics {
    private final MeterRegistry registry;
    private final Map<String, PeerMeters> byPeer = new HashMap<>();

    BfdMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    final class PeerMeters {
        final String peer;
        /** Sessions to this peer that are Up; the gauge shows 1 if any is. */
        final AtomicLong up = new AtomicLong();
        final AtomicLong input = new AtomicLong();
        final AtomicLong output = new AtomicLong();
        final AtomicLong upEvents = new AtomicLong();
        final AtomicLong downEvents = new AtomicLong();
        private final List<Meter> meters = new ArrayList<>();
        private int users;

        PeerMeters(String peer) {
            this.peer = peer;
            meters.add(Gauge.builder("metallb_bfd_session_up", up, v -> v.get() > 0 ? 1 : 0)
                    .description("BFD session state (1 is up, 0 is down)").tag("peer", peer).register(registry));
            gauge("metallb_bfd_control_packet_input", "Number of received BFD control packets", input);
            gauge("metallb_bfd_control_packet_output", "Number of sent BFD control packets", output);
            gauge("metallb_bfd_session_up_events", "Number of BFD session up events", upEvents);
            gauge("metallb_bfd_session_down_events", "Number of BFD session down events", downEvents);
        }

        private void gauge(String name, String help, AtomicLong value) {
            meters.add(Gauge.builder(name, value, AtomicLong::get).description(help).tag("peer", peer)
                    .register(registry));
        }
    }

    synchronized PeerMeters acquire(String peer) {
        PeerMeters m = byPeer.computeIfAbsent(peer, PeerMeters::new);
        m.users++;
        return m;
    }

    synchronized void release(PeerMeters m) {
        if (--m.users == 0) {
            byPeer.remove(m.peer);
            m.meters.forEach(registry::remove);
        }
    }

    void discarded(BfdDiscard reason) {
        Counter.builder("ingot_bfd_control_packets_discarded")
                .description("BFD control packets discarded, by the RFC 5880 rule they broke")
                .tag("reason", reason.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry).increment();
    }
}
