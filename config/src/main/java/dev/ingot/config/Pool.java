package dev.ingot.config;

import java.util.List;

/**
 * One entry of {@code address-pools}.
 *
 * @param name the pool's name, unique
 * @param protocol how its addresses are announced
 * @param cidrs the pool's addresses as prefixes, in configuration order (ranges summarised)
 * @param avoidBuggyIps never hand out IPv4 addresses ending in .0 or .255
 * @param autoAssign whether Services that do not ask for this pool may get addresses from it
 * @param advertisements how its addresses are announced over BGP (empty for layer2)
 */
public record Pool(String name, Protocol protocol, List<Cidr> cidrs, boolean avoidBuggyIps, boolean autoAssign,
                   List<Advertisement> advertisements) {

    public Pool {
        cidrs = List.copyOf(cidrs);
        advertisements = List.copyOf(advertisements);
    }

    /** True when the address belongs to the pool (with avoid-buggy-ips, .0 and .255 do not). */
    public boolean contains(java.net.InetAddress a) {
        if (avoidBuggyIps && isBuggy(a)) {
            return false;
        }
        return cidrs.stream().anyMatch(c -> c.contains(a));
    }

    /** IPv4 addresses ending in .0 or .255, which some old client stacks cannot reach. */
    public static boolean isBuggy(java.net.InetAddress a) {
        byte[] b = a.getAddress();
        return b.length == 4 && (b[3] == 0 || b[3] == (byte) 255);
    }

    public enum Protocol {
        BGP("bgp"), LAYER2("layer2");

        private final String text;

        Protocol(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
