package dev.ingot.speaker;

import dev.ingot.config.Config;
import dev.ingot.config.ConfigError;
import dev.ingot.config.ConfigParser;
import dev.ingot.config.IpAddresses;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The configuration in force on this speaker. A new text replaces it only when it is valid and does not strand an
 * address this node announces (MetalLB v0.12's rule); otherwise the last good config stays and the refusal is kept
 * for logs, metrics and the status endpoint. A deleted ConfigMap keeps the last config too.
 */
final class ConfigHolder {
    private Config current;
    private String lastText;
    private Config lastParsed;
    private List<String> lastErrors = List.of();

    /** The config in force, or null before the first valid one. */
    Config current() {
        return current;
    }

    /** Why the latest text was refused; empty when the latest text is in force. */
    List<String> errors() {
        return lastErrors;
    }

    boolean stale() {
        return !lastErrors.isEmpty();
    }

    /**
     * Offers the ConfigMap's text (null: the ConfigMap or its key is gone).
     *
     * @param announced addresses this node announces now, by Service, for the stranding check
     * @return true when the config in force changed
     */
    boolean offer(String text, Map<String, Collection<InetAddress>> announced) {
        if (text == null) {
            lastErrors = List.of("the ConfigMap is missing: keeping the last configuration");
            lastText = null;
            return false;
        }
        if (!Objects.equals(text, lastText)) {
            lastText = text;
            ConfigParser.Result r = ConfigParser.parseDocument(text);
            if (r instanceof ConfigParser.Invalid(List<ConfigError> errors)) {
                lastParsed = null;
                lastErrors = errors.stream().map(ConfigError::toString).toList();
                return false;
            }
            lastParsed = ((ConfigParser.Valid) r).config();
        }
        Config next = lastParsed;
        if (next == null) {
            return false; // invalid text: its errors stay reported
        }
        if (next.equals(current)) {
            lastErrors = List.of();
            return false;
        }
        // a valid config refused for stranding is offered again on every plan: it is taken once nothing strands
        List<String> stranded = new ArrayList<>();
        announced.forEach((service, ips) -> {
            for (InetAddress ip : ips) {
                if (next.pools().stream().noneMatch(p -> p.contains(ip))) {
                    stranded.add("service \"" + service + "\" cannot own \"" + IpAddresses.format(ip)
                            + "\" under the new config");
                }
            }
        });
        if (!stranded.isEmpty()) {
            lastErrors = stranded;
            return false;
        }
        lastErrors = List.of();
        current = next;
        return true;
    }
}
