package dev.ingot.config;

/** A BGP community: classic (RFC 1997, {@code A:B}) or large (RFC 8092, {@code A:B:C}). */
public sealed interface Community permits Community.Standard, Community.Large {

    /** RFC 1997 community; {@code value} is {@code A << 16 | B}. */
    record Standard(long value) implements Community {
        public Standard {
            if (value < 0 || value > 0xffff_ffffL) {
                throw new IllegalArgumentException("community value out of range: " + value);
            }
        }

        @Override
        public String toString() {
            return (value >>> 16) + ":" + (value & 0xffff);
        }
    }

    /** RFC 8092 large community: global administrator and two local data parts, each 32 bits. */
    record Large(long global, long local1, long local2) implements Community {
        public Large {
            for (long v : new long[] {global, local1, local2}) {
                if (v < 0 || v > 0xffff_ffffL) {
                    throw new IllegalArgumentException("large community part out of range: " + v);
                }
            }
        }

        @Override
        public String toString() {
            return global + ":" + local1 + ":" + local2;
        }
    }

    /** The well-known GRACEFUL_SHUTDOWN community (RFC 8326), 65535:0. */
    Standard GRACEFUL_SHUTDOWN = new Standard(0xffff_0000L);

    /**
     * Parses {@code A:B} (each part 0-65535) or {@code A:B:C} (each part 0-4294967295), decimal. Throws
     * {@link IllegalArgumentException} whose message names the part that is wrong.
     */
    static Community parse(String text) {
        String[] p = text.split(":", -1);
        if (p.length == 2) {
            long a = part(p[0], 0xffff, "first", text);
            long b = part(p[1], 0xffff, "second", text);
            return new Standard(a << 16 | b);
        }
        if (p.length == 3) {
            return new Large(part(p[0], 0xffff_ffffL, "first", text), part(p[1], 0xffff_ffffL, "second", text),
                    part(p[2], 0xffff_ffffL, "third", text));
        }
        throw new IllegalArgumentException("invalid community string \"" + text
                + "\": write it as A:B (two 16-bit numbers) or A:B:C (a large community, three 32-bit numbers)");
    }

    private static long part(String s, long max, String which, String whole) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("invalid " + which + " section of community \"" + whole + "\": \""
                    + s + "\" is not a decimal number");
        }
        long v = Long.parseLong(s);
        if (v > max) {
            throw new IllegalArgumentException("invalid " + which + " section of community \"" + whole + "\": " + v
                    + " is more than " + max);
        }
        return v;
    }
}
