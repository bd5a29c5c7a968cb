package dev.ingot.speaker;

import dev.ingot.config.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Whether kube-proxy, as configured on this cluster, fights with the speaker over its VIPs (docs/kube-proxy.md).
 * Pure: given kube-proxy's KubeProxyConfiguration (the {@code config.conf} key of kubeadm's {@code kube-system/
 * kube-proxy} ConfigMap), the speaker's dataplane, the pools and which announced Services carry {@code ipMode: Proxy},
 * it says what is wrong in words an operator can act on.
 */
public final class KubeProxyCheck {
    private KubeProxyCheck() {}

    /**
     * The verdict.
     *
     * @param mode kube-proxy's mode ({@code ipvs}, {@code iptables}, {@code nftables}), or {@code unknown} with the
     *             reason in {@code warnings} left empty and {@code note} saying why
     * @param note why the mode is unknown ("" otherwise)
     * @param warnings one per conflict found; empty when none
     */
    public record Result(String mode, String note, List<Warning> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * One conflict.
     *
     * @param kind stable name ({@code excludeCidrsMissing}, {@code ipModeProxyMissing}, {@code nothingForwards}), so
     *             that a log line is written when a conflict appears or goes, not each time its numbers change
     * @param message what is wrong and what to do
     */
    public record Warning(String kind, String message) {}

    /**
     * @param kubeProxyConfig the KubeProxyConfiguration YAML, or null when it could not be read
     * @param unreadable why it could not be read (used when {@code kubeProxyConfig} is null)
     * @param dataplane the speaker's dataplane mode ({@code ipvs} or {@code none})
     * @param pools every configured pool's CIDRs
     * @param withoutProxyMode announced Services (namespace/name) whose ingress lacks {@code ipMode: Proxy}
     * @param withProxyMode announced Services whose ingress carries {@code ipMode: Proxy}
     */
    public static Result check(String kubeProxyConfig, String unreadable, String dataplane, List<Cidr> pools,
                               List<String> withoutProxyMode, List<String> withProxyMode) {
        if (kubeProxyConfig == null) {
            return new Result("unknown", unreadable, List.of());
        }
        Map<?, ?> doc;
        try {
            Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(kubeProxyConfig);
            doc = o instanceof Map<?, ?> m ? m : Map.of();
        } catch (RuntimeException e) {
            return new Result("unknown", "kube-proxy's configuration is not valid YAML: " + e.getMessage(), List.of());
        }
        String mode = doc.get("mode") instanceof String s && !s.isBlank() ? s : "iptables"; // kube-proxy's default
        List<Warning> warnings = new ArrayList<>();
        if ("ipvs".equals(dataplane)) {
            if ("ipvs".equals(mode)) {
                List<Cidr> excluded = excludeCidrs(doc);
                List<String> uncovered = pools.stream().filter(p -> excluded.stream().noneMatch(x -> covers(x, p)))
                        .map(Cidr::toString).toList();
                if (!uncovered.isEmpty()) {
                    warnings.add(new Warning("excludeCidrsMissing", "kube-proxy runs in ipvs mode and deletes "
                            + "virtual services and kube-ipvs0 addresses it did not create unless they are in "
                            + "ipvs.excludeCIDRs; add " + String.join(", ",
                            uncovered) + " to ipvs.excludeCIDRs in kube-system/kube-proxy"));
                }
            }
            if (!withoutProxyMode.isEmpty()) {
                warnings.add(new Warning("ipModeProxyMissing", "kube-proxy (mode " + mode
                        + ") also handles the LoadBalancer IPs of "
                        + count(withoutProxyMode) + " this node announces and takes their traffic before Ingot's "
                        + "IPVS does; run the controller with --ip-mode-proxy so that their ingress carries "
                        + "ipMode: Proxy"));
            }
        } else if (!withProxyMode.isEmpty()) {
            warnings.add(new Warning("nothingForwards", "the ingress of " + count(withProxyMode)
                    + " this node announces carries ipMode: Proxy, so "
                    + "kube-proxy leaves their LoadBalancer IPs alone, but this speaker runs with --dataplane=none: "
                    + "nothing forwards that traffic; run the speakers with --dataplane=ipvs or the controller without "
                    + "--ip-mode-proxy"));
        }
        return new Result(mode, "", warnings);
    }

    private static String count(List<String> services) {
        String first = String.join(", ", services.subList(0, Math.min(3, services.size())));
        return services.size() + (services.size() == 1 ? " Service (" : " Services (") + first
                + (services.size() > 3 ? ", …)" : ")");
    }

    private static List<Cidr> excludeCidrs(Map<?, ?> doc) {
        List<Cidr> out = new ArrayList<>();
        if (doc.get("ipvs") instanceof Map<?, ?> ipvs && ipvs.get("excludeCIDRs") instanceof List<?> list) {
            for (Object o : list) {
                try {
                    out.add(Cidr.parse(String.valueOf(o).strip()));
                } catch (RuntimeException e) {
                    // kube-proxy itself refuses a bad entry; it excludes nothing for it
                }
            }
        }
        return out;
    }

    /** Whether every address of {@code inner} is inside {@code outer}. */
    static boolean covers(Cidr outer, Cidr inner) {
        return outer.isIpv4() == inner.isIpv4() && outer.first().compareTo(inner.first()) <= 0
                && outer.last().compareTo(inner.last()) >= 0;
    }
}
