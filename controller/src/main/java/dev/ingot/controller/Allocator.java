package dev.ingot.controller;

import dev.ingot.config.Cidr;
import dev.ingot.config.Config;
import dev.ingot.config.Pool;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Ingot's IPAM, pure: which Service holds which addresses of which pool. No Kubernetes types, no I/O, not
 * thread-safe (the reconciler drives it from one thread).
 *
 * <p>The rules are MetalLB v0.12's ({@code internal/allocator}) with one fix: pools are tried in configuration
 * order instead of Go's random map order. Inside a pool the CIDRs are tried in order and the lowest free address
 * wins; a Service with a sharing key may instead land on a lower address already used by compatible Services. The
 * cost of an allocation does not depend on how many addresses a pool has or how many are in use (see
 * {@link AddressSpace}).
 */
public final class Allocator {

    /**
     * What a Service asks for.
     *
     * @param service the Service's key, {@code namespace/name}
     * @param family the Service's IP family (from its cluster IPs)
     * @param ips the addresses it requests ({@code spec.loadBalancerIP} or the loadBalancerIPs annotation), or empty
     * @param pool the pool it requests (address-pool annotation), or null
     * @param ports its ports, for sharing
     * @param sharingKey the allow-shared-ip annotation, "" when absent
     * @param backendKey "" for externalTrafficPolicy Cluster, the selector for Local
     */
    public record Request(String service, Family family, List<InetAddress> ips, String pool, List<Port> ports,
                          String sharingKey, String backendKey) {
        public Request {
            Objects.requireNonNull(service);
            Objects.requireNonNull(family);
            ips = List.copyOf(ips);
            ports = List.copyOf(ports);
            sharingKey = sharingKey == null ? "" : sharingKey;
            backendKey = backendKey == null ? "" : backendKey;
        }
    }

    /** The outcome of an allocation. */
    public sealed interface Result permits Assigned, Failed {}

    /** The Service holds these addresses (one, or one of each family) of this pool. */
    public record Assigned(String pool, List<InetAddress> ips) implements Result {
        public Assigned {
            ips = List.copyOf(ips);
        }
    }

    /** The Service got nothing; {@code message} is MetalLB's. */
    public record Failed(Failure kind, String message) implements Result {}

    /** Why an allocation failed. */
    public enum Failure {
        /** The addresses are in no pool (or in two), or an avoided .0/.255. */
        NOT_IN_CONFIG,
        /** More than two addresses, or two of one family. */
        BAD_REQUEST,
        /** The requested addresses' family is not the Service's. */
        WRONG_FAMILY,
        /** The address is used by a Service that does not share with this one. */
        SHARING,
        /** The address is shared, but one of this Service's ports is taken on it. */
        PORT_IN_USE,
        /** The address-pool annotation names no pool. */
        UNKNOWN_POOL,
        /** The requested addresses are not in the requested pool. */
        POOL_MISMATCH,
        /** The requested pool has no free address of a needed family. */
        POOL_EXHAUSTED,
        /** No auto-assign pool has a free address of a needed family. */
        NO_AVAILABLE_IPS;

        /** True when freeing an address or growing the config may let a retry succeed. */
        public boolean waitsForAddresses() {
            return this == POOL_EXHAUSTED || this == NO_AVAILABLE_IPS || this == SHARING || this == PORT_IN_USE;
        }
    }

    /** One Service's holding. */
    private record Holding(String pool, List<InetAddress> ips, Request request) {}

    /** The Services on one address. */
    private static final class Use {
        final PoolState pool;
        final AddressSpace space;
        final long slot;
        final InetAddress ip;
        String sharingKey;
        String backendKey;
        final LinkedHashMap<String, List<Port>> services = new LinkedHashMap<>(2);

        Use(PoolState pool, AddressSpace space, long slot, InetAddress ip) {
            this.pool = pool;
            this.space = space;
            this.slot = slot;
            this.ip = ip;
        }
    }

    /** Order of addresses in a pool: CIDR order, then ascending; addresses beyond the slot cap last. */
    private static final Comparator<Use> SCAN_ORDER = Comparator.<Use>comparingInt(u -> u.space.index)
            .thenComparingLong(u -> u.slot < 0 ? Long.MAX_VALUE : u.slot)
            .thenComparing(u -> new BigInteger(1, u.ip.getAddress()));

    private static final class PoolState {
        final Pool pool;
        final List<AddressSpace> spaces = new ArrayList<>();
        /** Addresses in use with a non-empty sharing key, by key, in scan order. */
        final Map<String, TreeSet<Use>> shared = new HashMap<>();
        long inUse;

        PoolState(Pool pool) {
            this.pool = pool;
            List<Cidr> cidrs = pool.cidrs();
            for (int i = 0; i < cidrs.size(); i++) {
                spaces.add(new AddressSpace(cidrs.get(i), i, pool));
            }
        }

        AddressSpace spaceFor(InetAddress ip) {
            if (!pool.contains(ip)) {
                return null;
            }
            for (AddressSpace s : spaces) {
                if (s.cidr.contains(ip)) {
                    return s;
                }
            }
            return null;
        }
    }

    private final Config config;
    private final Map<String, PoolState> pools = new LinkedHashMap<>();
    private final Map<String, Holding> holdings = new HashMap<>();
    private final Map<InetAddress, Use> uses = new HashMap<>();

    public Allocator(Config config) {
        this.config = Objects.requireNonNull(config);
        for (Pool p : config.pools()) {
            pools.put(p.name(), new PoolState(p));
        }
    }

    public Config config() {
        return config;
    }

    /**
     * MetalLB's {@code allocateIPs}: the requested addresses if any (checked against the requested pool), else the
     * lowest free address of the requested pool, else of the first auto-assign pool that has one. A Service that
     * already holds addresses keeps them (if its request still allows it).
     */
    public Result allocate(Request r) {
        if (!r.ips().isEmpty()) {
            Family f;
            try {
                f = Family.of(r.ips());
            } catch (IllegalArgumentException e) {
                return new Failed(Failure.BAD_REQUEST, e.getMessage());
            }
            if (f != r.family()) {
                return new Failed(Failure.WRONG_FAMILY, "requested loadBalancer IP(s) " + GoText.quote(r.ips())
                        + " does not match the ipFamily of the service");
            }
            Result res = assign(r, r.ips());
            if (res instanceof Assigned a && r.pool() != null && !a.pool().equals(r.pool())) {
                unassign(r.service());
                return new Failed(Failure.POOL_MISMATCH, "requested loadBalancer IP(s) " + GoText.quote(r.ips())
                        + " is not compatible with requested address pool " + r.pool());
            }
            return res;
        }
        Holding h = holdings.get(r.service());
        if (h != null) {
            Family held = Family.of(h.ips());
            if (held != r.family()) {
                return new Failed(Failure.WRONG_FAMILY, "IP for wrong family assigned alloc " + held
                        + " service family " + r.family());
            }
            return assign(r, h.ips());
        }
        if (r.pool() != null) {
            return allocateFromPool(r, r.pool());
        }
        for (PoolState p : pools.values()) {
            if (p.pool.autoAssign() && allocateFromPool(r, p.pool.name()) instanceof Assigned a) {
                return a;
            }
        }
        return new Failed(Failure.NO_AVAILABLE_IPS, "no available IPs");
    }

    private Result allocateFromPool(Request r, String poolName) {
        PoolState p = pools.get(poolName);
        if (p == null) {
            return new Failed(Failure.UNKNOWN_POOL, "unknown pool " + GoText.quote(poolName));
        }
        Candidate v4 = r.family().wants(Family.IPV4) ? candidate(p, false, r) : null;
        Candidate v6 = r.family().wants(Family.IPV6) ? candidate(p, true, r) : null;
        if ((r.family().wants(Family.IPV4) && v4 == null) || (r.family().wants(Family.IPV6) && v6 == null)) {
            return new Failed(Failure.POOL_EXHAUSTED, "no available IPs in pool " + GoText.quote(poolName) + " for "
                    + r.family() + " IPFamily");
        }
        List<InetAddress> ips;
        if (v4 != null && v6 != null) {
            ips = v4.spaceIndex <= v6.spaceIndex ? List.of(v4.ip, v6.ip) : List.of(v6.ip, v4.ip);
        } else {
            ips = List.of(v4 != null ? v4.ip : v6.ip);
        }
        return assign(r, ips);
    }

    private record Candidate(InetAddress ip, int spaceIndex, long slot) {
        boolean before(Candidate o) {
            return o == null || spaceIndex < o.spaceIndex || (spaceIndex == o.spaceIndex && slot < o.slot);
        }
    }

    /** The first address of the family in scan order that the request may take: free, or compatibly shared. */
    private Candidate candidate(PoolState p, boolean v6, Request r) {
        Candidate free = null;
        for (AddressSpace s : p.spaces) {
            if (s.isIpv6() == v6 && !s.isFull()) {
                long slot = s.lowestFree();
                if (slot >= 0) {
                    free = new Candidate(s.addressOf(slot), s.index, slot);
                    break;
                }
            }
        }
        if (!r.sharingKey().isEmpty()) {
            TreeSet<Use> sharing = p.shared.get(r.sharingKey());
            if (sharing != null) {
                for (Use u : sharing) {
                    Candidate c = new Candidate(u.ip, u.space.index, u.slot < 0 ? Long.MAX_VALUE : u.slot);
                    if (free != null && !c.before(free)) {
                        break;
                    }
                    if (u.space.isIpv6() == v6 && checkSharing(r, u) == null) {
                        return c;
                    }
                }
            }
        }
        return free;
    }

    /**
     * MetalLB's {@code Assign}: give the Service exactly these addresses (replacing what it held) if they lie in one
     * pool and every Service already on them shares compatibly.
     */
    public Result assign(Request r, List<InetAddress> ips) {
        PoolState p = poolFor(ips);
        if (p == null) {
            return new Failed(Failure.NOT_IN_CONFIG, GoText.quote(ips) + " is not allowed in config");
        }
        if (ips.size() > 2) {
            return new Failed(Failure.BAD_REQUEST, "More than two addresses " + GoText.quote(ips));
        }
        if (ips.size() == 2 && Family.of(ips.get(0)) == Family.of(ips.get(1))) {
            return new Failed(Failure.BAD_REQUEST, GoText.quote(ips.subList(0, 1)) + " "
                    + GoText.quote(ips.subList(1, 2)) + " has the same family");
        }
        for (InetAddress ip : ips) {
            Use u = uses.get(ip);
            Failed f = u == null ? null : checkSharing(r, u);
            if (f != null) {
                return f;
            }
        }
        unassign(r.service());
        for (InetAddress ip : ips) {
            Use u = uses.get(ip);
            if (u == null) {
                AddressSpace s = p.spaceFor(ip);
                long slot = s.slotOf(ip);
                u = new Use(p, s, slot, ip);
                if (slot >= 0) {
                    s.take(slot);
                }
                uses.put(ip, u);
                p.inUse++;
            } else {
                unindex(u);
            }
            u.sharingKey = r.sharingKey();
            u.backendKey = r.backendKey();
            u.services.put(r.service(), r.ports());
            index(u);
        }
        holdings.put(r.service(), new Holding(p.pool.name(), List.copyOf(ips), r));
        return new Assigned(p.pool.name(), ips);
    }

    /** Null when the request may join the Services on {@code u}; else why not. */
    private static Failed checkSharing(Request r, Use u) {
        boolean compatible = !u.sharingKey.isEmpty() && !r.sharingKey().isEmpty()
                && u.sharingKey.equals(r.sharingKey()) && u.backendKey.equals(r.backendKey());
        if (!compatible) {
            List<String> others = u.services.keySet().stream().filter(s -> !s.equals(r.service())).sorted().toList();
            if (!others.isEmpty()) {
                return new Failed(Failure.SHARING, "can't change sharing key for " + GoText.quote(r.service())
                        + ", address also in use by " + String.join(",", others));
            }
        }
        for (Port port : r.ports()) {
            for (Map.Entry<String, List<Port>> e : u.services.entrySet()) {
                if (!e.getKey().equals(r.service()) && e.getValue().contains(port)) {
                    return new Failed(Failure.PORT_IN_USE, "port " + port + " is already in use on "
                            + GoText.quote(dev.ingot.config.IpAddresses.format(u.ip)));
                }
            }
        }
        return null;
    }

    private void index(Use u) {
        if (!u.sharingKey.isEmpty()) {
            u.pool.shared.computeIfAbsent(u.sharingKey, k -> new TreeSet<>(SCAN_ORDER)).add(u);
        }
    }

    private void unindex(Use u) {
        if (!u.sharingKey.isEmpty()) {
            TreeSet<Use> set = u.pool.shared.get(u.sharingKey);
            if (set != null) {
                set.remove(u);
                if (set.isEmpty()) {
                    u.pool.shared.remove(u.sharingKey);
                }
            }
        }
    }

    /** The one pool holding every address (with avoid-buggy-ips, .0/.255 are in none), or null. */
    private PoolState poolFor(List<InetAddress> ips) {
        if (ips.isEmpty()) {
            return null;
        }
        for (PoolState p : pools.values()) {
            if (ips.stream().allMatch(p.pool::contains)) {
                return p;
            }
        }
        return null;
    }

    /** The pool whose addresses these are under this config, if they all lie in one. */
    public Optional<String> poolOf(List<InetAddress> ips) {
        return Optional.ofNullable(poolFor(ips)).map(p -> p.pool.name());
    }

    /** Releases whatever the Service holds; true if it held something. */
    public boolean unassign(String service) {
        Holding h = holdings.remove(service);
        if (h == null) {
            return false;
        }
        for (InetAddress ip : h.ips()) {
            Use u = uses.get(ip);
            u.services.remove(service);
            if (u.services.isEmpty()) {
                unindex(u);
                uses.remove(ip);
                if (u.slot >= 0) {
                    u.space.release(u.slot);
                }
                u.pool.inUse--;
            }
        }
        return true;
    }

    /** The pool the Service's addresses come from, if it holds any. */
    public Optional<String> pool(String service) {
        return Optional.ofNullable(holdings.get(service)).map(Holding::pool);
    }

    /** The addresses the Service holds, empty if none. */
    public List<InetAddress> ips(String service) {
        Holding h = holdings.get(service);
        return h == null ? List.of() : h.ips();
    }

    /** Every Service holding addresses, in no particular order. */
    public java.util.Set<String> services() {
        return java.util.Collections.unmodifiableSet(holdings.keySet());
    }

    /**
     * Why a Service's holding could not move to {@code next}: its addresses lie in no pool there, or not in the pool
     * its request names. Empty when nothing would be stranded.
     */
    public List<String> stranded(Config next) {
        Allocator probe = new Allocator(next);
        List<String> out = new ArrayList<>();
        holdings.keySet().stream().sorted().forEach(svc -> {
            String why = probe.strands(svc, holdings.get(svc).ips(), holdings.get(svc).request().pool());
            if (why != null) {
                out.add(why);
            }
        });
        return out;
    }

    /** Why {@code ips} could not belong to {@code service} under this allocator's config, or null. */
    String strands(String service, List<InetAddress> ips, String requestedPool) {
        PoolState p = poolFor(ips);
        if (p == null) {
            return "service " + GoText.quote(service) + " cannot own " + GoText.quote(ips) + " under new config";
        }
        if (requestedPool != null && !p.pool.name().equals(requestedPool)) {
            return "service " + GoText.quote(service) + " asks for pool " + GoText.quote(requestedPool) + " but "
                    + GoText.quote(ips) + " would be in pool " + GoText.quote(p.pool.name()) + " under new config";
        }
        return null;
    }

    /**
     * A new allocator for {@code next} holding everything this one holds. Call {@link #stranded} first: a holding
     * that does not fit is dropped.
     */
    public Allocator withConfig(Config next) {
        Allocator a = new Allocator(next);
        holdings.keySet().stream().sorted().forEach(svc -> {
            Holding h = holdings.get(svc);
            a.assign(h.request(), h.ips());
        });
        return a;
    }

    /** Usable addresses of the pool (avoid-buggy-ips aware), capped at Long.MAX_VALUE as MetalLB does. */
    public long addressesTotal(String pool) {
        PoolState p = pools.get(pool);
        if (p == null) {
            return 0;
        }
        BigInteger sum = BigInteger.ZERO;
        for (AddressSpace s : p.spaces) {
            sum = sum.add(s.capacity());
        }
        return sum.min(BigInteger.valueOf(Long.MAX_VALUE)).longValue();
    }

    /** Distinct addresses of the pool in use (a shared address counts once). */
    public long addressesInUse(String pool) {
        PoolState p = pools.get(pool);
        return p == null ? 0 : p.inUse;
    }
}
