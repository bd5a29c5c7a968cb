package dev.ingot.bgp;

import dev.ingot.bgp.codec.PathAttribute.LargeCommunity;
import dev.ingot.bgp.codec.Prefix;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One route to announce: a prefix and the attributes the caller controls. Community lists are kept sorted and
 * without duplicates, so two advertisements that mean the same are equal. ORIGIN, AS_PATH and the next hop are the
 * session's business (ORIGIN IGP, AS_PATH [local ASN] for eBGP and empty for iBGP, next hop = the session's local
 * address).
 *
 * @param prefix the route
 * @param localPref LOCAL_PREF for iBGP peers (null: 100, the usual default; never sent to eBGP peers)
 * @param communities RFC 1997 communities as 32-bit values
 * @param largeCommunities RFC 8092 large communities
 * @param extendedCommunities RFC 4360 extended communities as 64-bit values
 */
public record Advertisement(Prefix prefix, Long localPref, List<Long> communities, List<LargeCommunity> largeCommunities,
                            List<Long> extendedCommunities) {
    public static final long DEFAULT_LOCAL_PREF = 100;

    public Advertisement {
        Objects.requireNonNull(prefix, "prefix");
        if (localPref != null && (localPref < 0 || localPref > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("local-pref must be 0..4294967295, not " + localPref);
        }
        communities = sorted(communities);
        for (long c : communities) {
            if (c < 0 || c > 0xFFFF_FFFFL) throw new IllegalArgumentException("community out of range: " + c);
        }
        largeCommunities = sorted(largeCommunities);
        extendedCommunities = sorted(extendedCommunities);
    }

    private static <T extends Comparable<T>> List<T> sorted(List<T> l) {
        if (l == null || l.isEmpty()) return List.of();
        return List.copyOf(new TreeSet<>(l));
    }

    public static Advertisement of(Prefix prefix) {
        return new Advertisement(prefix, null, List.of(), List.of(), List.of());
    }

    public static Advertisement of(String prefix) { return of(Prefix.parse(prefix)); }

    public Advertisement withLocalPref(Long v) { return new Advertisement(prefix, v, communities, largeCommunities, extendedCommunities); }
    public Advertisement withCommunities(List<Long> v) { return new Advertisement(prefix, localPref, v, largeCommunities, extendedCommunities); }
    public Advertisement withLargeCommunities(List<LargeCommunity> v) { return new Advertisement(prefix, localPref, communities, v, extendedCommunities); }
    public Advertisement withExtendedCommunities(List<Long> v) { return new Advertisement(prefix, localPref, communities, largeCommunities, v); }

    /**
     * Parses a community as MetalLB's ConfigMap writes it: "ASN:value" (each 16 bits) or a well-known name
     * (no-export, no-advertise, no-export-subconfed, no-peer, blackhole).
     */
    public static long community(String text) {
        switch (text.toLowerCase(Locale.ROOT)) {
            case "no-export": return 0xFFFFFF01L;
            case "no-advertise": return 0xFFFFFF02L;
            case "no-export-subconfed": return 0xFFFFFF03L;
            case "no-peer": return 0xFFFFFF04L;
            case "blackhole": return 0xFFFF029AL;
            default: break;
        }
        String[] p = text.split(":", -1);
        try {
            if (p.length == 2) {
                long hi = Long.parseLong(p[0]), lo = Long.parseLong(p[1]);
                if (hi >= 0 && hi <= 0xFFFF && lo >= 0 && lo <= 0xFFFF) return (hi << 16) | lo;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException("a community is \"ASN:value\" with two 16-bit numbers or a well-known name, not \"" + text + "\"");
    }

    /** "65000:100" for a 32-bit community value. */
    public static String communityString(long c) { return (c >>> 16) + ":" + (c & 0xFFFF); }
}
