package dev.ingot.bgp.bfd;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * What identifies a BFD session: the peer's address, the local address to send from and receive
 * on (null: any, chosen by the kernel), and whether it is single-hop (RFC 5881, UDP 3784, TTL 255)
 * or multihop (RFC 5883, UDP 4784, TTL at least the profile's minimum-ttl). For a BGP neighbour,
 * multihop is true exactly when the neighbour uses ebgp-multihop.
 */
public record BfdPeer(InetAddress peer, InetAddress local, boolean multihop) {
    public static final int SINGLE_HOP_PORT = 3784;
    public static final int MULTIHOP_PORT = 4784;

    public BfdPeer {
        Objects.requireNonNull(peer, "peer");
        if (local != null && (local instanceof Inet4Address) != (peer instanceof Inet4Address)) {
            throw new IllegalArgumentException("local address " + local.getHostAddress()
                    + " and peer address " + peer.getHostAddress() + " are of different families");
        }
    }

    public static BfdPeer singleHop(InetAddress peer, InetAddress local) {
        return new BfdPeer(peer, local, false);
    }

    public static BfdPeer multihop(InetAddress peer, InetAddress local) {
        return new BfdPeer(peer, local, true);
    }

    /** The UDP destination port of its control packets. */
    public int port() {
        return multihop ? MULTIHOP_PORT : SINGLE_HOP_PORT;
    }

    @Override
    public String toString() {
        return peer.getHostAddress() + (local != null ? " from " + local.getHostAddress() : "")
                + (multihop ? " (multihop)" : "");
    }
}
