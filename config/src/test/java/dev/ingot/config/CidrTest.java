package dev.ingot.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest
    @CsvSource({
            "10.20.30.40/24, 10.20.30.0/24",
            "0.0.0.0/0, 0.0.0.0/0",
            "255.255.255.255/32, 255.255.255.255/32",
            "2001:DB8::1/64, 2001:db8::/64",
            "2001:db8:0:0:1:0:0:1/128, 2001:db8::1:0:0:1/128",
            "::/0, ::/0",
            "fd00:19:200::ff/120, fd00:19:200::/120"})
    void parsesAndMasks(String in, String out) {
        assertThat(Cidr.parse(in).toString()).isEqualTo(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "x/24",
            "2001:db8::/129", "10.0.0.0/24/1", "1.2.3.4.5/32", "::1::/64", "fe80::1%eth0/64"})
    void refusesMalformed(String in) {
        assertThatThrownBy(() -> Cidr.parse(in)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"1.2.3.4, 1.2.3.4", "::, ::", "::1, ::1", "1::, 1::", "2001:db8:0:0:0:0:2:1, 2001:db8::2:1",
            "2001:0db8:0000:0001:0000:0000:0000:0001, 2001:db8:0:1::1", "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1", "::ffff:1.2.3.4, 1.2.3.4", "64:ff9b::192.0.2.33, 64:ff9b::c000:221"})
    void formatsCanonically(String in, String out) {
        assertThat(IpAddresses.format(IpAddresses.parse(in))).isEqualTo(out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.", "256.1.1.1", "01.2.3.4", "1.2.3.-4", "localhost", "1:2:3:4:5:6:7:8:9",
            ":::", "1::2::3", "12345::", "g::1", "::1.2.3", "1.2.3.4::"})
    void refusesNonLiterals(String in) {
        assertThatThrownBy(() -> IpAddresses.parse(in)).isInstanceOf(IllegalArgumentException.class);
        assertThat(IpAddresses.isLiteral(in)).isFalse();
    }

    @Test
    void overlapIsContainment() {
        assertThat(Cidr.parse("10.0.0.0/8").overlaps(Cidr.parse("10.1.0.0/16"))).isTrue();
        assertThat(Cidr.parse("10.1.0.0/16").overlaps(Cidr.parse("10.0.0.0/8"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/24").overlaps(Cidr.parse("10.0.1.0/24"))).isFalse();
        assertThat(Cidr.parse("::/0").overlaps(Cidr.parse("10.0.0.0/8"))).isFalse();
    }

    @Test
    void summarizesTheDocumentedExample() {
        assertThat(Cidr.summarize(ip("40.0.0.150"), ip("40.0.0.200")).stream().map(Cidr::toString))
                .containsExactly("40.0.0.150/31", "40.0.0.152/29", "40.0.0.160/27", "40.0.0.192/29", "40.0.0.200/32");
        assertThat(Cidr.summarize(ip("0.0.0.0"), ip("255.255.255.255"))).containsExactly(Cidr.parse("0.0.0.0/0"));
        assertThat(Cidr.summarize(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")))
                .containsExactly(Cidr.parse("::/0"));
    }

    /** Property: a random range's CIDR list covers exactly the range, in order, without gaps, and minimally. */
    @RepeatedTest(300)
    void summaryCoversExactlyInOrderMinimally() {
        Random r = new Random();
        long seed = r.nextLong();
        r = new Random(seed);
        boolean v6 = r.nextBoolean();
        int bits = v6 ? 128 : 32;
        BigInteger a = new BigInteger(bits, r);
        // ranges of all scales: small ones near a random point, and huge ones
        BigInteger span = new BigInteger(r.nextInt(bits) + 1, r);
        BigInteger max = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        BigInteger b = a.add(span).min(max);
        List<Cidr> cidrs = Cidr.summarize(IpAddresses.fromBigInteger(a, v6), IpAddresses.fromBigInteger(b, v6));
        BigInteger next = a;
        for (Cidr c : cidrs) {
            assertThat(c.first()).as("seed %d: contiguous, in order", seed).isEqualTo(next);
            next = c.last().add(BigInteger.ONE);
        }
        assertThat(next.subtract(BigInteger.ONE)).as("seed %d: ends at the end", seed).isEqualTo(b);
        // minimal: no block could be doubled (its aligned buddy block of twice the size is not inside the range)
        for (Cidr c : cidrs) {
            if (c.prefixLength() == 0) {
                continue;
            }
            BigInteger doubled = c.size().shiftLeft(1);
            BigInteger start = c.first().divide(doubled).multiply(doubled);
            BigInteger end = start.add(doubled).subtract(BigInteger.ONE);
            assertThat(start.compareTo(a) >= 0 && end.compareTo(b) <= 0)
                    .as("seed %d: %s could be part of a larger block inside the range", seed, c).isFalse();
        }
        // and the count matches an independent bound: at most 2 * bits blocks
        assertThat(cidrs.size()).isLessThanOrEqualTo(2 * bits);
    }

    /** Property: comparing addresses and prefixes, and containment, agree with the addresses' numeric values. */
    @RepeatedTest(300)
    void orderAndContainmentAgreeWithTheNumbers() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        for (int i = 0; i < 50; i++) {
            InetAddress a = randomAddress(r);
            InetAddress b = r.nextInt(4) == 0 ? a : randomAddress(r);
            assertThat(Integer.signum(IpAddresses.compare(a, b))).as("seed %d: %s vs %s", seed, a, b)
                    .isEqualTo(IpAddresses.toBigInteger(a).compareTo(IpAddresses.toBigInteger(b)));
            int bits = IpAddresses.bits(a);
            Cidr c = new Cidr(a, r.nextInt(bits + 1));
            // near the prefix or anywhere: inside when between its first and last address
            InetAddress x = r.nextBoolean() ? b : IpAddresses.fromBigInteger(c.first().add(new BigInteger(bits, r)
                    .mod(c.size().shiftLeft(1))).min(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)),
                    bits == 128);
            boolean inside = IpAddresses.bits(x) == bits && IpAddresses.toBigInteger(x).compareTo(c.first()) >= 0
                    && IpAddresses.toBigInteger(x).compareTo(c.last()) <= 0;
            assertThat(c.contains(x)).as("seed %d: %s in %s", seed, x, c).isEqualTo(inside);
            Cidr d = new Cidr(b, r.nextInt(IpAddresses.bits(b) + 1));
            int expected = bits != IpAddresses.bits(b) ? Integer.compare(bits, IpAddresses.bits(b))
                    : c.first().compareTo(d.first()) != 0 ? c.first().compareTo(d.first())
                    : Integer.compare(c.prefixLength(), d.prefixLength());
            assertThat(Integer.signum(c.compareTo(d))).as("seed %d: %s vs %s", seed, c, d).isEqualTo(expected);
        }
    }

    private static InetAddress randomAddress(Random r) {
        byte[] b = new byte[r.nextBoolean() ? 4 : 16];
        r.nextBytes(b);
        if (b.length == 16 && r.nextBoolean()) {
            java.util.Arrays.fill(b, 0, 12, (byte) 0); // small IPv6 values, against IPv4 ones of the same size
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void parseOrNullAgreesWithParse() {
        assertThat(IpAddresses.parseOrNull("10.1.2.3")).isEqualTo(ip("10.1.2.3"));
        assertThat(IpAddresses.parseOrNull("2001:db8::1")).isEqualTo(ip("2001:db8::1"));
        assertThat(IpAddresses.parseOrNull("01.2.3.4")).isNull();
        assertThat(IpAddresses.parseOrNull("localhost")).isNull();
    }

    @Test
    void summaryMatchesBruteForceOnSmallRanges() {
        // every range inside a /27: greedy result equals the smallest exact cover found by brute force counting
        for (int s = 0; s < 32; s++) {
            for (int e = s; e < 32; e++) {
                List<Cidr> got = Cidr.summarize(ip("10.0.0." + s), ip("10.0.0." + e));
                assertThat(got).hasSize(minCover(s, e));
            }
        }
    }

    /** Dynamic programming over aligned blocks: the fewest aligned power-of-two blocks that tile [s, e]. */
    private static int minCover(int s, int e) {
        int[] best = new int[e + 2];
        java.util.Arrays.fill(best, Integer.MAX_VALUE);
        best[s] = 0;
        for (int i = s; i <= e; i++) {
            if (best[i] == Integer.MAX_VALUE) {
                continue;
            }
            for (int size = 1; i + size - 1 <= e; size <<= 1) {
                if (i % size == 0) {
                    best[i + size] = Math.min(best[i + size], best[i] + 1);
                }
            }
        }
        return best[e + 1];
    }

    private static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }
}
