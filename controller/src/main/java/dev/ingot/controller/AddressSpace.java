package dev.ingot.controller;

import dev.ingot.config.Cidr;
import dev.ingot.config.IpAddresses;
import dev.ingot.config.Pool;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.TreeMap;

/**
 * The allocatable addresses of one CIDR of one pool, numbered as slots {@code 0..size-1} in ascending address order,
 * and the set of slots in use kept as merged intervals. Finding the lowest free address, taking and releasing one are
 * O(log k) in the number k of used intervals, never a scan of the CIDR: a /8 serves its millionth Service as fast as
 * its first.
 *
 * <p>With avoid-buggy-ips the IPv4 addresses ending in .0 and .255 are not slots at all: slot s is the s-th usable
 * address, by arithmetic (254 usable addresses per /24). An IPv6 CIDR with more than 2^62 addresses is numbered over
 * its first 2^62 only; addresses beyond that can still be requested and shared (the allocator tracks them by
 * address) but are never handed out automatically.
 */
final class AddressSpace {
    static final long MAX_SLOTS = 1L << 62;

    final Cidr cidr;
    final int index;
    private final boolean v6;
    private final boolean avoidBuggy;
    private final long firstV4;
    private final BigInteger first;
    private final long rankBase;
    final long size;
    /** Used slots as disjoint, non-adjacent intervals: start to end, both included. */
    private final TreeMap<Long, Long> used = new TreeMap<>();
    private long usedCount;

    AddressSpace(Cidr cidr, int index, Pool pool) {
        this.cidr = cidr;
        this.index = index;
        this.v6 = !cidr.isIpv4();
        this.avoidBuggy = pool.avoidBuggyIps() && !v6;
        this.first = cidr.first();
        if (v6) {
            this.firstV4 = 0;
            this.rankBase = 0;
            this.size = cidr.size().min(BigInteger.valueOf(MAX_SLOTS)).longValueExact();
        } else {
            this.firstV4 = first.longValueExact();
            long end = firstV4 + cidr.size().longValueExact(); // exclusive
            this.rankBase = avoidBuggy ? rank(firstV4) : firstV4;
            this.size = (avoidBuggy ? rank(end) : end) - rankBase;
        }
    }

    /** Usable IPv4 addresses below {@code v} when .0 and .255 are avoided. */
    private static long rank(long v) {
        return (v >>> 8) * 254 + Math.clamp((v & 255) - 1, 0, 254);
    }

    boolean isIpv6() {
        return v6;
    }

    /** How many addresses this CIDR contributes to its pool (exact, even beyond the slot cap). */
    BigInteger capacity() {
        return v6 || !avoidBuggy ? cidr.size() : BigInteger.valueOf(size);
    }

    /**
     * The slot of an address of this CIDR, or -1 if it has none (an avoided .0/.255, or an IPv6 address beyond the
     * slot cap). The caller has checked that the CIDR contains the address.
     */
    long slotOf(InetAddress a) {
        if (v6) {
            BigInteger off = IpAddresses.toBigInteger(a).subtract(first);
            return off.bitLength() <= 62 ? off.longValue() : -1;
        }
        long v = v4(a);
        if (avoidBuggy) {
            long low = v & 255;
            return low == 0 || low == 255 ? -1 : rank(v) - rankBase;
        }
        return v - rankBase;
    }

    InetAddress addressOf(long slot) {
        if (v6) {
            return IpAddresses.fromBigInteger(first.add(BigInteger.valueOf(slot)), true);
        }
        long r = rankBase + slot;
        long v = avoidBuggy ? (r / 254) * 256 + (r % 254) + 1 : r;
        byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long v4(InetAddress a) {
        byte[] b = a.getAddress();
        return ((b[0] & 0xffL) << 24) | ((b[1] & 0xffL) << 16) | ((b[2] & 0xffL) << 8) | (b[3] & 0xffL);
    }

    /** The lowest free slot, or -1 when every slot is in use. */
    long lowestFree() {
        Map.Entry<Long, Long> e = used.firstEntry();
        long candidate = e == null || e.getKey() > 0 ? 0 : e.getValue() + 1;
        return candidate < size ? candidate : -1;
    }

    boolean isFull() {
        return usedCount >= size;
    }

    void take(long slot) {
        Map.Entry<Long, Long> below = used.floorEntry(slot);
        if (below != null && below.getValue() >= slot) {
            throw new IllegalStateException("slot " + slot + " of " + cidr + " is already taken");
        }
        long start = slot;
        long end = slot;
        if (below != null && below.getValue() == slot - 1) {
            start = below.getKey();
        }
        Long aboveEnd = used.remove(slot + 1);
        if (aboveEnd != null) {
            end = aboveEnd;
        }
        used.put(start, end);
        usedCount++;
    }

    void release(long slot) {
        Map.Entry<Long, Long> e = used.floorEntry(slot);
        if (e == null || e.getValue() < slot) {
            throw new IllegalStateException("slot " + slot + " of " + cidr + " is not taken");
        }
        long start = e.getKey();
        long end = e.getValue();
        used.remove(start);
        if (start < slot) {
            used.put(start, slot - 1);
        }
        if (slot < end) {
            used.put(slot + 1, end);
        }
        usedCount--;
    }
}
