package dev.ingot.config;

import java.io.StringReader;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads a YAML node tree the way MetalLB's parser (go-yaml v2, {@code UnmarshalStrict}) reads it into Go structs:
 * the expected type of each field decides how a scalar is read, unknown and duplicate keys are errors, and plain
 * scalars are resolved with YAML 1.1 as go-yaml v2 does it (no base-60 numbers: {@code 64512:1234} stays a string).
 * Every problem is added to the error list with its path; reading goes on so that all errors are reported.
 */
final class StrictYaml {
    /** Tag our resolver gives to every untagged scalar, so that explicit tags can be told apart. */
    private static final Tag IMPLICIT = new Tag("tag:ingot.dev,2026:implicit");
    private static final Pattern FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
    private static final Set<String> TRUES = Set.of("y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True",
            "TRUE");
    private static final Set<String> FALSES = Set.of("n", "N", "no", "No", "NO", "off", "Off", "OFF", "false",
            "False", "FALSE");

    final List<ConfigError> errors = new ArrayList<>();

    /** Composes one YAML document; null for an empty one. Syntax errors are thrown as {@link ConfigError}. */
    static Node compose(String text) throws SyntaxError {
        LoaderOptions opts = new LoaderOptions();
        opts.setAllowDuplicateKeys(true); // we report duplicates ourselves, with their path
        opts.setMaxAliasesForCollections(50);
        opts.setCodePointLimit(3 * 1024 * 1024);
        Resolver resolver = new Resolver() {
            @Override
            public Tag resolve(NodeId kind, String value, boolean implicit) {
                return switch (kind) {
                    case scalar -> implicit ? IMPLICIT : Tag.STR;
                    case sequence -> Tag.SEQ;
                    default -> Tag.MAP;
                };
            }
        };
        Yaml yaml = new Yaml(new SafeConstructor(opts), new Representer(new DumperOptions()), new DumperOptions(),
                opts, resolver);
        try {
            Node first = null;
            int n = 0;
            for (Node node : yaml.composeAll(new StringReader(text))) {
                if (n++ == 0) {
                    first = node;
                }
            }
            if (n > 1) {
                throw new SyntaxError(new ConfigError("", 0, "the text holds " + n
                        + " YAML documents; give one ConfigMap or one config document"));
            }
            return first;
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 0;
            throw new SyntaxError(new ConfigError("", line, "not valid YAML: " + e.getProblem()));
        } catch (YAMLException e) {
            throw new SyntaxError(new ConfigError("", 0, "not valid YAML: " + e.getMessage()));
        }
    }

    static final class SyntaxError extends Exception {
        final ConfigError error;

        SyntaxError(ConfigError error) {
            super(error.toString());
            this.error = error;
        }
    }

    void error(Node at, String path, String message) {
        errors.add(new ConfigError(path, at == null ? 0 : at.getStartMark().getLine() + 1, message));
    }

    static boolean isNull(Node n) {
        return n == null || (n instanceof ScalarNode s && s.getTag().equals(IMPLICIT) && s.isPlain()
                && NULLS.contains(s.getValue())) || (n instanceof ScalarNode s2 && s2.getTag().equals(Tag.NULL));
    }

    private static String kind(Node n) {
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        return "the value \"" + ((ScalarNode) n).getValue() + "\"";
    }

    /**
     * The keys of a mapping, in order. Keys not in {@code allowed} (null: any) and repeated keys are errors; a null
     * node is an empty mapping. Returns null (after recording an error) when the node is not a mapping.
     */
    Map<String, Node> mapping(Node n, String path, Set<String> allowed, String what) {
        if (isNull(n)) {
            return new LinkedHashMap<>();
        }
        if (!(n instanceof MappingNode m)) {
            error(n, path, "expected " + what + " (a mapping), found " + kind(n));
            return null;
        }
        Map<String, Node> out = new LinkedHashMap<>();
        for (NodeTuple t : mergedTuples(m, path)) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                error(t.getKeyNode(), path, "a key must be a plain string, found " + kind(t.getKeyNode()));
                continue;
            }
            String key = k.getValue();
            String keyPath = join(path, key);
            if (out.containsKey(key)) {
                error(k, keyPath, "key \"" + key + "\" is set more than once");
                continue;
            }
            if (allowed != null && !allowed.contains(key)) {
                error(k, keyPath, "unknown field \"" + key + "\" in " + what + suggestion(key, allowed));
                continue;
            }
            out.put(key, t.getValueNode());
        }
        return out;
    }

    /** The tuples of a mapping with YAML merge keys ({@code <<: *anchor}) expanded, as go-yaml v2 does. */
    private List<NodeTuple> mergedTuples(MappingNode m, String path) {
        List<NodeTuple> own = new ArrayList<>();
        List<NodeTuple> merged = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.isPlain() && k.getValue().equals("<<")) {
                Node v = t.getValueNode();
                List<Node> sources = v instanceof SequenceNode s ? s.getValue() : List.of(v);
                for (Node src : sources) {
                    if (src instanceof MappingNode sm) {
                        merged.addAll(mergedTuples(sm, path));
                    } else {
                        error(src, path, "a merge key (<<) must refer to a mapping");
                    }
                }
            } else {
                own.add(t);
            }
        }
        if (merged.isEmpty()) {
            return own;
        }
        // own keys win over merged ones and are not duplicates of them
        Set<String> ownKeys = new java.util.HashSet<>();
        for (NodeTuple t : own) {
            if (t.getKeyNode() instanceof ScalarNode k) {
                ownKeys.add(k.getValue());
            }
        }
        List<NodeTuple> out = new ArrayList<>(own);
        Set<String> seen = new java.util.HashSet<>();
        for (NodeTuple t : merged) {
            if (t.getKeyNode() instanceof ScalarNode k && !ownKeys.contains(k.getValue()) && seen.add(k.getValue())) {
                out.add(t);
            }
        }
        return out;
    }

    private static String suggestion(String key, Set<String> allowed) {
        String best = null;
        int bestD = 3;
        for (String a : allowed) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), a);
            if (d < bestD) {
                best = a;
                bestD = d;
            }
        }
        if (best == null) {
            String canon = key.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT)
                    .replace('_', '-');
            if (allowed.contains(canon)) {
                best = canon;
            }
        }
        return best != null ? " (did you mean \"" + best + "\"?)" : " (known fields: "
                + String.join(", ", new java.util.TreeSet<>(allowed)) + ")";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1,
                        prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The items of a list; a null node is an empty list. Null (after an error) when it is not a list. */
    List<Node> sequence(Node n, String path, String what) {
        if (isNull(n)) {
            return List.of();
        }
        if (!(n instanceof SequenceNode s)) {
            error(n, path, "expected " + what + " (a list), found " + kind(n));
            return null;
        }
        return s.getValue();
    }

    /** A string field: any scalar is taken as written; null is "". Null (after an error) for a mapping or list. */
    String string(Node n, String path) {
        if (isNull(n)) {
            return "";
        }
        if (!(n instanceof ScalarNode s)) {
            error(n, path, "expected a string, found " + kind(n));
            return null;
        }
        return s.getValue();
    }

    /**
     * An unsigned integer field (go-yaml v2 rules: decimal, 0x, 0o, 0b and leading-0 octal, underscores ignored; a
     * float is taken only when it is a whole number); null is 0. Null (after an error) when out of range or not a
     * number.
     */
    Long unsigned(Node n, String path, long max, String what) {
        if (isNull(n)) {
            return 0L;
        }
        BigInteger v = integer(n);
        if (v == null) {
            error(n, path, "expected " + what + ", found " + kind(n));
            return null;
        }
        if (v.signum() < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            error(n, path, "expected " + what + ", found " + v + " which is out of range 0-" + max);
            return null;
        }
        return v.longValue();
    }

    /** A signed integer field within {@code min..max}; null is 0. */
    Long signed(Node n, String path, long min, long max, String what) {
        if (isNull(n)) {
            return 0L;
        }
        BigInteger v = integer(n);
        if (v == null) {
            error(n, path, "expected " + what + ", found " + kind(n));
            return null;
        }
        if (v.compareTo(BigInteger.valueOf(min)) < 0 || v.compareTo(BigInteger.valueOf(max)) > 0) {
            error(n, path, "expected " + what + ", found " + v + " which is out of range " + min + "-" + max);
            return null;
        }
        return v.longValue();
    }

    /** A boolean field (true/false, yes/no, on/off, y/n in their YAML 1.1 spellings); null is false. */
    Boolean bool(Node n, String path) {
        if (isNull(n)) {
            return false;
        }
        if (n instanceof ScalarNode s) {
            boolean implicit = s.getTag().equals(IMPLICIT) && s.isPlain();
            boolean explicitBool = s.getTag().equals(Tag.BOOL);
            if (implicit || explicitBool) {
                if (TRUES.contains(s.getValue())) {
                    return true;
                }
                if (FALSES.contains(s.getValue())) {
                    return false;
                }
            }
        }
        error(n, path, "expected true or false, found " + kind(n));
        return null;
    }

    /** The integer a scalar resolves to, as go-yaml v2 would decode it into an integer field, or null. */
    private static BigInteger integer(Node n) {
        if (!(n instanceof ScalarNode s)) {
            return null;
        }
        boolean implicit = s.getTag().equals(IMPLICIT) && s.isPlain();
        if (!implicit && !s.getTag().equals(Tag.INT) && !s.getTag().equals(Tag.FLOAT)) {
            return null; // quoted or tagged as something else: a string to go-yaml
        }
        String plain = s.getValue().replace("_", "");
        BigInteger v = goInteger(plain);
        if (v != null) {
            return v;
        }
        if (FLOAT.matcher(plain).matches()) {
            java.math.BigDecimal d = new java.math.BigDecimal(plain.startsWith("+") ? plain.substring(1) : plain);
            try {
                return d.toBigIntegerExact();
            } catch (ArithmeticException notWhole) {
                return null;
            }
        }
        return null;
    }

    /** Go's {@code strconv.ParseInt(s, 0, 64)} prefixes: 0x, 0o, 0b, leading 0 octal, optional sign. */
    static BigInteger goInteger(String s) {
        if (s.isEmpty()) {
            return null;
        }
        boolean neg = false;
        int i = 0;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            neg = s.charAt(0) == '-';
            i = 1;
        }
        String body = s.substring(i);
        int radix = 10;
        if (body.length() > 1 && body.charAt(0) == '0') {
            char p = Character.toLowerCase(body.charAt(1));
            if (p == 'x' || p == 'o' || p == 'b') {
                radix = p == 'x' ? 16 : p == 'o' ? 8 : 2;
                body = body.substring(2);
            } else {
                radix = 8;
                body = body.substring(1);
            }
        }
        if (body.isEmpty()) {
            return null;
        }
        for (int j = 0; j < body.length(); j++) {
            if (Character.digit(body.charAt(j), radix) < 0) {
                return null;
            }
        }
        BigInteger v = new BigInteger(body, radix);
        return neg ? v.negate() : v;
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String index(String path, int i) {
        return path + "[" + i + "]";
    }
}
