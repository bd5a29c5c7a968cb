package dev.ingot.config;

import java.util.List;

/**
 * One entry of a pool's {@code bgp-advertisements}.
 *
 * @param aggregationLength IPv4 prefix length announced for an address (32: the address itself)
 * @param aggregationLengthV6 IPv6 prefix length announced for an address (128: the address itself)
 * @param localPref LOCAL_PREF sent to iBGP peers (0 when unset, as MetalLB)
 * @param communities communities attached, in configuration order, aliases resolved
 */
public record Advertisement(int aggregationLength, int aggregationLengthV6, long localPref,
                            List<Community> communities) {

    /** What a pool without {@code bgp-advertisements} gets: the address itself, no attributes. */
    public static final Advertisement DEFAULT = new Advertisement(32, 128, 0, List.of());

    public Advertisement {
        communities = List.copyOf(communities);
    }
}
