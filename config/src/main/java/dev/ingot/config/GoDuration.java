package dev.ingot.config;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;

/** Go's {@code time.ParseDuration}: a sequence of decimal numbers with units (ns, us, µs, ms, s, m, h). */
final class GoDuration {
    private GoDuration() {}

    private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /** Parses like Go; throws {@link IllegalArgumentException} with Go's wording. */
    static Duration parse(String s) {
        String orig = s;
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
        }
        boolean neg = false;
        if (s.charAt(0) == '-' || s.charAt(0) == '+') {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
        }
        BigDecimal totalNanos = BigDecimal.ZERO;
        int i = 0;
        while (i < s.length()) {
            int start = i;
            while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            String num = s.substring(start, i);
            if (num.isEmpty() || num.equals(".") || num.chars().filter(c -> c == '.').count() > 1) {
                throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
            }
            int ustart = i;
            while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            String unit = s.substring(ustart, i);
            long mult = switch (unit) {
                case "ns" -> 1L;
                case "us", "µs", "μs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                case "h" -> 3_600_000_000_000L;
                case "" -> throw new IllegalArgumentException("missing unit in duration \"" + orig + "\"");
                default -> throw new IllegalArgumentException("unknown unit \"" + unit + "\" in duration \"" + orig
                        + "\"");
            };
            totalNanos = totalNanos.add(new BigDecimal(num.startsWith(".") ? "0" + num : num)
                    .multiply(BigDecimal.valueOf(mult)));
        }
        BigInteger nanos = totalNanos.toBigInteger();
        if (nanos.compareTo(MAX) > 0) {
            throw new IllegalArgumentException("invalid duration \"" + orig + "\"");
        }
        Duration d = Duration.ofNanos(nanos.longValue());
        return neg ? d.negated() : d;
    }

    /** Truncates towards zero to whole seconds, as MetalLB does with {@code int(d.Seconds())}. */
    static Duration wholeSeconds(Duration d) {
        long nanos = d.toNanos();
        return Duration.ofSeconds(nanos / 1_000_000_000L);
    }

    /** Go's {@code Duration.String()} for whole seconds: "1m30s", "0s". */
    static String format(Duration d) {
        long s = d.getSeconds();
        if (s == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        if (s < 0) {
            b.append('-');
            s = -s;
        }
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        if (h > 0) {
            b.append(h).append('h');
        }
        if (h > 0 || m > 0) {
            b.append(m).append('m');
        }
        b.append(sec).append('s');
        return b.toString();
    }
}
