package dev.ingot.speaker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.config.Cidr;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubeProxyCheckTest {
    static final List<Cidr> POOLS = List.of(Cidr.parse("172.19.100.0/24"), Cidr.parse("fd00:100::/120"));

    static KubeProxyCheck.Result check(String yaml, String dataplane, List<String> without, List<String> with) {
        return KubeProxyCheck.check(yaml, "unreadable", dataplane, POOLS, without, with);
    }

    @Test
    void unreadableConfigIsUnknownAndWarnsNothing() {
        KubeProxyCheck.Result r = KubeProxyCheck.check(null, "ConfigMap kube-system/kube-proxy not found", "ipvs",
                POOLS, List.of("demo/web"), List.of());
        assertThat(r.mode()).isEqualTo("unknown");
        assertThat(r.note()).contains("not found");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void invalidYamlIsUnknown() {
        KubeProxyCheck.Result r = check("mode: [ipvs", "ipvs", List.of(), List.of());
        assertThat(r.mode()).isEqualTo("unknown");
        assertThat(r.note()).contains("not valid YAML");
    }

    @Test
    void ipvsModeWithoutExclusionNamesEveryUncoveredPool() {
        KubeProxyCheck.Result r = check("""
                apiVersion: kubeproxy.config.k8s.io/v1alpha1
                kind: KubeProxyConfiguration
                mode: ipvs
                ipvs:
                  excludeCIDRs: ["172.19.0.0/16"]
                """, "ipvs", List.of(), List.of());
        assertThat(r.mode()).isEqualTo("ipvs");
        assertThat(r.warnings()).singleElement().extracting(KubeProxyCheck.Warning::message).asString()
                .contains("fd00:100::/120")
                .doesNotContain("172.19.100.0/24").contains("ipvs.excludeCIDRs");
    }

    @Test
    void ipvsModeWithEveryPoolExcludedAndProxyModeIsClean() {
        KubeProxyCheck.Result r = check("""
                mode: "ipvs"
                ipvs: {excludeCIDRs: [172.19.100.0/25, 172.19.100.0/24, "fd00::/16"], strictARP: true}
                """, "ipvs", List.of(), List.of("demo/web"));
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void aPartlyCoveringExclusionDoesNotCount() {
        KubeProxyCheck.Result r = check("mode: ipvs\nipvs: {excludeCIDRs: [172.19.100.0/25, fd00:100::/120]}\n",
                "ipvs", List.of(), List.of());
        assertThat(r.warnings()).singleElement().extracting(KubeProxyCheck.Warning::message).asString()
                .contains("172.19.100.0/24");
    }

    @Test
    void iptablesIsTheDefaultModeAndNeedsIpModeProxy() {
        KubeProxyCheck.Result r = check("kind: KubeProxyConfiguration\nmode: \"\"\n", "ipvs",
                List.of("a/1", "a/2", "a/3", "a/4"), List.of("b/1"));
        assertThat(r.mode()).isEqualTo("iptables");
        assertThat(r.warnings()).singleElement().extracting(KubeProxyCheck.Warning::message).asString()
                .contains("4 Services (a/1, a/2, a/3, …)")
                .contains("--ip-mode-proxy");
    }

    @Test
    void nftablesWithProxyModeEverywhereIsClean() {
        assertThat(check("mode: nftables\n", "ipvs", List.of(), List.of("a/1")).warnings()).isEmpty();
    }

    @Test
    void ipvsModeCanHaveBothProblems() {
        assertThat(check("mode: ipvs\n", "ipvs", List.of("a/1"), List.of()).warnings())
                .extracting(KubeProxyCheck.Warning::kind).containsExactly("excludeCidrsMissing", "ipModeProxyMissing");
    }

    @Test
    void dataplaneNoneLeavesVipsToKubeProxyUnlessTheyCarryProxyMode() {
        assertThat(check("mode: ipvs\n", "none", List.of("a/1"), List.of()).warnings()).isEmpty();
        assertThat(check("mode: iptables\n", "none", List.of(), List.of("a/1")).warnings()).singleElement()
                .extracting(KubeProxyCheck.Warning::message).asString().contains("1 Service (a/1)")
                .contains("nothing forwards");
    }

    @Test
    void coversComparesFamiliesAndBounds() {
        assertThat(KubeProxyCheck.covers(Cidr.parse("0.0.0.0/0"), Cidr.parse("10.0.0.0/8"))).isTrue();
        assertThat(KubeProxyCheck.covers(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"))).isFalse();
        assertThat(KubeProxyCheck.covers(Cidr.parse("10.0.0.0/9"), Cidr.parse("10.0.0.0/8"))).isFalse();
        assertThat(KubeProxyCheck.covers(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.0.0.0/8"))).isTrue();
    }
}
