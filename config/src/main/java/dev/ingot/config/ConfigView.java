package dev.ingot.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The normalised configuration as plain maps and lists, in the shape {@code ingot config check -o json} prints
 * (docs/configuration.md): what operators and tests compare. Passwords appear only as {@code passwordSet}.
 */
public final class ConfigView {
    private ConfigView() {}


    public static Map<String, Object> of(Config c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peers", c.peers().stream().map(ConfigView::peer).toList());
        m.put("pools", c.pools().stream().map(ConfigView::pool).toList());
        m.put("bfdProfiles", c.bfdProfiles().stream().map(ConfigView::bfd).toList());
        Map<String, String> communities = new LinkedHashMap<>();
        c.communities().forEach((k, v) -> communities.put(k, v.toString()));
        m.put("communities", communities);
        return m;
    }

    public static Map<String, Object> peer(Peer p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("myAsn", p.myAsn());
        m.put("peerAsn", p.peerAsn());
        m.put("peerAddress", IpAddresses.format(p.peerAddress()));
        m.put("peerPort", p.peerPort());
        m.put("holdTimeSeconds", p.holdTime().getSeconds());
        m.put("keepaliveTimeSeconds", p.keepaliveTime().getSeconds());
        m.put("routerId", p.routerId().map(IpAddresses::format).orElse(null));
        m.put("sourceAddress", p.sourceAddress().map(IpAddresses::format).orElse(null));
        m.put("ebgpMultihop", p.ebgpMultihop());
        m.put("passwordSet", p.password().isPresent());
        m.put("bfdProfile", p.bfdProfile().orElse(null));
        m.put("nodeSelectors", p.nodeSelectors().stream().map(ConfigView::selector).toList());
        return m;
    }

    public static Map<String, Object> selector(NodeSelector s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("matchLabels", s.matchLabels());
        m.put("matchExpressions", s.matchExpressions().stream().map(r -> {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("key", r.key());
            e.put("operator", r.operator().text());
            e.put("values", List.copyOf(r.values()));
            return e;
        }).toList());
        return m;
    }

    public static Map<String, Object> pool(Pool p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("protocol", p.protocol().toString());
        m.put("cidrs", p.cidrs().stream().map(Object::toString).toList());
        m.put("avoidBuggyIps", p.avoidBuggyIps());
        m.put("autoAssign", p.autoAssign());
        m.put("advertisements", p.advertisements().stream().map(ConfigView::advertisement).toList());
        return m;
    }

    public static Map<String, Object> advertisement(Advertisement a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("aggregationLength", a.aggregationLength());
        m.put("aggregationLengthV6", a.aggregationLengthV6());
        m.put("localPref", a.localPref());
        m.put("communities", a.communities().stream().map(Object::toString).toList());
        return m;
    }

    public static Map<String, Object> bfd(BfdProfile b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("receiveInterval", b.receiveIntervalMs());
        m.put("transmitInterval", b.transmitIntervalMs());
        m.put("detectMultiplier", b.detectMultiplier());
        m.put("echoInterval", b.echoIntervalMs());
        m.put("echoMode", b.echoMode());
        m.put("passiveMode", b.passiveMode());
        m.put("minimumTtl", b.minimumTtl());
        return m;
    }
}
