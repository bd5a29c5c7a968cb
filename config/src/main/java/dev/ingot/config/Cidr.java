package dev.ingot.config;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An IP prefix with its host bits cleared. Equal prefixes are equal records; {@link #toString()} is the canonical
 * {@code address/length} form.
 */
public record Cidr(InetAddress address, int prefixLength) implements Comparable<Cidr> {

    public Cidr {
        int bits = IpAddresses.bits(address);
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " is out of range 0-" + bits);
        }
        BigInteger v = IpAddresses.toBigInteger(address);
        BigInteger masked = v.shiftRight(bits - prefixLength).shiftLeft(bits - prefixLength);
        if (!masked.equals(v)) {
            address = IpAddresses.fromBigInteger(masked, bits == 128);
        }
    }

    /**
     * Parses {@code a.b.c.d/n} or {@code x::/n} as Go's {@code net.ParseCIDR} does; host bits are cleared
     * ({@code 10.20.30.40/24} is {@code 10.20.30.0/24}). Throws {@link IllegalArgumentException} with the reason.
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("\"" + text + "\" has no prefix length (write it as address/length)");
        }
        InetAddress a = IpAddresses.parse(text.substring(0, slash));
        String len = text.substring(slash + 1);
        if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(Character::isDigit)
                || (len.length() > 1 && len.charAt(0) == '0')) {
            throw new IllegalArgumentException("\"" + len + "\" is not a prefix length");
        }
        int n = Integer.parseInt(len);
        int bits = IpAddresses.bits(a);
        if (n > bits) {
            throw new IllegalArgumentException("prefix length " + n + " is longer than " + bits + " bits");
        }
        return new Cidr(a, n);
    }

    public boolean isIpv4() {
        return IpAddresses.bits(address) == 32;
    }

    public int addressBits() {
        return IpAddresses.bits(address);
    }

    /** The first address as a number. */
    public BigInteger first() {
        return IpAddresses.toBigInteger(address);
    }

    /** The last address as a number. */
    public BigInteger last() {
        return first().add(size()).subtract(BigInteger.ONE);
    }

    /** How many addresses the prefix holds. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(addressBits() - prefixLength);
    }

    public boolean contains(InetAddress a) {
        if (IpAddresses.bits(a) != addressBits()) {
            return false;
        }
        // the first prefixLength bits are the network's (whose host bits are clear)
        byte[] x = a.getAddress();
        byte[] net = address.getAddress();
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (x[i] != net[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        return rest == 0 || ((x[whole] ^ net[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
    }

    /** True when the two prefixes share an address (one contains the other). */
    public boolean overlaps(Cidr o) {
        return o.addressBits() == addressBits()
                && (prefixLength <= o.prefixLength ? contains(o.address) : o.contains(address));
    }

    /**
     * The minimal list of prefixes, in address order, that covers exactly {@code start..end} (both included, same
     * family, start not after end).
     */
    public static List<Cidr> summarize(InetAddress start, InetAddress end) {
        int bits = IpAddresses.bits(start);
        if (bits != IpAddresses.bits(end)) {
            throw new IllegalArgumentException("start and end are of different address families");
        }
        BigInteger s = IpAddresses.toBigInteger(start);
        BigInteger e = IpAddresses.toBigInteger(end);
        if (s.compareTo(e) > 0) {
            throw new IllegalArgumentException("start is after end");
        }
        List<Cidr> out = new ArrayList<>();
        while (s.compareTo(e) <= 0) {
            // the largest aligned block starting at s that does not pass e
            int size = s.signum() == 0 ? bits : Math.min(s.getLowestSetBit(), bits);
            BigInteger remaining = e.subtract(s).add(BigInteger.ONE);
            while (BigInteger.ONE.shiftLeft(size).compareTo(remaining) > 0) {
                size--;
            }
            out.add(new Cidr(IpAddresses.fromBigInteger(s, bits == 128), bits - size));
            s = s.add(BigInteger.ONE.shiftLeft(size));
        }
        return out;
    }

    @Override
    public int compareTo(Cidr o) {
        int c = Integer.compare(addressBits(), o.addressBits());
        if (c == 0) {
            c = IpAddresses.compare(address, o.address);
        }
        return c != 0 ? c : Integer.compare(prefixLength, o.prefixLength);
    }

    @Override
    public String toString() {
        return IpAddresses.format(address) + "/" + prefixLength;
    }
}
