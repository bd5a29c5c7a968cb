package dev.ingot.config;

/**
 * One entry of {@code bfd-profiles}, with the defaults MetalLB documents (FRR's) for fields left unset.
 *
 * @param name the profile's name, unique
 * @param receiveIntervalMs minimum interval at which this system can receive control packets (10-60000, 300)
 * @param transmitIntervalMs minimum transmission interval (10-60000, 300)
 * @param detectMultiplier packets missed before the session is declared down (2-255, 3)
 * @param echoIntervalMs minimum echo receive interval (10-60000, 50)
 * @param echoMode whether echo packets are sent
 * @param passiveMode wait for the peer to send first
 * @param minimumTtl minimum incoming TTL for multihop sessions (1-254, 254)
 */
public record BfdProfile(String name, int receiveIntervalMs, int transmitIntervalMs, int detectMultiplier,
                         int echoIntervalMs, boolean echoMode, boolean passiveMode, int minimumTtl) {
}
