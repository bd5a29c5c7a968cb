package dev.ingot.ipvs.rtnl;

import dev.ingot.ipvs.netlink.Errno;
import dev.ingot.ipvs.netlink.Failure;
import dev.ingot.ipvs.netlink.NetlinkException;
import dev.ingot.ipvs.netlink.NetlinkSocket;
import dev.ingot.ipvs.netlink.Request;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Links and addresses through an rtnetlink socket. */
public final class RouteNetlink {
    private final NetlinkSocket socket;

    public RouteNetlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** The link of that name, or empty when there is none. */
    public Optional<Rtnl.Link> link(String name) throws NetlinkException {
        List<Rtnl.Link> out = new ArrayList<>();
        List<Failure> f = socket.execute(List.of(Request.get("get link " + name,
                (w, seq, flags) -> Rtnl.getLink(w, seq, flags, name), m -> out.add(Rtnl.parseLink(m)))));
        if (!f.isEmpty()) {
            if (f.getFirst().errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw f.getFirst().error();
        }
        return out.stream().findFirst();
    }

    /** Creates a link of the kind; EEXIST when the name is taken. */
    public void createLink(String name, String kind) throws NetlinkException {
        socket.executeOrThrow(List.of(Request.change("create " + kind + " link " + name,
                (w, seq, flags) -> Rtnl.newLink(w, seq, flags, name, kind))));
    }

    /** All addresses of a link. */
    public List<Rtnl.Address> addresses(int index) throws NetlinkException {
        List<Rtnl.Address> out = new ArrayList<>();
        socket.executeOrThrow(List.of(Request.dump("dump addresses",
                (w, seq, flags) -> Rtnl.dumpAddresses(w, seq, flags, Rtnl.AF_UNSPEC), m -> {
                    if (m.type() == Rtnl.RTM_NEWADDR) {
                        Rtnl.Address a = Rtnl.parseAddress(m);
                        if (a.index() == index) {
                            out.add(a);
                        }
                    }
                })));
        return out;
    }

    /** Adds and removes host addresses in batches; returns the refusals. */
    public List<Failure> changeAddresses(String linkName, int index, Collection<InetAddress> add,
                                         Collection<InetAddress> remove) throws NetlinkException {
        List<Request> reqs = new ArrayList<>(add.size() + remove.size());
        for (InetAddress a : remove) {
            reqs.add(Request.change("remove " + a.getHostAddress() + " from " + linkName,
                    (w, seq, flags) -> Rtnl.delAddress(w, seq, flags, index, a)));
        }
        for (InetAddress a : add) {
            reqs.add(Request.change("add " + a.getHostAddress() + " to " + linkName,
                    (w, seq, flags) -> Rtnl.newAddress(w, seq, flags, index, a)));
        }
        return socket.execute(reqs);
    }
}
