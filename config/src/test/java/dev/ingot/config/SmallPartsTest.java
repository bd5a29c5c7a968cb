package dev.ingot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SmallPartsTest {

    @ParameterizedTest
    @CsvSource({"90s, 90000", "3m, 180000", "1h2m3s, 3723000", "1.5s, 1500", "500ms, 500", "0, 0", "-2s, -2000",
            "1000us, 1", "1000000ns, 1", ".5s, 500", "2µs, 0"})
    void goDurations(String in, long millis) {
        assertThat(GoDuration.parse(in).toMillis()).isEqualTo(millis);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "90", "s", "1x", "1.2.3s", "--1s", "1s2", " 1s"})
    void badGoDurations(String in) {
        assertThatThrownBy(() -> GoDuration.parse(in)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void goDurationFormat() {
        assertThat(GoDuration.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(GoDuration.format(Duration.ofSeconds(3600))).isEqualTo("1h0m0s");
        assertThat(GoDuration.format(Duration.ZERO)).isEqualTo("0s");
    }

    @Test
    void communities() {
        assertThat(Community.parse("65535:0")).isEqualTo(Community.GRACEFUL_SHUTDOWN);
        assertThat(Community.parse("1:2").toString()).isEqualTo("1:2");
        assertThat(((Community.Standard) Community.parse("1:2")).value()).isEqualTo(65538);
        assertThat(Community.parse("4294967295:0:1")).isEqualTo(new Community.Large(4294967295L, 0, 1));
        for (String bad : List.of("", "1", "1:", ":1", "65536:0", "0:65536", "a:b", "1:2:3:4", "-1:2", "+1:2",
                "4294967296:0:0")) {
            assertThatThrownBy(() -> Community.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void nodeSelectorsMatchLikeKubernetes() {
        Map<String, String> node = Map.of("rack", "a", "zone", "z1");
        assertThat(NodeSelector.EVERYTHING.matches(Map.of())).isTrue();
        assertThat(new NodeSelector(Map.of("rack", "a"), List.of()).matches(node)).isTrue();
        assertThat(new NodeSelector(Map.of("rack", "b"), List.of()).matches(node)).isFalse();
        assertThat(req("rack", NodeSelector.Operator.IN, "a", "b").matches(node)).isTrue();
        assertThat(req("rack", NodeSelector.Operator.IN, "b").matches(node)).isFalse();
        assertThat(req("missing", NodeSelector.Operator.IN, "b").matches(node)).isFalse();
        assertThat(req("rack", NodeSelector.Operator.NOT_IN, "a").matches(node)).isFalse();
        assertThat(req("missing", NodeSelector.Operator.NOT_IN, "a").matches(node)).isTrue();
        assertThat(req("zone", NodeSelector.Operator.EXISTS).matches(node)).isTrue();
        assertThat(req("zone", NodeSelector.Operator.DOES_NOT_EXIST).matches(node)).isFalse();
        // labels and expressions are ANDed within one selector
        NodeSelector both = new NodeSelector(Map.of("rack", "a"),
                List.of(new NodeSelector.Requirement("zone", NodeSelector.Operator.IN, Set.of("z2"))));
        assertThat(both.matches(node)).isFalse();
    }

    @Test
    void peerSelectsWhenAnySelectorMatches() {
        var result = ConfigParser.parseDocument("""
                peers:
                - my-asn: 1
                  peer-asn: 2
                  peer-address: 10.0.0.1
                  node-selectors:
                  - match-labels: {rack: a}
                  - match-labels: {rack: b}
                """);
        Peer p = ((ConfigParser.Valid) result).config().peers().getFirst();
        assertThat(p.selects(Map.of("rack", "a"))).isTrue();
        assertThat(p.selects(Map.of("rack", "b"))).isTrue();
        assertThat(p.selects(Map.of("rack", "c"))).isFalse();
    }

    @Test
    void passwordIsNeverPrinted() {
        var result = ConfigParser.parseDocument("peers: [{my-asn: 1, peer-asn: 2, peer-address: 10.0.0.1, "
                + "password: hunter2}]");
        Peer p = ((ConfigParser.Valid) result).config().peers().getFirst();
        assertThat(p.toString()).doesNotContain("hunter2");
        assertThat(p.password().orElseThrow().value()).isEqualTo("hunter2");
    }

    @Test
    void poolMembershipHonoursAvoidBuggyIps() {
        var config = ((ConfigParser.Valid) ConfigParser.parseDocument("""
                address-pools:
                - {name: a, protocol: bgp, addresses: [10.0.0.0/24], avoid-buggy-ips: true}
                """)).config();
        Pool pool = config.pool("a").orElseThrow();
        assertThat(pool.contains(IpAddresses.parse("10.0.0.0"))).isFalse();
        assertThat(pool.contains(IpAddresses.parse("10.0.0.255"))).isFalse();
        assertThat(pool.contains(IpAddresses.parse("10.0.0.1"))).isTrue();
        assertThat(pool.contains(IpAddresses.parse("10.0.1.1"))).isFalse();
    }

    private static NodeSelector req(String key, NodeSelector.Operator op, String... values) {
        return new NodeSelector(Map.of(), List.of(new NodeSelector.Requirement(key, op, Set.of(values))));
    }
}
