package dev.ingot.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Kubernetes label selector over node labels: all {@code matchLabels} and all {@code matchExpressions} must hold.
 * The empty selector matches every node.
 */
public record NodeSelector(Map<String, String> matchLabels, List<Requirement> matchExpressions) {

    public static final NodeSelector EVERYTHING = new NodeSelector(Map.of(), List.of());

    public NodeSelector {
        matchLabels = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(matchLabels));
        matchExpressions = List.copyOf(matchExpressions);
    }

    /** Kubernetes' selector syntax, as kubectl's {@code -l}: {@code rack=a,zone in (z1,z2),bgp,!drained}. */
    @Override
    public String toString() {
        java.util.List<String> terms = new java.util.ArrayList<>();
        matchLabels.forEach((k, v) -> terms.add(k + "=" + v));
        for (Requirement r : matchExpressions) {
            terms.add(switch (r.operator) {
                case IN -> r.key + " in (" + String.join(",", r.values) + ")";
                case NOT_IN -> r.key + " notin (" + String.join(",", r.values) + ")";
                case EXISTS -> r.key;
                case DOES_NOT_EXIST -> "!" + r.key;
            });
        }
        return terms.isEmpty() ? "<all nodes>" : String.join(",", terms);
    }

    public boolean matches(Map<String, String> labels) {
        for (var e : matchLabels.entrySet()) {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return matchExpressions.stream().allMatch(r -> r.matches(labels));
    }

    /** A set-based requirement, as Kubernetes' {@code LabelSelectorRequirement}. */
    public record Requirement(String key, Operator operator, Set<String> values) {
        public Requirement {
            values = java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(values));
        }

        public boolean matches(Map<String, String> labels) {
            return switch (operator) {
                case IN -> labels.containsKey(key) && values.contains(labels.get(key));
                case NOT_IN -> !labels.containsKey(key) || !values.contains(labels.get(key));
                case EXISTS -> labels.containsKey(key);
                case DOES_NOT_EXIST -> !labels.containsKey(key);
            };
        }
    }

    /** The operators of Kubernetes label selectors, spelled as in YAML by {@link #text()}. */
    public enum Operator {
        IN("In"), NOT_IN("NotIn"), EXISTS("Exists"), DOES_NOT_EXIST("DoesNotExist");

        private final String text;

        Operator(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        static Operator of(String text) {
            for (Operator o : values()) {
                if (o.text.equals(text)) {
                    return o;
                }
            }
            return null;
        }
    }
}
