package dev.ingot.ipvs;

import dev.ingot.ipvs.genl.Ipvs;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The pure half of {@link Dataplane#apply}: translation of the wanted virtual services into the kernel's terms, and
 * the difference between two states as the shortest list of IPVS commands. No I/O.
 */
final class Reconciler {
    private Reconciler() {}

    /** A real server's identity inside its virtual service. */
    record DestKey(InetAddress address, int port) {}

    /** One virtual service in the kernel's terms, with its destinations. */
    record Entry(Ipvs.Service service, Map<DestKey, Ipvs.Dest> dests) {}

    enum Op { ADD_SERVICE, EDIT_SERVICE, DELETE_SERVICE, ADD_DEST, EDIT_DEST, DELETE_DEST }

    /** One IPVS command; {@code dest} is null for service commands. */
    record Change(Op op, Ipvs.Service service, Ipvs.Dest dest) {
        String describe() {
            String svc = VirtualService.endpoint(service.address(), service.port()) + "/"
                    + protocolName(service.protocol());
            return switch (op) {
                case ADD_SERVICE -> "add virtual service " + svc + " (" + service.scheduler() + ")";
                case EDIT_SERVICE -> "edit virtual service " + svc + " (" + service.scheduler() + ")";
                case DELETE_SERVICE -> "delete virtual service " + svc;
                case ADD_DEST -> "add real server " + VirtualService.endpoint(dest.address(), dest.port()) + " to "
                        + svc;
                case EDIT_DEST -> "edit real server " + VirtualService.endpoint(dest.address(), dest.port())
                        + " of " + svc + " (weight " + dest.weight() + ")";
                case DELETE_DEST -> "delete real server " + VirtualService.endpoint(dest.address(), dest.port())
                        + " from " + svc;
            };
        }
    }

    static String protocolName(int number) {
        Protocol p = Protocol.ofNumber(number);
        return p == null ? "proto" + number : p.name();
    }

    static Ipvs.Service toKernel(VirtualService v) {
        int af = Ipvs.af(v.address());
        int flags = 0;
        for (SchedulerFlag f : v.schedulerFlags()) {
            flags |= f.bit();
        }
        if (v.persistenceTimeout() > 0) {
            flags |= Ipvs.F_PERSISTENT;
        }
        return new Ipvs.Service(af, v.protocol().number(), v.address(), v.port(), 0, v.scheduler().kernelName(),
                flags, v.persistenceTimeout(), af == Ipvs.AF_INET ? 0xffffffff : 128);
    }

    static Ipvs.Dest toKernel(RealServer r) {
        return new Ipvs.Dest(Ipvs.af(r.address()), r.address(), r.port(), r.forwarding().kernelValue(), r.weight(),
                0, 0);
    }

    /** The wanted state in the kernel's terms. */
    static Map<VirtualService.Key, Entry> desired(Collection<VirtualService> services) {
        Map<VirtualService.Key, Entry> out = new LinkedHashMap<>();
        for (VirtualService v : services) {
            Map<DestKey, Ipvs.Dest> dests = new LinkedHashMap<>();
            for (RealServer r : v.realServers()) {
                dests.put(new DestKey(r.address(), r.port()), toKernel(r));
            }
            if (out.put(v.key(), new Entry(toKernel(v), dests)) != null) {
                throw new IllegalArgumentException("virtual service " + v.key() + " is listed twice");
            }
        }
        return out;
    }

    /** The key of a kernel service, or null for one that no {@link VirtualService} can describe (fwmark, ICMP). */
    static VirtualService.Key keyOf(Ipvs.Service s) {
        Protocol p = Protocol.ofNumber(s.protocol());
        if (s.fwmark() != 0 || s.address() == null || p == null) {
            return null;
        }
        return new VirtualService.Key(p, s.address(), s.port());
    }

    /** Whether a kernel service is one this dataplane may change: an address service inside the owned prefixes. */
    static boolean owned(Ipvs.Service s, Predicate<InetAddress> owns) {
        return keyOf(s) != null && owns.test(s.address());
    }

    /**
     * The commands that turn {@code current} into {@code desired}: deletions first (a deleted service takes its real
     * servers with it), then edits, then additions, each service before its real servers.
     */
    static List<Change> diff(Map<VirtualService.Key, Entry> current, Map<VirtualService.Key, Entry> desired) {
        List<Change> out = new ArrayList<>();
        for (Map.Entry<VirtualService.Key, Entry> e : current.entrySet()) {
            if (!desired.containsKey(e.getKey())) {
                out.add(new Change(Op.DELETE_SERVICE, e.getValue().service(), null));
            }
        }
        for (Map.Entry<VirtualService.Key, Entry> e : desired.entrySet()) {
            Entry want = e.getValue();
            Entry have = current.get(e.getKey());
            if (have == null) {
                out.add(new Change(Op.ADD_SERVICE, want.service(), null));
                for (Ipvs.Dest d : want.dests().values()) {
                    out.add(new Change(Op.ADD_DEST, want.service(), d));
                }
                continue;
            }
            if (!have.service().sameSettings(want.service())) {
                out.add(new Change(Op.EDIT_SERVICE, want.service(), null));
            }
            for (Map.Entry<DestKey, Ipvs.Dest> d : have.dests().entrySet()) {
                if (!want.dests().containsKey(d.getKey())) {
                    out.add(new Change(Op.DELETE_DEST, want.service(), d.getValue()));
                }
            }
            for (Map.Entry<DestKey, Ipvs.Dest> d : want.dests().entrySet()) {
                Ipvs.Dest old = have.dests().get(d.getKey());
                if (old == null) {
                    out.add(new Change(Op.ADD_DEST, want.service(), d.getValue()));
                } else if (!old.sameSettings(d.getValue())) {
                    out.add(new Change(Op.EDIT_DEST, want.service(), d.getValue()));
                }
            }
        }
        return out;
    }
}
