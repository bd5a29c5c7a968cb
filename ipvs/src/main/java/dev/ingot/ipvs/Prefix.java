package dev.ingot.ipvs;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IP prefix ("10.0.0.0/24", "fd00::/64"): the address range Ingot owns, from its address pools. */
public record Prefix(InetAddress network, int length) {
    public Prefix {
        int bits = network.getAddress().length * 8;
        if (length < 0 || length > bits) {
            throw new IllegalArgumentException("prefix length " + length + " is out of 0.." + bits);
        }
        network = mask(network, length);
    }

    /** Parses "a.b.c.d/n", "x::y/n", or a bare address (a host prefix). Does no name lookups. */
    public static Prefix parse(String s) {
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        if (host.isEmpty() || !(host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("not an IP prefix: " + s);
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP prefix: " + s, e);
        }
        int len = slash < 0 ? a.getAddress().length * 8 : Integer.parseInt(s.substring(slash + 1));
        return new Prefix(a, len);
    }

    public boolean contains(InetAddress a) {
        byte[] n = network.getAddress();
        byte[] b = a.getAddress();
        if (n.length != b.length) {
            return false;
        }
        return Arrays.equals(mask(b, length), n);
    }

    private static InetAddress mask(InetAddress a, int len) {
        try {
            return InetAddress.getByAddress(mask(a.getAddress(), len));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static byte[] mask(byte[] b, int len) {
        byte[] out = b.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, len - i * 8));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        return out;
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + length;
    }
}
