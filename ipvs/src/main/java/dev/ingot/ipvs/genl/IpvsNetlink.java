package dev.ingot.ipvs.genl;

import dev.ingot.ipvs.netlink.Failure;
import dev.ingot.ipvs.netlink.NetlinkException;
import dev.ingot.ipvs.netlink.NetlinkSocket;
import dev.ingot.ipvs.netlink.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** IPVS through a generic netlink socket: the family looked up once, dumps, and batches of changes. */
public final class IpvsNetlink {
    private final NetlinkSocket socket;
    private final Genl.Family family;

    private IpvsNetlink(NetlinkSocket socket, Genl.Family family) {
        this.socket = socket;
        this.family = family;
    }

    /**
     * Looks the IPVS family up. {@code ENOENT} from the controller means the kernel has no IPVS (not built, or the
     * ip_vs module not loaded).
     */
    public static IpvsNetlink open(NetlinkSocket genlSocket) throws NetlinkException {
        return new IpvsNetlink(genlSocket, family(genlSocket, Ipvs.FAMILY));
    }

    /** Resolves a generic netlink family by name. */
    public static Genl.Family family(NetlinkSocket s, String name) throws NetlinkException {
        List<Genl.Family> out = new ArrayList<>();
        s.executeOrThrow(List.of(Request.get("resolve generic netlink family " + name,
                (w, seq, flags) -> Genl.getFamily(w, seq, flags, name), m -> out.add(Genl.parseFamily(m)))));
        if (out.isEmpty()) {
            throw new NetlinkException("resolve generic netlink family " + name, 2, "no reply");
        }
        return out.getFirst();
    }

    public Genl.Family family() {
        return family;
    }

    /** Every virtual service of the namespace that passes the filter. */
    public List<Ipvs.Service> services(Predicate<Ipvs.Service> filter) throws NetlinkException {
        List<Ipvs.Service> out = new ArrayList<>();
        int id = family.id();
        socket.executeOrThrow(List.of(Request.dump("dump IPVS virtual services",
                (w, seq, flags) -> Ipvs.dumpServices(w, id, seq, flags), m -> {
                    if (Genl.command(m) == Ipvs.CMD_NEW_SERVICE) {
                        Ipvs.Service s = Ipvs.parseService(m);
                        if (filter.test(s)) {
                            out.add(s);
                        }
                    }
                })));
        return out;
    }

    /** The destinations of each service, one dump per service (the kernel runs one dump at a time). */
    public void dests(List<Ipvs.Service> services, Map<Ipvs.Service, List<Ipvs.Dest>> into)
            throws NetlinkException {
        int id = family.id();
        List<Request> reqs = new ArrayList<>(services.size());
        for (Ipvs.Service s : services) {
            List<Ipvs.Dest> list = new ArrayList<>();
            into.put(s, list);
            reqs.add(Request.dump("dump real servers of " + s.address().getHostAddress() + ":" + s.port(),
                    (w, seq, flags) -> Ipvs.dumpDests(w, id, seq, flags, s), m -> {
                        if (Genl.command(m) == Ipvs.CMD_NEW_DEST) {
                            list.add(Ipvs.parseDest(m, s.af()));
                        }
                    }));
        }
        socket.executeOrThrow(reqs);
    }

    /** Sends the changes in batches and returns those the kernel refused. */
    public List<Failure> execute(List<Request> changes) throws NetlinkException {
        return socket.execute(changes);
    }

    public int familyId() {
        return family.id();
    }
}
