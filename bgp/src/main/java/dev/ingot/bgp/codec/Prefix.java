package dev.ingot.bgp.codec;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 prefix as carried in NLRI: the address with every bit past {@code length} cleared.
 * Construction rejects host bits, so two equal prefixes always have equal bytes.
 */
public final class Prefix implements Comparable<Prefix> {
    private final byte[] bytes; // 4 or 16
    private final int length;

    private Prefix(byte[] bytes, int length) {
        this.bytes = bytes;
        this.length = length;
    }

    /** A prefix from address bytes (4 or 16) and a length; bits past the length must be zero. */
    public static Prefix of(byte[] address, int length) {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("a prefix address has 4 or 16 bytes, not " + address.length);
        }
        if (length < 0 || length > address.length * 8) {
            throw new IllegalArgumentException("prefix length " + length + " out of range 0.." + address.length * 8);
        }
        byte[] b = address.clone();
        for (int bit = length; bit < b.length * 8; bit++) {
            if ((b[bit >> 3] & (0x80 >>> (bit & 7))) != 0) {
                throw new IllegalArgumentException("prefix " + addressString(b) + "/" + length + " has host bits set");
            }
        }
        return new Prefix(b, length);
    }

    public static Prefix of(InetAddress address, int length) {
        return of(address.getAddress(), length);
    }

    /** Parses "a.b.c.d/len", "x::y/len", or a bare address (a host route: /32 or /128). */
    public static Prefix parse(String text) {
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        if (addr.isEmpty() || !(addr.indexOf(':') >= 0 || addr.chars().allMatch(c -> c == '.' || Character.isDigit(c)))) {
            throw new IllegalArgumentException("not an IP prefix: \"" + text + "\"");
        }
        InetAddress a;
        try {
            a = InetAddress.getByName(addr); // literal only: checked above, so no DNS lookup happens
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP prefix: \"" + text + "\"");
        }
        int len;
        try {
            len = slash < 0 ? a.getAddress().length * 8 : Integer.parseInt(text.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad prefix length in \"" + text + "\"");
        }
        return of(a, len);
    }

    public int length() { return length; }
    public boolean isIpv4() { return bytes.length == 4; }
    public AfiSafi afiSafi() { return isIpv4() ? AfiSafi.IPV4_UNICAST : AfiSafi.IPV6_UNICAST; }
    public byte[] addressBytes() { return bytes.clone(); }

    /** Writes the NLRI encoding: the length octet and the significant address octets. */
    public void writeNlri(io.netty.buffer.ByteBuf out) {
        out.writeByte(length);
        out.writeBytes(bytes, 0, (length + 7) / 8);
    }

    /** Bytes this prefix takes in NLRI: one length octet plus the significant address octets. */
    public int wireLength() { return 1 + (length + 7) / 8; }

    public InetAddress address() {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The address in its usual text form (RFC 5952 for IPv6: lower case, longest zero run as "::"). */
    static String addressString(byte[] b) {
        if (b.length == 4) {
            return (b[0] & 255) + "." + (b[1] & 255) + "." + (b[2] & 255) + "." + (b[3] & 255);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((b[2 * i] & 255) << 8) | (b[2 * i + 1] & 255);
        int bestStart = -1, bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) { sb.append("::"); i += bestLen - 1; continue; }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override public boolean equals(Object o) {
        return o instanceof Prefix p && p.length == length && Arrays.equals(p.bytes, bytes);
    }
    @Override public int hashCode() { return Arrays.hashCode(bytes) * 131 + length; }
    @Override public String toString() { return addressString(bytes) + "/" + length; }

    @Override
    public int compareTo(Prefix o) {
        if (bytes.length != o.bytes.length) return Integer.compare(bytes.length, o.bytes.length);
        int c = Arrays.compareUnsigned(bytes, o.bytes);
        return c != 0 ? c : Integer.compare(length, o.length);
    }

    /** True for IPv4 addresses; used where only the family matters. */
    public static boolean isIpv4(InetAddress a) { return a instanceof Inet4Address; }
}
