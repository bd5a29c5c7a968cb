package dev.ingot.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A valid, normalised configuration: the four sections of MetalLB's ConfigMap with every default filled in.
 * Pools keep their configuration order (Ingot tries them in that order).
 *
 * @param peers BGP peers, in order
 * @param communities {@code bgp-communities} aliases, in order
 * @param pools address pools, in order
 * @param bfdProfiles BFD profiles, in order
 */
public record Config(List<Peer> peers, Map<String, Community> communities, List<Pool> pools,
                     List<BfdProfile> bfdProfiles) {

    public Config {
        peers = List.copyOf(peers);
        communities = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(communities));
        pools = List.copyOf(pools);
        bfdProfiles = List.copyOf(bfdProfiles);
    }

    /** The configuration of an empty document: no peers, no pools. */
    public static final Config EMPTY = new Config(List.of(), Map.of(), List.of(), List.of());

    public Optional<Pool> pool(String name) {
        return pools.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<BfdProfile> bfdProfile(String name) {
        return bfdProfiles.stream().filter(p -> p.name().equals(name)).findFirst();
    }
}
