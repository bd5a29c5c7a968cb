package dev.ingot.controller;

import dev.ingot.config.IpAddresses;
import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/** Renders values the way MetalLB's Go messages do, so that Events and logs read the same. */
final class GoText {
    private GoText() {}

    /** Go's {@code %q} of a {@code []net.IP}: {@code ["10.0.0.1" "fc00::1"]}. */
    static String quote(List<InetAddress> ips) {
        return ips.stream().map(a -> quote(IpAddresses.format(a))).collect(Collectors.joining(" ", "[", "]"));
    }

    /** Go's {@code %q} of a string (the characters that need escaping in practice). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
