package dev.ingot.bgp;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A Prometheus scrape shows MetalLB's exact series names and label, so its dashboards and alerts keep working. */
class MetricsScrapeTest {
    @Test
    void scrapeShowsMetallbNames() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (SessionManager m = SessionManager.builder().meterRegistry(registry).build()) {
            m.setPeers(List.of(SessionConfig.builder(InetAddress.getByName("192.0.2.1"), 65000, 65001).passive(true).build()));
            m.setAdvertisements(List.of(Advertisement.of("172.19.100.1/32"), Advertisement.of("172.19.100.2/32")));
            String scrape = registry.scrape();
            assertThat(scrape).contains("metallb_bgp_session_up{peer=\"192.0.2.1:179\"} 0.0");
            assertThat(scrape).contains("metallb_bgp_pending_prefixes_total{peer=\"192.0.2.1:179\"} 2.0");
            assertThat(scrape).contains("metallb_bgp_announced_prefixes_total{peer=\"192.0.2.1:179\"} 0.0");
            assertThat(scrape).doesNotContain("metallb_bgp_announced_prefixes{").doesNotContain("metallb_bgp_pending_prefixes{");
            assertThat(scrape).contains("metallb_bgp_updates_total{peer=\"192.0.2.1:179\"} 0.0");
            assertThat(scrape).contains("ingot_bgp_session_state{peer=\"192.0.2.1:179\"} 3.0"); // Active
        }
    }
}
