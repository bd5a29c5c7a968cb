package dev.ingot.ipvs;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link Dataplane} is set up.
 *
 * @param linkName       the link that holds the VIPs ("kube-ipvs0", shared with kube-proxy's IPVS mode)
 * @param linkKind       the kind to create it as when missing ("dummy", as kube-proxy does)
 * @param owned          the prefixes whose VIPs this dataplane owns (Ingot's address pools): it creates, changes and
 *                       deletes virtual services and link addresses inside them only, and leaves everything else
 *                       (kube-proxy's ClusterIPs, services someone else made) alone
 * @param batchSize      most IPVS or address changes sent in one {@code sendmsg}
 * @param timeout        how long to wait for the kernel to answer
 * @param resyncInterval how old the kept view of the kernel may get before {@link Dataplane#apply} reads the kernel
 *                       again
 */
public record DataplaneOptions(String linkName, String linkKind, List<Prefix> owned, int batchSize,
                               Duration timeout, Duration resyncInterval) {
    public DataplaneOptions {
        Objects.requireNonNull(linkName, "linkName");
        Objects.requireNonNull(linkKind, "linkKind");
        owned = List.copyOf(owned);
        if (linkName.isEmpty() || linkName.length() > 15) {
            throw new IllegalArgumentException("link name must be 1..15 characters: " + linkName);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive");
        }
    }

    /** kube-ipvs0 as a dummy link, batches of 256, 30 s kernel time-out, a fresh read of the kernel every 5 minutes. */
    public static DataplaneOptions owning(List<Prefix> owned) {
        return new DataplaneOptions("kube-ipvs0", "dummy", owned, 256, Duration.ofSeconds(30), Duration.ofMinutes(5));
    }

    public DataplaneOptions withLink(String name, String kind) {
        return new DataplaneOptions(name, kind, owned, batchSize, timeout, resyncInterval);
    }

    public DataplaneOptions withResyncInterval(Duration d) {
        return new DataplaneOptions(linkName, linkKind, owned, batchSize, timeout, d);
    }

    public DataplaneOptions withBatchSize(int n) {
        return new DataplaneOptions(linkName, linkKind, owned, n, timeout, resyncInterval);
    }

    boolean owns(java.net.InetAddress a) {
        for (Prefix p : owned) {
            if (p.contains(a)) {
                return true;
            }
        }
        return false;
    }
}
