package dev.ingot.speaker;

import dev.ingot.ipvs.DataplaneException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the dataplane from {@code --dataplane}. */
final class Dataplanes {
    private static final Logger LOG = LoggerFactory.getLogger(Dataplanes.class);

    private Dataplanes() {}

    /**
     * {@code ipvs}: the IPVS dataplane, or a failure that says what to do; {@code none}: leave VIPs to kube-proxy;
     * {@code auto}: ipvs when the kernel has it, else none with a warning.
     */
    static Dataplane open(String mode) {
        switch (mode) {
            case "none":
                return Dataplane.NONE;
            case "auto":
            case "ipvs":
                try {
                    return new IpvsDataplane();
                } catch (DataplaneException e) {
                    if (mode.equals("ipvs") || e.reason() != DataplaneException.Reason.NO_IPVS) {
                        throw new IllegalStateException("--dataplane=" + mode + ": " + e.getMessage()
                                + (mode.equals("ipvs") ? " (or run with --dataplane=none to leave the VIPs to "
                                + "kube-proxy)" : ""), e);
                    }
                    LOG.warn("event=dataplane mode=none reason={}", Speaker.quote(e.getMessage()
                            + "; the VIPs are left to kube-proxy"));
                    return Dataplane.NONE;
                }
            default:
                throw new IllegalArgumentException("--dataplane must be ipvs, none or auto, not \"" + mode + "\"");
        }
    }
}
