package dev.ingot.controller;

import dev.ingot.config.Config;
import dev.ingot.config.ConfigParser;
import java.util.List;
import java.util.Map;

/** Configs and Services for tests, written the way operators write them. */
final class TestConfigs {
    private TestConfigs() {}

    static Config parse(String yaml) {
        ConfigParser.Result r = ConfigParser.parse(yaml);
        if (r instanceof ConfigParser.Valid(Config c)) {
            return c;
        }
        throw new IllegalArgumentException("test config is invalid: " + r);
    }

    /** Pools as {@code name: [cidr, ...]} lines: "pool1 1.2.3.0/31 1000::/127", flags "!auto", "buggy". */
    static Config pools(String... lines) {
        StringBuilder b = new StringBuilder("address-pools:\n");
        for (String line : lines) {
            String[] f = line.split(" ");
            b.append("- name: ").append(f[0]).append("\n  protocol: bgp\n  addresses:\n");
            boolean auto = true;
            boolean buggy = false;
            for (int i = 1; i < f.length; i++) {
                switch (f[i]) {
                    case "!auto" -> auto = false;
                    case "buggy" -> buggy = true;
                    default -> b.append("  - ").append(f[i]).append('\n');
                }
            }
            b.append("  auto-assign: ").append(auto).append('\n');
            b.append("  avoid-buggy-ips: ").append(buggy).append('\n');
        }
        return parse(b.toString());
    }

    static ServiceView lb(String key, String... clusterIPs) {
        String[] nn = key.split("/");
        return new ServiceView(nn[0], nn[1], "LoadBalancer", List.of(clusterIPs), null, null, Map.of(), "Cluster",
                Map.of("app", nn[1]), List.of(new Port("TCP", 80)), List.of());
    }

    static ServiceView withAnnotations(ServiceView v, Map<String, String> a) {
        return new ServiceView(v.namespace(), v.name(), v.type(), v.clusterIPs(), v.loadBalancerIP(),
                v.loadBalancerClass(), a, v.externalTrafficPolicy(), v.selector(), v.ports(), v.ingressIps());
    }

    static ServiceView withLbIP(ServiceView v, String ip) {
        return new ServiceView(v.namespace(), v.name(), v.type(), v.clusterIPs(), ip, v.loadBalancerClass(),
                v.annotations(), v.externalTrafficPolicy(), v.selector(), v.ports(), v.ingressIps());
    }

    static ServiceView withType(ServiceView v, String type) {
        return new ServiceView(v.namespace(), v.name(), type, v.clusterIPs(), v.loadBalancerIP(),
                v.loadBalancerClass(), v.annotations(), v.externalTrafficPolicy(), v.selector(), v.ports(),
                v.ingressIps());
    }

    static ServiceView withClass(ServiceView v, String cls) {
        return new ServiceView(v.namespace(), v.name(), v.type(), v.clusterIPs(), v.loadBalancerIP(), cls,
                v.annotations(), v.externalTrafficPolicy(), v.selector(), v.ports(), v.ingressIps());
    }

    static ServiceView withPorts(ServiceView v, Port... ports) {
        return new ServiceView(v.namespace(), v.name(), v.type(), v.clusterIPs(), v.loadBalancerIP(),
                v.loadBalancerClass(), v.annotations(), v.externalTrafficPolicy(), v.selector(), List.of(ports),
                v.ingressIps());
    }

    static ServiceView local(ServiceView v, Map<String, String> selector) {
        return new ServiceView(v.namespace(), v.name(), v.type(), v.clusterIPs(), v.loadBalancerIP(),
                v.loadBalancerClass(), v.annotations(), "Local", selector, v.ports(), v.ingressIps());
    }
}
