package dev.ingot.bgp;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** MetalLB's router-id rule (metallb.md §3.4). */
class RouterIdsTest {
    @Test
    void configuredWinsThenLocalIpv4ThenNodeNameHash() throws Exception {
        Inet4Address configured = (Inet4Address) InetAddress.getByName("1.2.3.4");
        InetAddress local = InetAddress.getByName("10.0.0.2");
        assertThat(RouterIds.choose(configured, local, "node-1")).isEqualTo(configured);
        assertThat(RouterIds.choose(null, local, "node-1")).isEqualTo(local);
        // an IPv6 session on an interface without IPv4 (here: an address on no interface) falls back to the hash
        assertThat(RouterIds.choose(null, InetAddress.getByName("2001:db8::99"), "node-1").getHostAddress()).isEqualTo("95.28.242.19");
    }
}
