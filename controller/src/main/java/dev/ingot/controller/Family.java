package dev.ingot.controller;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;

/** The IP family of a Service or of a set of addresses, named as MetalLB names them in its messages. */
public enum Family {
    IPV4("ipv4"), IPV6("ipv6"), DUAL("dual");

    private final String text;

    Family(String text) {
        this.text = text;
    }

    /** The family of one address. */
    public static Family of(InetAddress a) {
        return a instanceof Inet4Address ? IPV4 : IPV6;
    }

    /**
     * The family of a list of addresses: one address gives its family, two of different families give {@link #DUAL}.
     * Anything else is an error whose message is MetalLB's.
     */
    public static Family of(List<InetAddress> ips) {
        if (ips.size() == 1) {
            return of(ips.getFirst());
        }
        if (ips.size() == 2) {
            if (of(ips.get(0)) == of(ips.get(1))) {
                throw new IllegalArgumentException("IPFamilyForAddresses: same address family " + GoText.quote(ips));
            }
            return DUAL;
        }
        throw new IllegalArgumentException("IPFamilyForAddresses: invalid ips length " + ips.size() + " "
                + GoText.quote(ips));
    }

    /** True for the families a request of this family needs: v4 for IPV4 and DUAL, v6 for IPV6 and DUAL. */
    boolean wants(Family single) {
        return this == DUAL || this == single;
    }

    @Override
    public String toString() {
        return text;
    }
}
