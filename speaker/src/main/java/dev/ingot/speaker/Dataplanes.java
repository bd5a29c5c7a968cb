package dev.ingot.speaker;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the dataplane from {@code --dataplane}. */
final class Dataplanes {
    private static final Logger LOG = LoggerFactory.getLogger(Dataplanes.class);

    private Dataplanes() {}

    static Dataplane open(String mode, MeterRegistry registry) {
        switch (mode) {
            case "none":
                return Dataplane.NONE;
            case "auto":
            case "ipvs":
                if (!java.nio.file.Files.exists(java.nio.file.Path.of("/proc/net/ip_vs"))) {
                    if (mode.equals("ipvs")) {
                        throw new IllegalStateException("--dataplane=ipvs, but this kernel has no IPVS "
                                + "(/proc/net/ip_vs is missing): load the ip_vs module, or run with --dataplane=none "
                                + "to leave the VIPs to kube-proxy");
                    }
                    LOG.warn("event=dataplane mode=none reason=\"this kernel has no IPVS (/proc/net/ip_vs is "
                            + "missing); VIPs are left to kube-proxy\"");
                    return Dataplane.NONE;
                }
                throw new IllegalStateException("the IPVS dataplane arrives with the ipvs module; run with "
                        + "--dataplane=none meanwhile");
            default:
                throw new IllegalArgumentException("--dataplane must be ipvs, none or auto, not \"" + mode + "\"");
        }
    }
}
