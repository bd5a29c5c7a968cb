package dev.ingot.ipvs;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An IPVS virtual service as Ingot wants it: identified by protocol, address and port.
 *
 * @param protocol           TCP, UDP or SCTP
 * @param address            the VIP (IPv4 or IPv6)
 * @param port               1..65535
 * @param scheduler          how connections are spread
 * @param schedulerFlags     only for {@link Scheduler#SH} and {@link Scheduler#MH}
 * @param persistenceTimeout seconds a client sticks to its real server (ipvsadm -p); 0 for none
 * @param realServers        its real servers, at most one per address and port; with direct routing or tunnelling
 *                           a real server's port must be the service's (only NAT can change it)
 */
public record VirtualService(Protocol protocol, InetAddress address, int port, Scheduler scheduler,
                             Set<SchedulerFlag> schedulerFlags, int persistenceTimeout,
                             List<RealServer> realServers) {

    /** What identifies a virtual service in the kernel. */
    public record Key(Protocol protocol, InetAddress address, int port) {
        @Override
        public String toString() {
            return protocol + " " + endpoint(address, port);
        }
    }

    public VirtualService {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(scheduler, "scheduler");
        schedulerFlags = schedulerFlags.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(schedulerFlags));
        realServers = List.copyOf(realServers);
        String self = protocol + " " + endpoint(address, port);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(self + ": port must be 1..65535");
        }
        if (!schedulerFlags.isEmpty() && !scheduler.takesFlags()) {
            throw new IllegalArgumentException(self + ": scheduler " + scheduler.kernelName()
                    + " takes no flags (only sh and mh do), got " + schedulerFlags);
        }
        if (persistenceTimeout < 0) {
            throw new IllegalArgumentException(self + ": persistence timeout must be >= 0 seconds");
        }
        Set<String> seen = new HashSet<>();
        for (RealServer r : realServers) {
            if (!seen.add(r.endpoint())) {
                throw new IllegalArgumentException(self + ": real server " + r.endpoint() + " listed twice");
            }
            if (r.forwarding() != Forwarding.MASQ && r.port() != port) {
                throw new IllegalArgumentException(self + ": real server " + r.endpoint() + " uses "
                        + r.forwarding() + ", which cannot change the port: give it port " + port
                        + " or use MASQ");
            }
            if ((r.address() instanceof Inet4Address) != (address instanceof Inet4Address)) {
                throw new IllegalArgumentException(self + ": real server " + r.endpoint()
                        + " is of another address family than the virtual service");
            }
        }
    }

    /** A virtual service with no flags and no persistence. */
    public static VirtualService of(Protocol protocol, InetAddress address, int port, Scheduler scheduler,
                                    List<RealServer> realServers) {
        return new VirtualService(protocol, address, port, scheduler, Set.of(), 0, realServers);
    }

    public Key key() {
        return new Key(protocol, address, port);
    }

    public VirtualService withRealServers(List<RealServer> servers) {
        return new VirtualService(protocol, address, port, scheduler, schedulerFlags, persistenceTimeout, servers);
    }

    static String endpoint(InetAddress a, int port) {
        String h = a.getHostAddress();
        return (a instanceof Inet6Address ? "[" + h + "]" : h) + ":" + port;
    }
}
