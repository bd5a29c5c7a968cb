package dev.ingot.bgp.bfd;

import java.util.ArrayList;
import java.util.List;

/**
 * The timers and options of one MetalLB {@code bfd-profiles[]} entry, with FRR's defaults applied to
 * the fields the user left unset (MetalLB's FRR mode behaves the same way). Build it with
 * {@link #of}, which checks MetalLB's ranges and rejects what Ingot does not implement.
 *
 * @param name the profile's name (for messages)
 * @param receiveIntervalMs {@code receive-interval}: Required Min RX Interval, 10..60000 ms
 * @param transmitIntervalMs {@code transmit-interval}: Desired Min TX Interval once Up, 10..60000 ms
 * @param detectMultiplier {@code detect-multiplier}: 2..255
 * @param echoIntervalMs {@code echo-interval}: 10..60000 ms; inert, because echo mode is refused
 * @param passiveMode {@code passive-mode}: wait for the peer's first packet before sending
 * @param minimumTtl {@code minimum-ttl}: 1..254, the lowest TTL accepted on multihop sessions
 *     (single-hop sessions always require 255, RFC 5881 §5)
 */
public record BfdProfile(String name, int receiveIntervalMs, int transmitIntervalMs, int detectMultiplier,
                         int echoIntervalMs, boolean passiveMode, int minimumTtl) {
    public static final int DEFAULT_INTERVAL_MS = 300;
    public static final int DEFAULT_DETECT_MULTIPLIER = 3;
    public static final int DEFAULT_ECHO_INTERVAL_MS = 50;
    public static final int DEFAULT_MINIMUM_TTL = 254;

    public BfdProfile {
        try {
            check(name, receiveIntervalMs, transmitIntervalMs, detectMultiplier, echoIntervalMs, null, minimumTtl);
        } catch (BfdConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** FRR's defaults: 300 ms / 300 ms × 3, active, minimum TTL 254. */
    public static BfdProfile defaults(String name) {
        return new BfdProfile(name, DEFAULT_INTERVAL_MS, DEFAULT_INTERVAL_MS, DEFAULT_DETECT_MULTIPLIER,
                DEFAULT_ECHO_INTERVAL_MS, false, DEFAULT_MINIMUM_TTL);
    }

    /**
     * A profile from the ConfigMap's fields, null meaning unset. Every problem is reported at once,
     * one per line, each naming the field; {@code echo-mode: true} is refused because Ingot does not
     * implement the Echo function (accepting it would silently run without it).
     */
    public static BfdProfile of(String name, Integer receiveInterval, Integer transmitInterval,
                                Integer detectMultiplier, Integer echoInterval, Boolean echoMode,
                                Boolean passiveMode, Integer minimumTtl) throws BfdConfigException {
        int rx = receiveInterval != null ? receiveInterval : DEFAULT_INTERVAL_MS;
        int tx = transmitInterval != null ? transmitInterval : DEFAULT_INTERVAL_MS;
        int mult = detectMultiplier != null ? detectMultiplier : DEFAULT_DETECT_MULTIPLIER;
        int echo = echoInterval != null ? echoInterval : DEFAULT_ECHO_INTERVAL_MS;
        int ttl = minimumTtl != null ? minimumTtl : DEFAULT_MINIMUM_TTL;
        check(name, rx, tx, mult, echo, echoMode, ttl);
        return new BfdProfile(name, rx, tx, mult, echo, passiveMode != null && passiveMode, ttl);
    }

    private static void check(String name, int rx, int tx, int mult, int echo, Boolean echoMode, int ttl)
            throws BfdConfigException {
        if (name == null || name.isEmpty()) {
            throw new BfdConfigException("missing bfd profile name");
        }
        List<String> errors = new ArrayList<>();
        range(errors, "receive-interval", rx, 10, 60000);
        range(errors, "transmit-interval", tx, 10, 60000);
        range(errors, "detect-multiplier", mult, 2, 255);
        range(errors, "echo-interval", echo, 10, 60000);
        range(errors, "minimum-ttl", ttl, 1, 254);
        if (Boolean.TRUE.equals(echoMode)) {
            errors.add("echo-mode: true is not supported: Ingot does not implement the BFD Echo function"
                    + " (RFC 5880 §6.4); remove echo-mode or set it to false (asynchronous mode alone detects"
                    + " failures at receive-interval x detect-multiplier)");
        }
        if (!errors.isEmpty()) {
            throw new BfdConfigException("bfd profile \"" + name + "\": " + String.join("; ", errors));
        }
    }

    private static void range(List<String> errors, String field, int v, int min, int max) {
        if (v < min || v > max) {
            errors.add("invalid " + field + " value " + v + ", must be in " + min + "-" + max + " range");
        }
    }

    /** The state machine's parameters for this profile. */
    public BfdSession.Parameters parameters() {
        return new BfdSession.Parameters(transmitIntervalMs * 1000L, receiveIntervalMs * 1000L, detectMultiplier,
                passiveMode);
    }
}
