package dev.ingot.memberlist;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything one member needs. Start from {@link #lan(String, InetAddress)} (hashicorp/memberlist's DefaultLANConfig,
 * which MetalLB uses) and adjust with the {@code with*} methods; every timer is configurable.
 *
 * @param name            the member's name; MetalLB uses the Kubernetes node name
 * @param bindAddr        the address UDP and TCP listen on, and that is advertised to the others
 * @param bindPort        UDP and TCP port (7946 in MetalLB); 0 picks a free port (tests)
 * @param keys            AES keys (16, 24 or 32 bytes); the first encrypts, all are tried to decrypt; empty = plaintext
 * @param protocolVersion 1 to 5; 2 is the default. 1 also selects encryption version 0
 * @param compression     LZW-compress packets (when smaller) and streams
 * @param label           cluster label (memberlist &ge; 0.3); "" = none, as in MetalLB
 * @param meta            node metadata, at most 512 bytes; null = none (MetalLB)
 * @param timers          the protocol's timers and fan-outs
 */
public record MemberlistConfig(String name, InetAddress bindAddr, int bindPort, List<byte[]> keys, int protocolVersion,
                               boolean compression, String label, byte[] meta, Timers timers) {
    public static final int MAX_META = 512;

    public MemberlistConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(bindAddr, "bindAddr");
        if (name.isEmpty()) throw new IllegalArgumentException("a member needs a name");
        if (bindAddr.isAnyLocalAddress()) {
            throw new IllegalArgumentException("bind to a concrete address: it is also the address the other members are told");
        }
        if (bindPort < 0 || bindPort > 65535) throw new IllegalArgumentException("bind port " + bindPort + " is not 0..65535");
        if (protocolVersion < 1 || protocolVersion > 5) throw new IllegalArgumentException("protocol version must be 1..5");
        if (meta != null && meta.length > MAX_META) {
            throw new IllegalArgumentException("node metadata is " + meta.length + " bytes, more than memberlist's limit of " + MAX_META);
        }
        List<byte[]> k = new ArrayList<>();
        for (byte[] key : keys) {
            if (key.length != 16 && key.length != 24 && key.length != 32) {
                throw new IllegalArgumentException("a memberlist key must be 16, 24 or 32 bytes, not " + key.length);
            }
            k.add(key.clone());
        }
        keys = List.copyOf(k);
        meta = meta == null ? null : meta.clone();
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(timers, "timers");
    }

    /** DefaultLANConfig on port 7946, no encryption, compression on, protocol version 2. */
    public static MemberlistConfig lan(String name, InetAddress bindAddr) {
        return new MemberlistConfig(name, bindAddr, 7946, List.of(), 2, true, "", null, Timers.lan());
    }

    public MemberlistConfig withPort(int port) {
        return new MemberlistConfig(name, bindAddr, port, keys, protocolVersion, compression, label, meta, timers);
    }

    public MemberlistConfig withKeys(List<byte[]> keys) {
        return new MemberlistConfig(name, bindAddr, bindPort, keys, protocolVersion, compression, label, meta, timers);
    }

    public MemberlistConfig withProtocolVersion(int v) {
        return new MemberlistConfig(name, bindAddr, bindPort, keys, v, compression, label, meta, timers);
    }

    public MemberlistConfig withCompression(boolean on) {
        return new MemberlistConfig(name, bindAddr, bindPort, keys, protocolVersion, on, label, meta, timers);
    }

    public MemberlistConfig withLabel(String l) {
        return new MemberlistConfig(name, bindAddr, bindPort, keys, protocolVersion, compression, l, meta, timers);
    }

    public MemberlistConfig withMeta(byte[] m) {
        return new MemberlistConfig(name, bindAddr, bindPort, keys, protocolVersion, compression, label, m, timers);
    }

    public MemberlistConfig withTimers(Timers t) {
        return new MemberlistConfig(name, bindAddr, bindPort, keys, protocolVersion, compression, label, meta, t);
    }

    /** The 6-byte version vector this member advertises: [pmin=1, pmax=5, pcur, 0, 0, 0]. */
    byte[] vsn() {
        return new byte[] {1, 5, (byte) protocolVersion, 0, 0, 0};
    }

    /**
     * memberlist's timers and fan-outs. Names and meanings are those of hashicorp/memberlist's Config.
     */
    public record Timers(Duration probeInterval, Duration probeTimeout, int indirectChecks, boolean disableTcpPings,
                         int suspicionMult, int suspicionMaxTimeoutMult, int awarenessMaxMultiplier, int retransmitMult,
                         Duration gossipInterval, int gossipNodes, Duration gossipToTheDeadTime, Duration pushPullInterval,
                         Duration tcpTimeout, int udpBufferSize) {
        public Timers {
            for (Duration d : List.of(probeInterval, probeTimeout, gossipInterval, gossipToTheDeadTime, tcpTimeout)) {
                if (d.isNegative() || d.isZero()) throw new IllegalArgumentException("timers must be positive");
            }
            if (pushPullInterval.isNegative()) throw new IllegalArgumentException("push/pull interval must not be negative (0 = off)");
            if (suspicionMult < 1 || suspicionMaxTimeoutMult < 1 || awarenessMaxMultiplier < 1 || retransmitMult < 1) {
                throw new IllegalArgumentException("multipliers must be at least 1");
            }
        }

        /** DefaultLANConfig. */
        public static Timers lan() {
            return new Timers(Duration.ofSeconds(1), Duration.ofMillis(500), 3, false, 4, 6, 8, 4, Duration.ofMillis(200), 3,
                    Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(10), 1400);
        }

        /** DefaultWANConfig (MetalLB &ge; 0.14 can select it). */
        public static Timers wan() {
            return new Timers(Duration.ofSeconds(5), Duration.ofSeconds(3), 3, false, 6, 6, 8, 4, Duration.ofMillis(500), 4,
                    Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(30), 1400);
        }

        /** DefaultLocalConfig. */
        public static Timers local() {
            return new Timers(Duration.ofSeconds(1), Duration.ofMillis(200), 1, false, 3, 6, 8, 2, Duration.ofMillis(100), 3,
                    Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(1), 1400);
        }

        public Timers withPushPullInterval(Duration d) {
            return new Timers(probeInterval, probeTimeout, indirectChecks, disableTcpPings, suspicionMult, suspicionMaxTimeoutMult,
                    awarenessMaxMultiplier, retransmitMult, gossipInterval, gossipNodes, gossipToTheDeadTime, d, tcpTimeout, udpBufferSize);
        }
    }
}
