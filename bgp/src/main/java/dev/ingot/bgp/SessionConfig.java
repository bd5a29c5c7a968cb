package dev.ingot.bgp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * One BGP peer as the caller configures it. Build with {@link #builder(InetAddress, long, long)}.
 *
 * @param peerAddress the peer's address
 * @param peerPort the peer's TCP port (179)
 * @param peerAsn the ASN the peer must present; a different one gets NOTIFICATION Bad Peer AS
 * @param localAsn our ASN (4-octet ASNs are sent as AS_TRANS plus the 4-octet AS capability)
 * @param sourceAddress local address to connect from, or null for the kernel's choice; when it is not a local
 *     address the session logs a warning and connects with the kernel's choice
 * @param routerId BGP Identifier, or null for MetalLB's rule: the IPv4 local address of the connection, else the
 *     first IPv4 address of its interface, else CRC-32 of the node name
 * @param holdTime hold time we offer (0, or at least 3 s)
 * @param keepaliveTime keepalive interval, or null for a third of the negotiated hold time
 * @param password TCP MD5 signature key (RFC 2385), or null
 * @param passive never connect; accept the peer's connection only (needs a listening {@link SessionManager})
 * @param ebgpMultihop send with TTL 255 instead of 1 for eBGP (iBGP always uses 255)
 * @param gracefulRestart the graceful restart capability to advertise, or null for none
 */
public record SessionConfig(InetAddress peerAddress, int peerPort, long peerAsn, long localAsn, InetAddress sourceAddress,
                            Inet4Address routerId, Duration holdTime, Duration keepaliveTime, String password,
                            boolean passive, boolean ebgpMultihop, GracefulRestart gracefulRestart) {

    /** Graceful restart (RFC 4724): restart time and the Restart State (R) bit. End-of-RIB is always sent. */
    public record GracefulRestart(Duration restartTime, boolean restarting) {
        public GracefulRestart {
            if (restartTime.isNegative() || restartTime.toSeconds() > 4095) {
                throw new IllegalArgumentException("graceful restart time must be 0..4095 s, not " + restartTime.toSeconds());
            }
        }
    }

    public SessionConfig {
        Objects.requireNonNull(peerAddress, "peerAddress");
        Objects.requireNonNull(holdTime, "holdTime");
        if (peerPort < 1 || peerPort > 65535) throw new IllegalArgumentException("peer port must be 1..65535, not " + peerPort);
        checkAsn(peerAsn, "peer ASN");
        checkAsn(localAsn, "local ASN");
        long h = holdTime.toSeconds();
        if (h != 0 && (h < 3 || h > 65535)) {
            throw new IllegalArgumentException("hold time must be 0 or 3..65535 s (RFC 4271 §4.2), not " + h + " s");
        }
        if (keepaliveTime != null && (keepaliveTime.isNegative() || keepaliveTime.toSeconds() > 21845)) {
            throw new IllegalArgumentException("keepalive time must be 0..21845 s, not " + keepaliveTime.toSeconds() + " s");
        }
        // the key is the password's UTF-8 bytes, as Go's []byte(string) gives MetalLB and the switch's CLI gives it
        if (password != null && (password.isEmpty()
                || password.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 80)) {
            throw new IllegalArgumentException("TCP MD5 password must be 1..80 bytes in UTF-8 (TCP_MD5SIG_MAXKEYLEN)");
        }
        if (sourceAddress != null && (sourceAddress instanceof Inet6Address) != (peerAddress instanceof Inet6Address)) {
            throw new IllegalArgumentException("source address " + sourceAddress.getHostAddress()
                    + " is not of the same family as peer " + peerAddress.getHostAddress());
        }
    }

    private static void checkAsn(long asn, String what) {
        if (asn < 1 || asn > 0xFFFF_FFFFL || asn == 23456) {
            throw new IllegalArgumentException(what + " must be 1..4294967295 and not AS_TRANS 23456, not " + asn);
        }
    }

    /** The peer's name in metrics and logs, as MetalLB writes it: "ip:port" ("[ip]:port" for IPv6). */
    public String key() {
        String a = peerAddress.getHostAddress();
        return (peerAddress instanceof Inet6Address ? "[" + a + "]" : a) + ":" + peerPort;
    }

    public boolean ibgp() { return peerAsn == localAsn; }

    public static Builder builder(InetAddress peerAddress, long peerAsn, long localAsn) {
        return new Builder(peerAddress, peerAsn, localAsn);
    }

    public Builder toBuilder() {
        Builder b = new Builder(peerAddress, peerAsn, localAsn);
        b.peerPort = peerPort; b.sourceAddress = sourceAddress; b.routerId = routerId; b.holdTime = holdTime;
        b.keepaliveTime = keepaliveTime; b.password = password; b.passive = passive; b.ebgpMultihop = ebgpMultihop;
        b.gracefulRestart = gracefulRestart;
        return b;
    }

    /** Builder with MetalLB's defaults: port 179, hold time 90 s, keepalive hold/3. */
    public static final class Builder {
        private final InetAddress peerAddress;
        private final long peerAsn, localAsn;
        private int peerPort = 179;
        private InetAddress sourceAddress;
        private Inet4Address routerId;
        private Duration holdTime = Duration.ofSeconds(90);
        private Duration keepaliveTime;
        private String password;
        private boolean passive, ebgpMultihop;
        private GracefulRestart gracefulRestart;

        private Builder(InetAddress peerAddress, long peerAsn, long localAsn) {
            this.peerAddress = peerAddress;
            this.peerAsn = peerAsn;
            this.localAsn = localAsn;
        }
        public Builder peerPort(int v) { peerPort = v; return this; }
        public Builder sourceAddress(InetAddress v) { sourceAddress = v; return this; }
        public Builder routerId(Inet4Address v) { routerId = v; return this; }
        public Builder holdTime(Duration v) { holdTime = v; return this; }
        public Builder keepaliveTime(Duration v) { keepaliveTime = v; return this; }
        public Builder password(String v) { password = v; return this; }
        public Builder passive(boolean v) { passive = v; return this; }
        public Builder ebgpMultihop(boolean v) { ebgpMultihop = v; return this; }
        public Builder gracefulRestart(GracefulRestart v) { gracefulRestart = v; return this; }
        public SessionConfig build() {
            return new SessionConfig(peerAddress, peerPort, peerAsn, localAsn, sourceAddress, routerId, holdTime,
                    keepaliveTime, password, passive, ebgpMultihop, gracefulRestart);
        }
    }
}
