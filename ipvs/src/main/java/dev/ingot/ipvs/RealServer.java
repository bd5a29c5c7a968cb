package dev.ingot.ipvs;

import java.net.InetAddress;
import java.util.Objects;

/**
 * A real server (IPVS "destination") of a virtual service.
 *
 * @param address    its address (same family as the virtual service)
 * @param port       its port, 1..65535
 * @param weight     0..65535 (ipvsadm allows up to 2^31-1; 0 takes it out of scheduling without dropping its
 *                   connections)
 * @param forwarding how packets reach it
 */
public record RealServer(InetAddress address, int port, int weight, Forwarding forwarding) {
    public RealServer {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(forwarding, "forwarding");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("real server port must be 1..65535, got " + port);
        }
        if (weight < 0 || weight > 65535) {
            throw new IllegalArgumentException("real server weight must be 0..65535, got " + weight);
        }
    }

    public static RealServer masq(InetAddress address, int port, int weight) {
        return new RealServer(address, port, weight, Forwarding.MASQ);
    }

    /** "10.0.0.1:80" or "[fd00::1]:80". */
    public String endpoint() {
        return VirtualService.endpoint(address, port);
    }
}
