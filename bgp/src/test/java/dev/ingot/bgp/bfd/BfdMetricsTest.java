package dev.ingot.bgp.bfd;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** The names a Prometheus scrape shows are exactly MetalLB's FRR-mode names (no _total suffix). */
class BfdMetricsTest {
    @Test
    void scrapeShowsMetallbNamesWithThePeerLabel() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        BfdMetrics metrics = new BfdMetrics(registry);
        BfdMetrics.PeerMeters m = metrics.acquire("10.10.2.210");
        BfdMetrics.PeerMeters same = metrics.acquire("10.10.2.210"); // a second session to the same peer
        m.up.incrementAndGet();
        m.input.addAndGet(12);
        m.output.addAndGet(13);
        m.upEvents.incrementAndGet();
        m.downEvents.addAndGet(2);
        metrics.discarded(BfdDiscard.NO_SESSION);
        String scrape = registry.scrape();
        assertThat(scrape).contains(
                "metallb_bfd_session_up{peer=\"10.10.2.210\"} 1",
                "metallb_bfd_control_packet_input{peer=\"10.10.2.210\"} 12",
                "metallb_bfd_control_packet_output{peer=\"10.10.2.210\"} 13",
                "metallb_bfd_session_up_events{peer=\"10.10.2.210\"} 1",
                "metallb_bfd_session_down_events{peer=\"10.10.2.210\"} 2",
                "ingot_bfd_control_packets_discarded_total{reason=\"no_session\"} 1");
        metrics.release(same);
        assertThat(registry.scrape()).contains("metallb_bfd_session_up{peer=\"10.10.2.210\"} 1");
        metrics.release(m);
        assertThat(registry.scrape()).doesNotContain("metallb_bfd_");
    }
}
