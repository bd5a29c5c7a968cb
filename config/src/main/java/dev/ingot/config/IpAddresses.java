package dev.ingot.config;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Strict textual IP addresses, parsed the way Go's {@code net.ParseIP} does (no host names, no zones, no leading
 * zeros in IPv4), and printed in canonical form (dotted quad; RFC 5952 for IPv6). Never touches DNS.
 */
public final class IpAddresses {
    private IpAddresses() {}

    /** Parses an IPv4 or IPv6 literal; throws {@link IllegalArgumentException} for anything else. */
    public static InetAddress parse(String text) {
        byte[] b = text.indexOf(':') >= 0 ? parse6(text) : parse4(text);
        if (b == null) {
            throw new IllegalArgumentException("\"" + text + "\" is not an IP address");
        }
        return fromBytes(b);
    }

    /** Parses an IPv4 or IPv6 literal as {@link #parse} does; null for anything else. */
    public static InetAddress parseOrNull(String text) {
        byte[] b = text.indexOf(':') >= 0 ? parse6(text) : parse4(text);
        return b == null ? null : fromBytes(b);
    }

    /**
     * Orders addresses by their unsigned value, as {@link #toBigInteger} would, without making numbers of them: an
     * IPv4 address compares as its 32-bit value against an IPv6 one.
     */
    public static int compare(InetAddress a, InetAddress b) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            byte[] longer = x.length > y.length ? x : y;
            int extra = Math.abs(x.length - y.length);
            for (int i = 0; i < extra; i++) {
                if (longer[i] != 0) {
                    return longer == x ? 1 : -1;
                }
            }
            return x.length > y.length ? Arrays.compareUnsigned(x, extra, x.length, y, 0, y.length)
                    : Arrays.compareUnsigned(x, 0, x.length, y, extra, y.length);
        }
        return Arrays.compareUnsigned(x, y);
    }

    /** True when {@code text} is an IPv4 or IPv6 literal. */
    public static boolean isLiteral(String text) {
        return (text.indexOf(':') >= 0 ? parse6(text) : parse4(text)) != null;
    }

    static InetAddress fromBytes(byte[] b) {
        try {
            return InetAddress.getByAddress(b); // no lookup for raw bytes
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static byte[] parse4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            Integer v = octet(parts[i]);
            if (v == null) {
                return null;
            }
            out[i] = (byte) (int) v;
        }
        return out;
    }

    private static Integer octet(String p) {
        if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0')) {
            return null;
        }
        int v = 0;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c < '0' || c > '9') {
                return null;
            }
            v = v * 10 + (c - '0');
        }
        return v <= 255 ? v : null;
    }

    private static byte[] parse6(String s) {
        if (s.indexOf('%') >= 0) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] head = gap >= 0 ? groups(s.substring(0, gap), false) : groups(s, true);
        byte[] tail = gap >= 0 ? groups(s.substring(gap + 2), true) : new byte[0];
        if (head == null || tail == null) {
            return null;
        }
        int fill = 16 - head.length - tail.length;
        if ((gap >= 0 && fill < 2) || (gap < 0 && fill != 0)) {
            return null;
        }
        byte[] out = new byte[16];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(tail, 0, out, 16 - tail.length, tail.length);
        return out;
    }

    /** Colon-separated hex groups; the last may be a dotted IPv4 when {@code allowV4Tail}. Empty text: no bytes. */
    private static byte[] groups(String s, boolean allowV4Tail) {
        if (s.isEmpty()) {
            return new byte[0];
        }
        String[] parts = s.split(":", -1);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && allowV4Tail && p.indexOf('.') >= 0) {
                byte[] v4 = parse4(p);
                if (v4 == null) {
                    return null;
                }
                out.writeBytes(v4);
                continue;
            }
            if (p.isEmpty() || p.length() > 4) {
                return null;
            }
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                int d = Character.digit(p.charAt(j), 16);
                if (d < 0) {
                    return null;
                }
                v = v * 16 + d;
            }
            out.write(v >> 8);
            out.write(v & 0xff);
        }
        return out.size() <= 16 ? out.toByteArray() : null;
    }

    /** Canonical text: dotted quad, or RFC 5952 (lower case, longest zero run of two or more groups as "::"). */
    public static String format(InetAddress a) {
        if (a instanceof Inet4Address) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    /** The address as an unsigned number. */
    public static BigInteger toBigInteger(InetAddress a) {
        return new BigInteger(1, a.getAddress());
    }

    /** The address of the given family ({@code ipv6} or not) whose unsigned value is {@code v}. */
    public static InetAddress fromBigInteger(BigInteger v, boolean ipv6) {
        int len = ipv6 ? 16 : 4;
        if (v.signum() < 0 || v.bitLength() > len * 8) {
            throw new IllegalArgumentException("value out of range for IPv" + (ipv6 ? 6 : 4) + ": " + v);
        }
        byte[] raw = v.toByteArray();
        byte[] out = new byte[len];
        int n = Math.min(raw.length, len);
        System.arraycopy(raw, raw.length - n, out, len - n, n);
        return fromBytes(out);
    }

    /** 32 for IPv4, 128 for IPv6. */
    public static int bits(InetAddress a) {
        return a instanceof Inet4Address ? 32 : 128;
    }
}
