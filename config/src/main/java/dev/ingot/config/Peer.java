package dev.ingot.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One entry of {@code peers}, with MetalLB's defaults applied.
 *
 * @param myAsn local AS number
 * @param peerAsn the router's AS number; equal to {@code myAsn} means iBGP
 * @param peerAddress the router's address (IPv4 or IPv6)
 * @param peerPort TCP port, 179 unless set
 * @param holdTime hold time in whole seconds, 90 s unless set; zero means no keepalives
 * @param keepaliveTime keepalive interval in whole seconds; a third of the hold time unless set
 * @param routerId the BGP identifier to use, when set
 * @param sourceAddress local address to connect from, when set
 * @param nodeSelectors the peer is used on a node when any selector matches its labels
 * @param password TCP MD5 key, when set (never printed: see {@link Secret})
 * @param bfdProfile the name of a {@link BfdProfile}, when BFD is to run with this peer
 * @param ebgpMultihop whether the eBGP peer may be more than one hop away
 */
public record Peer(long myAsn, long peerAsn, InetAddress peerAddress, int peerPort, Duration holdTime,
                   Duration keepaliveTime, Optional<Inet4Address> routerId, Optional<InetAddress> sourceAddress,
                   List<NodeSelector> nodeSelectors, Optional<Secret> password, Optional<String> bfdProfile,
                   boolean ebgpMultihop) {

    public Peer {
        nodeSelectors = List.copyOf(nodeSelectors);
    }

    public boolean isIbgp() {
        return myAsn == peerAsn;
    }

    /** True when this peer is to be used on a node with these labels. */
    public boolean selects(java.util.Map<String, String> nodeLabels) {
        return nodeSelectors.stream().anyMatch(s -> s.matches(nodeLabels));
    }

    /** A value that is never printed: {@link #toString()} hides it. */
    public record Secret(String value) {
        @Override
        public String toString() {
            return "<redacted>";
        }
    }
}
