package dev.ingot.config;

import static dev.ingot.config.StrictYaml.index;
import static dev.ingot.config.StrictYaml.join;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * The one validation of MetalLB's {@code config} document, used by the controller, the speaker and the CLI alike.
 * It applies every rule MetalLB v0.12 applies (see docs/configuration.md), reports every error rather than the first,
 * and fixes MetalLB's known bugs: mixed-family ranges and IPv6 router IDs are errors rather than silently ignored.
 * Because Ingot's speaker implements them, keepalive-time, BFD profiles and IPv6 BGP pools are accepted.
 */
public final class ConfigParser {
    private ConfigParser() {}

    /** The outcome of a parse: a valid configuration or every error found. */
    public sealed interface Result permits Valid, Invalid {}

    /** A valid configuration. */
    public record Valid(Config config) implements Result {}

    /** An invalid configuration, with every error, in document order. */
    public record Invalid(List<ConfigError> errors) implements Result {
        public Invalid {
            errors = List.copyOf(errors);
        }
    }

    /** RFC 6793's placeholder AS number. */
    static final long AS_TRANS = 23456;

    /** TCP_MD5SIG_MAXKEYLEN: the kernel refuses longer MD5 keys. */
    static final int MAX_PASSWORD_BYTES = 80;

    private static final Set<String> TOP = Set.of("peers", "bgp-communities", "address-pools", "bfd-profiles");
    private static final Set<String> PEER = Set.of("my-asn", "peer-asn", "peer-address", "peer-port", "hold-time",
            "keepalive-time", "router-id", "source-address", "node-selectors", "password", "bfd-profile",
            "ebgp-multihop");
    private static final Set<String> SELECTOR = Set.of("match-labels", "match-expressions");
    private static final Set<String> EXPRESSION = Set.of("key", "operator", "values");
    private static final Set<String> POOL = Set.of("name", "protocol", "addresses", "avoid-buggy-ips",
            "auto-assign", "bgp-advertisements");
    private static final Set<String> ADVERTISEMENT = Set.of("aggregation-length", "aggregation-length-v6",
            "localpref", "communities");
    private static final Set<String> BFD = Set.of("name", "receive-interval", "transmit-interval",
            "detect-multiplier", "echo-interval", "echo-mode", "passive-mode", "minimum-ttl");

    /**
     * Parses a ConfigMap manifest (as {@code kubectl get cm config -o yaml} prints it; JSON works too) or a bare
     * config document.
     */
    public static Result parse(String text) {
        Node root;
        try {
            root = StrictYaml.compose(text);
        } catch (StrictYaml.SyntaxError e) {
            return new Invalid(List.of(e.error));
        }
        if (root instanceof org.yaml.snakeyaml.nodes.MappingNode m && looksLikeManifest(m)) {
            return parseManifest(root);
        }
        return parseTree(root, 0);
    }

    /** Parses a bare config document: the value of the ConfigMap's {@code data.config}. */
    public static Result parseDocument(String configYaml) {
        try {
            return parseTree(StrictYaml.compose(configYaml), 0);
        } catch (StrictYaml.SyntaxError e) {
            return new Invalid(List.of(e.error));
        }
    }

    private static boolean looksLikeManifest(org.yaml.snakeyaml.nodes.MappingNode m) {
        return m.getValue().stream().anyMatch(t -> t.getKeyNode() instanceof ScalarNode k
                && Set.of("apiVersion", "kind", "data", "metadata").contains(k.getValue()));
    }

    private static Result parseManifest(Node root) {
        StrictYaml y = new StrictYaml();
        Map<String, Node> top = y.mapping(root, "", null, "a Kubernetes object");
        String kind = top.containsKey("kind") ? y.string(top.get("kind"), "kind") : "";
        if ("List".equals(kind)) {
            List<Node> items = y.sequence(top.get("items"), "items", "the list's items");
            List<Node> cms = new ArrayList<>();
            for (Node item : items == null ? List.<Node>of() : items) {
                Map<String, Node> fields = new StrictYaml().mapping(item, "", null, "an object");
                if (fields != null && fields.get("kind") instanceof ScalarNode k && k.getValue().equals("ConfigMap")) {
                    cms.add(item);
                }
            }
            if (cms.size() != 1) {
                return new Invalid(List.of(new ConfigError("items", 0, "expected exactly one ConfigMap in the List, found "
                        + cms.size())));
            }
            return parseManifest(cms.getFirst());
        }
        if (!"ConfigMap".equals(kind)) {
            return new Invalid(List.of(new ConfigError("kind", 0, "expected a ConfigMap (or a bare config document), "
                    + "found kind \"" + kind + "\"")));
        }
        Map<String, Node> data = y.mapping(top.get("data"), "data", null, "the ConfigMap's data");
        if (data == null) {
            return new Invalid(y.errors);
        }
        Node config = data.get("config");
        if (config == null) {
            return new Invalid(List.of(new ConfigError("data", 0, "the ConfigMap has no key \"config\" in data; "
                    + "MetalLB's configuration lives under data.config")));
        }
        if (!(config instanceof ScalarNode s)) {
            return new Invalid(List.of(new ConfigError("data.config", config.getStartMark().getLine() + 1,
                    "expected the config document as a string (data.config: |), found a structure")));
        }
        int offset = config.getStartMark().getLine()
                + (s.getScalarStyle() == DumperOptions.ScalarStyle.LITERAL
                || s.getScalarStyle() == DumperOptions.ScalarStyle.FOLDED ? 1 : 0);
        try {
            return parseTree(StrictYaml.compose(s.getValue()), offset);
        } catch (StrictYaml.SyntaxError e) {
            ConfigError err = e.error;
            return new Invalid(List.of(new ConfigError(err.path(), err.line() > 0 ? err.line() + offset : 0,
                    err.message())));
        }
    }

    private static Result parseTree(Node root, int lineOffset) {
        Run run = new Run();
        Config config = run.config(root);
        if (run.y.errors.isEmpty()) {
            return new Valid(config);
        }
        List<ConfigError> errors = new ArrayList<>();
        for (ConfigError e : run.y.errors) {
            errors.add(lineOffset > 0 && e.line() > 0 ? new ConfigError(e.path(), e.line() + lineOffset,
                    e.message()) : e);
        }
        errors.sort(Comparator.comparingInt((ConfigError e) -> e.line() == 0 ? Integer.MAX_VALUE : e.line()));
        return new Invalid(errors);
    }

    /** One parse: the error list and the cross-section state. */
    private static final class Run {
        final StrictYaml y = new StrictYaml();

        Config config(Node root) {
            Map<String, Node> top = y.mapping(root, "", TOP, "the config document");
            if (top == null) {
                return Config.EMPTY;
            }
            List<BfdProfile> bfd = bfdProfiles(top.get("bfd-profiles"));
            List<Peer> peers = peers(top.get("peers"), bfd);
            Map<String, Community> aliases = communities(top.get("bgp-communities"));
            List<Pool> pools = pools(top.get("address-pools"), aliases);
            return new Config(peers, aliases, pools, bfd);
        }

        // ---- bfd-profiles -------------------------------------------------------------------------------------

        List<BfdProfile> bfdProfiles(Node n) {
            List<Node> items = y.sequence(n, "bfd-profiles", "bfd-profiles");
            List<BfdProfile> out = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                String path = index("bfd-profiles", i);
                Map<String, Node> f = y.mapping(items.get(i), path, BFD, "a BFD profile");
                if (f == null) {
                    continue;
                }
                int before = y.errors.size();
                String name = f.containsKey("name") ? y.string(f.get("name"), join(path, "name")) : "";
                if (name != null && name.isEmpty()) {
                    y.error(items.get(i), join(path, "name"), "missing BFD profile name");
                } else if (name != null && !names.add(name)) {
                    y.error(f.get("name"), join(path, "name"), "BFD profile \"" + name + "\" is defined twice");
                }
                int rx = interval(f, path, "receive-interval", 10, 60000, 300);
                int tx = interval(f, path, "transmit-interval", 10, 60000, 300);
                int mult = interval(f, path, "detect-multiplier", 2, 255, 3);
                int echo = interval(f, path, "echo-interval", 10, 60000, 50);
                int ttl = interval(f, path, "minimum-ttl", 1, 254, 254);
                Boolean echoMode = f.containsKey("echo-mode") ? y.bool(f.get("echo-mode"), join(path, "echo-mode"))
                        : Boolean.FALSE;
                if (Boolean.TRUE.equals(echoMode)) {
                    y.error(f.get("echo-mode"), join(path, "echo-mode"), "echo-mode: true is not supported: Ingot "
                            + "does not implement the BFD Echo function (RFC 5880 §6.4); remove echo-mode or set it "
                            + "to false (asynchronous mode with the intervals above detects failures on its own)");
                }
                Boolean passive = f.containsKey("passive-mode")
                        ? y.bool(f.get("passive-mode"), join(path, "passive-mode")) : Boolean.FALSE;
                if (y.errors.size() == before) {
                    out.add(new BfdProfile(name, rx, tx, mult, echo, echoMode, passive, ttl));
                }
            }
            return out;
        }

        private int interval(Map<String, Node> f, String path, String key, int min, int max, int dflt) {
            Node n = f.get(key);
            if (StrictYaml.isNull(n)) {
                return dflt;
            }
            String p = join(path, key);
            Long v = y.unsigned(n, p, 0xffff_ffffL, "a whole number");
            if (v == null) {
                return dflt;
            }
            if (v < min || v > max) {
                y.error(n, p, key + " " + v + " is out of range: it must be in " + min + "-" + max);
                return dflt;
            }
            return v.intValue();
        }

        // ---- peers --------------------------------------------------------------------------------------------

        List<Peer> peers(Node n, List<BfdProfile> bfd) {
            List<Node> items = y.sequence(n, "peers", "peers");
            List<Peer> out = new ArrayList<>();
            Map<Peer, Integer> seen = new HashMap<>();
            Set<String> profiles = new TreeSet<>();
            bfd.forEach(b -> profiles.add(b.name()));
            for (int i = 0; items != null && i < items.size(); i++) {
                String path = index("peers", i);
                Peer p = peer(items.get(i), path, profiles);
                if (p == null) {
                    continue;
                }
                Integer first = seen.putIfAbsent(p, i);
                if (first != null) {
                    y.error(items.get(i), path, "this peer is the same as peers[" + first + "] (peer-address "
                            + IpAddresses.format(p.peerAddress()) + "); remove one of them");
                    continue;
                }
                out.add(p);
            }
            return out;
        }

        private Peer peer(Node item, String path, Set<String> profiles) {
            Map<String, Node> f = y.mapping(item, path, PEER, "a peer");
            if (f == null) {
                return null;
            }
            int before = y.errors.size();
            long myAsn = asn(f, item, path, "my-asn", "missing local ASN (my-asn)");
            long peerAsn = asn(f, item, path, "peer-asn", "missing peer ASN (peer-asn)");
            Boolean multihop = f.containsKey("ebgp-multihop")
                    ? y.bool(f.get("ebgp-multihop"), join(path, "ebgp-multihop")) : Boolean.FALSE;
            if (Boolean.TRUE.equals(multihop) && myAsn != 0 && myAsn == peerAsn) {
                y.error(f.get("ebgp-multihop"), join(path, "ebgp-multihop"),
                        "ebgp-multihop is set for an iBGP peer (my-asn equals peer-asn " + myAsn + ")");
            }
            InetAddress peerAddress = null;
            String addr = y.string(f.get("peer-address"), join(path, "peer-address"));
            if (addr != null) {
                if (addr.isEmpty()) {
                    y.error(f.getOrDefault("peer-address", item), join(path, "peer-address"),
                            "missing peer-address");
                } else {
                    peerAddress = ip(f.get("peer-address"), join(path, "peer-address"), addr, "invalid peer IP");
                }
            }
            Long port = f.containsKey("peer-port")
                    ? y.unsigned(f.get("peer-port"), join(path, "peer-port"), 65535, "a TCP port (0-65535)") : Long.valueOf(0);
            Duration hold = holdTime(f.get("hold-time"), join(path, "hold-time"));
            Duration keepalive = hold == null ? null
                    : keepalive(f.get("keepalive-time"), join(path, "keepalive-time"), hold);
            Optional<Inet4Address> routerId = Optional.empty();
            String rid = y.string(f.get("router-id"), join(path, "router-id"));
            if (rid != null && !rid.isEmpty()) {
                InetAddress a = ip(f.get("router-id"), join(path, "router-id"), rid, "invalid router ID");
                if (a instanceof Inet4Address v4) {
                    routerId = Optional.of(v4);
                } else if (a != null) {
                    y.error(f.get("router-id"), join(path, "router-id"), "invalid router ID \"" + rid
                            + "\": a BGP router ID is a 32-bit value written as an IPv4 address");
                }
            }
            Optional<InetAddress> source = Optional.empty();
            String src = y.string(f.get("source-address"), join(path, "source-address"));
            if (src != null && !src.isEmpty()) {
                source = Optional.ofNullable(ip(f.get("source-address"), join(path, "source-address"), src,
                        "invalid source IP"));
            }
            List<NodeSelector> selectors = nodeSelectors(f.get("node-selectors"), join(path, "node-selectors"));
            Optional<Peer.Secret> password = Optional.empty();
            Node pw = f.get("password");
            if (pw != null) {
                String s = StrictYaml.isNull(pw) ? "" : pw instanceof ScalarNode sn ? sn.getValue() : null;
                if (s == null) {
                    y.error(pw, join(path, "password"), "expected a string (the TCP MD5 key), found a structure");
                } else if (s.getBytes(StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
                    y.error(pw, join(path, "password"), "the password is longer than " + MAX_PASSWORD_BYTES
                            + " bytes, the Linux kernel's limit for a TCP MD5 key");
                } else if (!s.isEmpty()) {
                    password = Optional.of(new Peer.Secret(s));
                }
            }
            Optional<String> bfdProfile = Optional.empty();
            String prof = y.string(f.get("bfd-profile"), join(path, "bfd-profile"));
            if (prof != null && !prof.isEmpty()) {
                if (!profiles.contains(prof)) {
                    y.error(f.get("bfd-profile"), join(path, "bfd-profile"), "bfd-profile \"" + prof
                            + "\" is not defined in bfd-profiles" + (profiles.isEmpty() ? ""
                            : " (defined: " + String.join(", ", profiles) + ")"));
                } else {
                    bfdProfile = Optional.of(prof);
                }
            }
            if (y.errors.size() != before) {
                return null;
            }
            return new Peer(myAsn, peerAsn, peerAddress, port == 0 ? 179 : port.intValue(), hold, keepalive,
                    routerId, source, selectors, password, bfdProfile, multihop);
        }

        private long asn(Map<String, Node> f, Node item, String path, String key, String missing) {
            Node n = f.get(key);
            Long v = y.unsigned(n, join(path, key), 0xffff_ffffL, "an AS number (1-4294967295)");
            if (v != null && v == 0) {
                y.error(n == null ? item : n, join(path, key), missing);
            } else if (v != null && v == AS_TRANS) {
                y.error(n, join(path, key), "AS 23456 is AS_TRANS (RFC 6793), a placeholder for 4-octet AS numbers in "
                        + "2-octet fields: it cannot be a real AS number");
            }
            return v == null ? 0 : v;
        }

        private InetAddress ip(Node n, String path, String text, String what) {
            try {
                return IpAddresses.parse(text);
            } catch (IllegalArgumentException e) {
                y.error(n, path, what + " \"" + text + "\": not an IPv4 or IPv6 address");
                return null;
            }
        }

        private Duration holdTime(Node n, String path) {
            String s = y.string(n, path);
            if (s == null) {
                return null;
            }
            if (s.isEmpty()) {
                return Duration.ofSeconds(90);
            }
            Duration d;
            try {
                d = GoDuration.parse(s);
            } catch (IllegalArgumentException e) {
                y.error(n, path, "invalid hold time \"" + s + "\": " + e.getMessage()
                        + " (write a duration such as 90s or 3m)");
                return null;
            }
            Duration rounded = GoDuration.wholeSeconds(d);
            if (rounded.isNegative() || (!rounded.isZero() && rounded.getSeconds() < 3)) {
                y.error(n, path, "invalid hold time \"" + s + "\": must be 0 or >=3s");
                return null;
            }
            return rounded;
        }

        private Duration keepalive(Node n, String path, Duration hold) {
            String s = y.string(n, path);
            if (s == null) {
                return null;
            }
            if (s.isEmpty()) {
                return GoDuration.wholeSeconds(hold.dividedBy(3));
            }
            Duration d;
            try {
                d = GoDuration.parse(s);
            } catch (IllegalArgumentException e) {
                y.error(n, path, "invalid keepalive time \"" + s + "\": " + e.getMessage());
                return null;
            }
            Duration rounded = GoDuration.wholeSeconds(d);
            if (rounded.isNegative()) {
                y.error(n, path, "invalid keepalive time \"" + s + "\": must not be negative");
                return null;
            }
            if (rounded.compareTo(hold) > 0) {
                y.error(n, path, "invalid keepalive time \"" + s + "\": must not be longer than the hold time ("
                        + GoDuration.format(hold) + ")");
                return null;
            }
            return rounded;
        }

        private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
        private static final Pattern DNS1123 = Pattern.compile(
                "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

        List<NodeSelector> nodeSelectors(Node n, String path) {
            List<Node> items = y.sequence(n, path, "node-selectors");
            List<NodeSelector> out = new ArrayList<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                String p = index(path, i);
                Map<String, Node> f = y.mapping(items.get(i), p, SELECTOR, "a node selector");
                if (f == null) {
                    continue;
                }
                Map<String, String> labels = new LinkedHashMap<>();
                Map<String, Node> ml = y.mapping(f.get("match-labels"), join(p, "match-labels"), null,
                        "match-labels");
                if (ml != null) {
                    ml.forEach((k, v) -> {
                        String kp = join(join(p, "match-labels"), k);
                        String val = y.string(v, kp);
                        if (checkKey(v, kp, k) && val != null && checkValue(v, kp, val)) {
                            labels.put(k, val);
                        }
                    });
                }
                List<NodeSelector.Requirement> reqs = new ArrayList<>();
                List<Node> exprs = y.sequence(f.get("match-expressions"), join(p, "match-expressions"),
                        "match-expressions");
                for (int j = 0; exprs != null && j < exprs.size(); j++) {
                    NodeSelector.Requirement r = requirement(exprs.get(j), index(join(p, "match-expressions"), j));
                    if (r != null) {
                        reqs.add(r);
                    }
                }
                out.add(new NodeSelector(labels, reqs));
            }
            return out.isEmpty() ? List.of(NodeSelector.EVERYTHING) : out;
        }

        private NodeSelector.Requirement requirement(Node n, String path) {
            Map<String, Node> f = y.mapping(n, path, EXPRESSION, "a match expression");
            if (f == null) {
                return null;
            }
            int before = y.errors.size();
            String key = y.string(f.get("key"), join(path, "key"));
            if (key != null) {
                checkKey(f.getOrDefault("key", n), join(path, "key"), key);
            }
            String opText = y.string(f.get("operator"), join(path, "operator"));
            NodeSelector.Operator op = opText == null ? null : NodeSelector.Operator.of(opText);
            if (opText != null && op == null) {
                y.error(f.getOrDefault("operator", n), join(path, "operator"), (opText.isEmpty()
                        ? "missing operator" : "\"" + opText + "\" is not a valid selector operator")
                        + " (use In, NotIn, Exists or DoesNotExist)");
            }
            List<String> values = new ArrayList<>();
            List<Node> vs = y.sequence(f.get("values"), join(path, "values"), "values");
            for (int i = 0; vs != null && i < vs.size(); i++) {
                String v = y.string(vs.get(i), index(join(path, "values"), i));
                if (v != null && checkValue(vs.get(i), index(join(path, "values"), i), v)) {
                    values.add(v);
                }
            }
            if (op == NodeSelector.Operator.IN || op == NodeSelector.Operator.NOT_IN) {
                if (values.isEmpty() && vs != null && vs.isEmpty()) {
                    y.error(f.getOrDefault("values", n), join(path, "values"),
                            "values must not be empty for the " + op.text() + " operator");
                }
            } else if (op != null && vs != null && !vs.isEmpty()) {
                y.error(f.get("values"), join(path, "values"), "values must be empty for the " + op.text()
                        + " operator");
            }
            return y.errors.size() == before ? new NodeSelector.Requirement(key, op, new LinkedHashSet<>(values))
                    : null;
        }

        /** A Kubernetes label key: an optional DNS-subdomain prefix and "/", then a name of at most 63 chars. */
        private boolean checkKey(Node n, String path, String key) {
            String prefix = null;
            String name = key;
            int slash = key.indexOf('/');
            if (slash >= 0) {
                prefix = key.substring(0, slash);
                name = key.substring(slash + 1);
            }
            String problem = null;
            if (name.isEmpty()) {
                problem = "the name part must not be empty";
            } else if (name.length() > 63) {
                problem = "the name part must be no more than 63 characters";
            } else if (!NAME.matcher(name).matches()) {
                problem = "the name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
                        + "and end with an alphanumeric character";
            } else if (prefix != null && (prefix.isEmpty() || prefix.length() > 253
                    || !DNS1123.matcher(prefix).matches())) {
                problem = "the prefix part must be a lowercase DNS subdomain (such as example.com)";
            }
            if (problem != null) {
                y.error(n, path, "invalid label key \"" + key + "\": " + problem);
                return false;
            }
            return true;
        }

        private boolean checkValue(Node n, String path, String v) {
            if (v.length() > 63 || (!v.isEmpty() && !NAME.matcher(v).matches())) {
                y.error(n, path, "invalid label value \"" + v + "\": it must be no more than 63 characters, "
                        + "consist of alphanumeric characters, '-', '_' or '.', and start and end with an "
                        + "alphanumeric character");
                return false;
            }
            return true;
        }

        // ---- bgp-communities ----------------------------------------------------------------------------------

        Map<String, Community> communities(Node n) {
            Map<String, Community> out = new LinkedHashMap<>();
            Map<String, Node> f = y.mapping(n, "bgp-communities", null, "bgp-communities (alias: value)");
            if (f == null) {
                return out;
            }
            f.forEach((alias, v) -> {
                String path = join("bgp-communities", alias);
                String s = y.string(v, path);
                if (s == null) {
                    return;
                }
                try {
                    out.put(alias, Community.parse(s));
                } catch (IllegalArgumentException e) {
                    y.error(v, path, "community alias \"" + alias + "\": " + e.getMessage());
                }
            });
            return out;
        }

        // ---- address-pools ------------------------------------------------------------------------------------

        /** A CIDR with where it came from, for overlap messages. */
        private record Placed(Cidr cidr, String pool, String path) {}

        /** One {@code addresses} entry that parsed: its index, its text and its CIDRs. */
        private record Entry(int index, String text, List<Cidr> cidrs) {}

        List<Pool> pools(Node n, Map<String, Community> aliases) {
            List<Node> items = y.sequence(n, "address-pools", "address-pools");
            List<Pool> out = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            List<Placed> placed = new ArrayList<>();
            for (int i = 0; items != null && i < items.size(); i++) {
                String path = index("address-pools", i);
                Map<String, Node> f = y.mapping(items.get(i), path, POOL, "an address pool");
                if (f == null) {
                    continue;
                }
                int before = y.errors.size();
                String name = y.string(f.get("name"), join(path, "name"));
                if (name != null && name.isEmpty()) {
                    y.error(f.getOrDefault("name", items.get(i)), join(path, "name"), "missing pool name");
                } else if (name != null && names.putIfAbsent(name, i) != null) {
                    y.error(f.get("name"), join(path, "name"), "duplicate definition of pool \"" + name
                            + "\" (first defined at address-pools[" + names.get(name) + "])");
                }
                String poolName = name == null ? "" : name;
                // addresses: each entry's CIDRs, kept per entry for the aggregation-length check
                List<Entry> entries = new ArrayList<>();
                List<Node> addrs = y.sequence(f.get("addresses"), join(path, "addresses"), "addresses");
                if (addrs != null && addrs.isEmpty()) {
                    y.error(f.getOrDefault("addresses", items.get(i)), join(path, "addresses"),
                            "the pool has no addresses (give CIDRs such as 192.168.10.0/24 or ranges such as "
                                    + "192.168.10.10-192.168.10.20)");
                }
                for (int j = 0; addrs != null && j < addrs.size(); j++) {
                    String ap = index(join(path, "addresses"), j);
                    String s = y.string(addrs.get(j), ap);
                    if (s == null) {
                        continue;
                    }
                    try {
                        List<Cidr> cidrs = addressEntry(s);
                        entries.add(new Entry(j, s, cidrs));
                        for (Cidr c : cidrs) {
                            for (Placed p : placed) {
                                if (p.cidr.overlaps(c)) {
                                    y.error(addrs.get(j), ap, "CIDR " + c + " in pool \"" + poolName
                                            + "\" overlaps with already defined CIDR " + p.cidr + " in pool \""
                                            + p.pool + "\" (" + p.path + ")");
                                    break;
                                }
                            }
                            placed.add(new Placed(c, poolName, ap));
                        }
                    } catch (IllegalArgumentException e) {
                        y.error(addrs.get(j), ap, "invalid address entry \"" + s + "\" in pool \"" + poolName
                                + "\": " + e.getMessage());
                    }
                }
                String proto = y.string(f.get("protocol"), join(path, "protocol"));
                Pool.Protocol protocol = null;
                if (proto != null) {
                    switch (proto) {
                        case "bgp" -> protocol = Pool.Protocol.BGP;
                        case "layer2" -> protocol = Pool.Protocol.LAYER2;
                        case "" -> y.error(f.getOrDefault("protocol", items.get(i)), join(path, "protocol"),
                                "address pool is missing the protocol field (bgp or layer2)");
                        default -> y.error(f.get("protocol"), join(path, "protocol"), "unknown protocol \"" + proto
                                + "\" (use bgp or layer2)");
                    }
                }
                Boolean avoidBuggy = f.containsKey("avoid-buggy-ips")
                        ? y.bool(f.get("avoid-buggy-ips"), join(path, "avoid-buggy-ips")) : Boolean.FALSE;
                Boolean autoAssign = StrictYaml.isNull(f.get("auto-assign")) ? Boolean.TRUE
                        : y.bool(f.get("auto-assign"), join(path, "auto-assign"));
                List<Advertisement> ads = List.of();
                Node adsNode = f.get("bgp-advertisements");
                List<Node> adItems = y.sequence(adsNode, join(path, "bgp-advertisements"), "bgp-advertisements");
                if (protocol == Pool.Protocol.LAYER2 && adItems != null && !adItems.isEmpty()) {
                    y.error(adsNode, join(path, "bgp-advertisements"),
                            "cannot have bgp-advertisements configuration element in a layer2 address pool");
                } else if (protocol == Pool.Protocol.BGP && adItems != null) {
                    ads = advertisements(adItems, join(path, "bgp-advertisements"), aliases, entries);
                }
                if (y.errors.size() == before) {
                    List<Cidr> all = new ArrayList<>();
                    entries.forEach(e -> all.addAll(e.cidrs()));
                    out.add(new Pool(name, protocol, all, avoidBuggy, autoAssign, ads));
                }
            }
            return out;
        }

        /** One {@code addresses} entry: a CIDR, or a range {@code start-end} summarised into CIDRs. */
        private static List<Cidr> addressEntry(String s) {
            int dash = s.indexOf('-');
            if (dash < 0) {
                return List.of(Cidr.parse(s));
            }
            String a = s.substring(0, dash).strip();
            String b = s.substring(dash + 1).strip();
            InetAddress start;
            InetAddress end;
            try {
                start = IpAddresses.parse(a);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid start IP \"" + a + "\" of the range");
            }
            try {
                end = IpAddresses.parse(b);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid end IP \"" + b + "\" of the range");
            }
            if (IpAddresses.bits(start) != IpAddresses.bits(end)) {
                throw new IllegalArgumentException("the range mixes IPv4 and IPv6 (start \"" + a + "\", end \"" + b
                        + "\")");
            }
            if (IpAddresses.toBigInteger(start).compareTo(IpAddresses.toBigInteger(end)) > 0) {
                throw new IllegalArgumentException("start IP \"" + a + "\" is after the end IP \"" + b + "\"");
            }
            return Cidr.summarize(start, end);
        }

        private List<Advertisement> advertisements(List<Node> items, String path, Map<String, Community> aliases,
                                                   List<Entry> entries) {
            if (items.isEmpty()) {
                return List.of(Advertisement.DEFAULT);
            }
            List<Advertisement> out = new ArrayList<>();
            List<Integer> indexOf = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String p = index(path, i);
                Map<String, Node> f = y.mapping(items.get(i), p, ADVERTISEMENT, "a BGP advertisement");
                if (f == null) {
                    continue;
                }
                int before = y.errors.size();
                int agg = aggregation(f.get("aggregation-length"), join(p, "aggregation-length"), 32);
                int agg6 = aggregation(f.get("aggregation-length-v6"), join(p, "aggregation-length-v6"), 128);
                for (Entry entry : entries) {
                    int widest = entry.cidrs().stream().mapToInt(Cidr::prefixLength).min().orElseThrow();
                    boolean v4 = entry.cidrs().getFirst().isIpv4();
                    int len = v4 ? agg : agg6;
                    if (len >= 0 && len < widest) {
                        y.error(f.get(v4 ? "aggregation-length" : "aggregation-length-v6"),
                                join(p, v4 ? "aggregation-length" : "aggregation-length-v6"),
                                "invalid aggregation length " + len + ": it is wider than the /" + widest
                                        + " of addresses[" + entry.index() + "] (" + entry.text()
                                        + "); an aggregate may not cover addresses outside the pool");
                    }
                }
                Long localPref = f.containsKey("localpref")
                        ? y.unsigned(f.get("localpref"), join(p, "localpref"), 0xffff_ffffL,
                        "a LOCAL_PREF value (0-4294967295)") : Long.valueOf(0);
                List<Community> communities = new ArrayList<>();
                List<Node> cs = y.sequence(f.get("communities"), join(p, "communities"), "communities");
                Set<String> seen = new LinkedHashSet<>();
                for (int c = 0; cs != null && c < cs.size(); c++) {
                    String cp = index(join(p, "communities"), c);
                    String s = y.string(cs.get(c), cp);
                    if (s == null) {
                        continue;
                    }
                    if (!seen.add(s)) {
                        y.error(cs.get(c), cp, "duplicate definition of community \"" + s + "\"");
                        continue;
                    }
                    Community v = aliases.get(s);
                    if (v == null) {
                        try {
                            v = Community.parse(s);
                        } catch (IllegalArgumentException e) {
                            y.error(cs.get(c), cp, "invalid community \"" + s + "\" in BGP advertisement: it is not "
                                    + "an alias from bgp-communities, and " + e.getMessage());
                            continue;
                        }
                    }
                    communities.add(v);
                }
                if (y.errors.size() != before) {
                    continue;
                }
                Advertisement ad = new Advertisement(agg, agg6, localPref, communities);
                int dup = out.indexOf(ad);
                if (dup < 0) {
                    // communities in another order are the same advertisement
                    for (int k = 0; k < out.size(); k++) {
                        Advertisement o = out.get(k);
                        if (o.aggregationLength() == agg && o.aggregationLengthV6() == agg6
                                && o.localPref() == localPref
                                && new java.util.HashSet<>(o.communities()).equals(new java.util.HashSet<>(communities))) {
                            dup = k;
                        }
                    }
                }
                if (dup >= 0) {
                    y.error(items.get(i), p, "duplicate definition of bgp-advertisements: advertisement "
                            + indexOf.get(dup) + " and " + i + " are equal");
                    continue;
                }
                out.add(ad);
                indexOf.add(i);
            }
            return out;
        }

        private int aggregation(Node n, String path, int max) {
            if (StrictYaml.isNull(n)) {
                return max;
            }
            Long v = y.signed(n, path, Integer.MIN_VALUE, Integer.MAX_VALUE, "a prefix length");
            if (v == null) {
                return -1;
            }
            if (v < 0 || v > max) {
                y.error(n, path, "invalid aggregation length " + v + " for IPv" + (max == 32 ? 4 : 6)
                        + ": it must be in 0-" + max);
                return -1;
            }
            return v.intValue();
        }
    }
}
