package dev.ingot.ipvs;

import dev.ingot.ipvs.DataplaneException.Reason;
import dev.ingot.ipvs.genl.Ipvs;
import dev.ingot.ipvs.genl.IpvsNetlink;
import dev.ingot.ipvs.netlink.Errno;
import dev.ingot.ipvs.netlink.Failure;
import dev.ingot.ipvs.netlink.NetlinkException;
import dev.ingot.ipvs.netlink.NetlinkSocket;
import dev.ingot.ipvs.netlink.Nl;
import dev.ingot.ipvs.netlink.Request;
import dev.ingot.ipvs.rtnl.RouteNetlink;
import dev.ingot.ipvs.rtnl.Rtnl;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel dataplane of one node: the VIP link ({@code kube-ipvs0}), the VIPs bound to it, and the IPVS virtual
 * services and real servers for the VIPs this dataplane owns. It speaks netlink itself (one rtnetlink and one
 * generic netlink socket, opened in the calling thread's network namespace). Thread-safe; calls are serialized.
 *
 * <pre>{@code
 * try (Dataplane dp = Dataplane.open(DataplaneOptions.owning(List.of(Prefix.parse("192.0.2.0/24"))))) {
 *     dp.ensureLink();
 *     dp.bindAddresses(Set.of(vip));
 *     dp.apply(List.of(VirtualService.of(Protocol.TCP, vip, 80, Scheduler.RR, List.of(
 *             RealServer.masq(pod, 8080, 1)))));
 * }
 * }</pre>
 */
public final class Dataplane implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Dataplane.class);

    private final DataplaneOptions options;
    private final NetlinkSocket route;
    private final NetlinkSocket generic;
    private final RouteNetlink links;
    private IpvsNetlink ipvs;
    /** The kernel's owned virtual services as last read and changed by this dataplane; null when not trusted. */
    private Map<VirtualService.Key, Reconciler.Entry> view;
    private long viewReadAt;
    /** What the last successful apply was asked for: unchanged services are skipped without translating them. */
    private Map<VirtualService.Key, VirtualService> lastDesired = Map.of();

    private Dataplane(DataplaneOptions options, NetlinkSocket route, NetlinkSocket generic) {
        this.options = options;
        this.route = route;
        this.generic = generic;
        this.links = new RouteNetlink(route);
    }

    /** Opens the netlink sockets in the calling thread's network namespace. */
    public static Dataplane open(DataplaneOptions options) throws DataplaneException {
        int timeout = (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis());
        NetlinkSocket route = null;
        try {
            route = NetlinkSocket.open(Nl.NETLINK_ROUTE, options.batchSize(), timeout);
            NetlinkSocket generic = NetlinkSocket.open(Nl.NETLINK_GENERIC, options.batchSize(), timeout);
            return new Dataplane(options, route, generic);
        } catch (NetlinkException e) {
            if (route != null) {
                route.close();
            }
            throw DataplaneException.of("opening netlink sockets", e);
        }
    }

    public DataplaneOptions options() {
        return options;
    }

    /**
     * Makes sure the VIP link exists, creating it (down, as kube-proxy does) when missing. An existing link of the
     * same name and kind is used as it is, whoever made it.
     *
     * @return the link's interface index
     */
    public synchronized int ensureLink() throws DataplaneException {
        String name = options.linkName();
        String kind = options.linkKind();
        try {
            var link = links.link(name);
            if (link.isEmpty()) {
                try {
                    links.createLink(name, kind);
                    LOG.info("event=link_created link={} kind={}", name, kind);
                } catch (NetlinkException e) {
                    if (e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.ENOENT) {
                        throw new DataplaneException(Reason.UNSUPPORTED, "cannot create link " + name + ": the kernel"
                                + " has no '" + kind + "' link type (" + e.errno().name() + "); load it with"
                                + " 'modprobe " + kind + "' or create " + name + " yourself", e);
                    }
                    if (e.errno() != Errno.EEXIST) {
                        throw DataplaneException.of("creating link " + name, e);
                    }
                }
                link = links.link(name);
                if (link.isEmpty()) {
                    throw new DataplaneException(Reason.KERNEL, "link " + name + " vanished right after it was"
                            + " created; is another program deleting it?", null);
                }
            }
            Rtnl.Link l = link.get();
            if (!kind.equals(l.kind())) {
                throw new DataplaneException(Reason.CONFLICT, "link " + name + " exists but is "
                        + (l.kind() == null ? "a device without a link kind" : "a '" + l.kind() + "'")
                        + " link, not a '" + kind + "' link: Ingot puts VIPs on " + name + " and will not use"
                        + " another kind of device; delete it ('ip link del " + name + "') or configure another"
                        + " link name", null);
            }
            return l.index();
        } catch (NetlinkException e) {
            throw DataplaneException.of("looking up link " + name, e);
        }
    }

    /**
     * Makes the owned addresses on the VIP link exactly {@code vips} (as /32 or /128): adds the missing, removes the
     * owned ones not listed, and leaves addresses outside the owned prefixes alone.
     */
    public synchronized void bindAddresses(Set<InetAddress> vips) throws DataplaneException {
        List<String> stray = vips.stream().filter(a -> !options.owns(a)).map(InetAddress::getHostAddress).sorted()
                .toList();
        if (!stray.isEmpty()) {
            throw notOwned("addresses", stray);
        }
        int index = ensureLink();
        for (int attempt = 1; ; attempt++) {
            try {
                Set<InetAddress> present = new HashSet<>();
                for (Rtnl.Address a : links.addresses(index)) {
                    if (options.owns(a.address())) {
                        present.add(a.address());
                    }
                }
                List<InetAddress> add = vips.stream().filter(a -> !present.contains(a)).toList();
                List<InetAddress> remove = present.stream().filter(a -> !vips.contains(a)).toList();
                if (add.isEmpty() && remove.isEmpty()) {
                    return;
                }
                List<Failure> failures = links.changeAddresses(options.linkName(), index, add, remove);
                LOG.info("event=vips_bound link={} added={} removed={} refused={}", options.linkName(), add.size(),
                        remove.size(), failures.size());
                if (failures.isEmpty()) {
                    return;
                }
                NetlinkException first = failures.getFirst().error();
                if (first.errno() == Errno.EPERM || attempt > 1) {
                    throw DataplaneException.of(failures.getFirst().request().description(), first);
                }
                // Someone changed the link meanwhile: read it again and retry once.
            } catch (NetlinkException e) {
                throw DataplaneException.of("binding addresses to " + options.linkName(), e);
            }
        }
    }

    /** The owned addresses on the VIP link. */
    public synchronized Set<InetAddress> boundAddresses() throws DataplaneException {
        try {
            var link = links.link(options.linkName());
            if (link.isEmpty()) {
                return Set.of();
            }
            Set<InetAddress> out = new HashSet<>();
            for (Rtnl.Address a : links.addresses(link.get().index())) {
                if (options.owns(a.address())) {
                    out.add(a.address());
                }
            }
            return out;
        } catch (NetlinkException e) {
            throw DataplaneException.of("reading the addresses of " + options.linkName(), e);
        }
    }

    /**
     * Makes the owned virtual services exactly {@code desired}: computes the difference from the kernel's state and
     * sends only the commands needed, in batches. The kernel is read (once) when this dataplane has no fresh view
     * of it: on the first call, after a refusal, and when the view is older than the resync interval; otherwise
     * the difference is taken from the view kept since the last call. When the kernel refuses a command (the state
     * changed behind this dataplane's back), it reads the kernel and retries once.
     *
     * @throws DataplaneException a desired service outside the owned prefixes (nothing is changed then), no IPVS,
     *                            no CAP_NET_ADMIN, or a refusal that persisted after the retry
     */
    public synchronized ApplyResult apply(Collection<VirtualService> desired) throws DataplaneException {
        long t0 = System.nanoTime();
        boolean read = view == null || System.nanoTime() - viewReadAt > options.resyncInterval().toNanos();
        if (read) {
            readView();
        }
        Map<VirtualService.Key, VirtualService> byKey = index(desired);
        int[] counts = new int[Reconciler.Op.values().length];
        boolean firstRead = read;
        Plan plan = executeOrRetry(reread -> changes(byKey, firstRead || reread), counts);
        boolean retried = retriedLast;
        read |= retried;
        plan.applyTo(view);
        lastDesired = byKey;
        ApplyResult r = new ApplyResult(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], read,
                retried, System.nanoTime() - t0);
        LOG.info("event=ipvs_applied services={} services_added={} services_edited={} services_deleted={}"
                        + " dests_added={} dests_edited={} dests_deleted={} read_kernel={} retried={} ms={}",
                byKey.size(), r.servicesAdded(), r.servicesEdited(), r.servicesDeleted(), r.destsAdded(),
                r.destsEdited(), r.destsDeleted(), read, retried, r.nanos() / 1_000_000);
        return r;
    }

    /** Commands, and what the view becomes once they all took effect. */
    private record Plan(List<Reconciler.Change> changes, Map<VirtualService.Key, Reconciler.Entry> want,
                        Set<VirtualService.Key> gone, boolean whole) {
        void applyTo(Map<VirtualService.Key, Reconciler.Entry> view) {
            if (whole) {
                view.clear();
            }
            view.putAll(want);
            gone.forEach(view::remove);
        }
    }

    /**
     * The commands from the view to the wanted state. After a fresh read every service is compared; otherwise a
     * service equal to what the last apply was asked for (and so already in the view) is skipped.
     */
    private Plan changes(Map<VirtualService.Key, VirtualService> byKey, boolean all) throws DataplaneException {
        Map<VirtualService.Key, Reconciler.Entry> have = view;
        List<VirtualService> compare = new ArrayList<>();
        Set<VirtualService.Key> gone = new HashSet<>();
        if (all) {
            compare.addAll(byKey.values());
        } else {
            have = new HashMap<>();
            for (VirtualService v : byKey.values()) {
                VirtualService last = lastDesired.get(v.key());
                if (last != v && !v.equals(last)) {
                    compare.add(v);
                    Reconciler.Entry e = view.get(v.key());
                    if (e != null) {
                        have.put(v.key(), e);
                    }
                }
            }
            for (VirtualService.Key k : lastDesired.keySet()) {
                if (!byKey.containsKey(k) && view.containsKey(k)) {
                    have.put(k, view.get(k)); // no longer wanted: the diff deletes it
                    gone.add(k);
                }
            }
        }
        try {
            Map<VirtualService.Key, Reconciler.Entry> want = Reconciler.desired(compare);
            return new Plan(Reconciler.diff(have, want), want, gone, all);
        } catch (IllegalArgumentException e) {
            throw new DataplaneException(Reason.INVALID, e.getMessage(), e);
        }
    }

    /**
     * Changes only some virtual services: each one in {@code upsert} is made exactly as given (created when
     * missing), each key in {@code remove} is deleted, and nothing else is looked at. For callers that know what
     * changed (one Service's endpoints, say); the cost is that of the change, not of the whole table. Reads the
     * kernel first under the same rules as {@link #apply}, and retries once after a refusal.
     */
    public synchronized ApplyResult update(Collection<VirtualService> upsert, Collection<VirtualService.Key> remove)
            throws DataplaneException {
        long t0 = System.nanoTime();
        boolean read = view == null || System.nanoTime() - viewReadAt > options.resyncInterval().toNanos();
        if (read) {
            readView();
        }
        Map<VirtualService.Key, VirtualService> byKey = index(upsert);
        List<String> stray = remove.stream().filter(k -> !options.owns(k.address())).map(Object::toString).toList();
        if (!stray.isEmpty()) {
            throw notOwned("virtual services", stray);
        }
        for (VirtualService.Key k : remove) {
            if (byKey.containsKey(k)) {
                throw new DataplaneException(Reason.INVALID, "virtual service " + k + " is both to update and to"
                        + " remove (nothing was changed)", null);
            }
        }
        int[] counts = new int[Reconciler.Op.values().length];
        Plan plan = executeOrRetry(reread -> partialChanges(byKey, remove), counts);
        boolean retried = retriedLast;
        read |= retried;
        plan.applyTo(view);
        if (!lastDesired.isEmpty()) {
            Map<VirtualService.Key, VirtualService> last = new HashMap<>(lastDesired);
            last.putAll(byKey);
            remove.forEach(last::remove);
            lastDesired = last;
        }
        ApplyResult r = new ApplyResult(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], read,
                retried, System.nanoTime() - t0);
        LOG.info("event=ipvs_updated upserts={} removals={} services_added={} services_edited={}"
                        + " services_deleted={} dests_added={} dests_edited={} dests_deleted={} read_kernel={}"
                        + " retried={} ms={}", byKey.size(), remove.size(), r.servicesAdded(), r.servicesEdited(),
                r.servicesDeleted(), r.destsAdded(), r.destsEdited(), r.destsDeleted(), read, retried,
                r.nanos() / 1_000_000);
        return r;
    }

    private Plan partialChanges(Map<VirtualService.Key, VirtualService> byKey, Collection<VirtualService.Key> remove) {
        Map<VirtualService.Key, Reconciler.Entry> have = new HashMap<>();
        for (VirtualService.Key k : byKey.keySet()) {
            Reconciler.Entry e = view.get(k);
            if (e != null) {
                have.put(k, e);
            }
        }
        for (VirtualService.Key k : remove) {
            Reconciler.Entry e = view.get(k);
            if (e != null) {
                have.put(k, e);
            }
        }
        Map<VirtualService.Key, Reconciler.Entry> want = Reconciler.desired(byKey.values());
        return new Plan(Reconciler.diff(have, want), want, new HashSet<>(remove), false);
    }

    /** {@link #apply} after a fresh read of the kernel: repairs whatever was changed behind this dataplane's back. */
    public synchronized ApplyResult reconcile(Collection<VirtualService> desired) throws DataplaneException {
        view = null;
        return apply(desired);
    }

    /** The owned virtual services as the kernel has them now, with their real servers, sorted. */
    public synchronized List<VirtualService> virtualServices() throws DataplaneException {
        readView();
        List<VirtualService> out = new ArrayList<>();
        for (var e : view.entrySet()) {
            Ipvs.Service s = e.getValue().service();
            Scheduler sched = Scheduler.ofKernelName(s.scheduler());
            if (sched == null) {
                continue;
            }
            java.util.EnumSet<SchedulerFlag> flags = java.util.EnumSet.noneOf(SchedulerFlag.class);
            for (SchedulerFlag f : SchedulerFlag.values()) {
                if ((s.flags() & f.bit()) != 0 && sched.takesFlags()) {
                    flags.add(f);
                }
            }
            List<RealServer> rs = new ArrayList<>();
            for (Ipvs.Dest d : e.getValue().dests().values()) {
                Forwarding f = Forwarding.ofKernelValue(d.forwarding());
                if (f != null && d.weight() <= 65535) {
                    rs.add(new RealServer(d.address(), d.port(), d.weight(), f));
                }
            }
            rs.sort(Comparator.comparing(RealServer::endpoint));
            int timeout = (s.flags() & Ipvs.F_PERSISTENT) != 0 ? s.timeout() : 0;
            out.add(new VirtualService(e.getKey().protocol(), e.getKey().address(), e.getKey().port(), sched, flags,
                    timeout, rs));
        }
        out.sort(Comparator.comparing((VirtualService v) -> v.key().toString()));
        return out;
    }

    /** The wanted services by key, checked: each owned, none twice. Nothing is changed when a check fails. */
    private Map<VirtualService.Key, VirtualService> index(Collection<VirtualService> desired)
            throws DataplaneException {
        Map<VirtualService.Key, VirtualService> out = new HashMap<>(desired.size() * 2);
        List<String> stray = new ArrayList<>();
        for (VirtualService v : desired) {
            VirtualService.Key k = v.key();
            if (!lastDesired.containsKey(k) && !options.owns(v.address())) {
                stray.add(k.toString());
            }
            if (out.put(k, v) != null) {
                throw new DataplaneException(Reason.INVALID, "virtual service " + k + " is listed twice (nothing"
                        + " was changed)", null);
            }
        }
        if (!stray.isEmpty()) {
            throw notOwned("virtual services", stray);
        }
        return out;
    }

    private DataplaneException notOwned(String what, List<String> stray) {
        return new DataplaneException(Reason.INVALID, "refusing to program " + what + " outside the owned prefixes "
                + options.owned() + ": " + String.join(", ", stray.subList(0, Math.min(5, stray.size())))
                + (stray.size() > 5 ? " and " + (stray.size() - 5) + " more" : "")
                + "; add their pool to the configuration (nothing was changed)", null);
    }

    private IpvsNetlink ipvs() throws DataplaneException {
        if (ipvs == null) {
            try {
                ipvs = IpvsNetlink.open(generic);
                LOG.info("event=ipvs_family_resolved id={} version={}", ipvs.family().id(),
                        ipvs.family().version());
            } catch (NetlinkException e) {
                if (e.errno() == Errno.ENOENT) {
                    throw DataplaneException.noIpvs(e);
                }
                throw DataplaneException.of("resolving the IPVS netlink family", e);
            }
        }
        return ipvs;
    }

    private void readView() throws DataplaneException {
        IpvsNetlink nl = ipvs();
        lastDesired = Map.of(); // the kernel may differ from it: compare every service next time
        try {
            List<Ipvs.Service> services = nl.services(s -> Reconciler.owned(s, options::owns));
            Map<Ipvs.Service, List<Ipvs.Dest>> dests = new HashMap<>();
            nl.dests(services, dests);
            Map<VirtualService.Key, Reconciler.Entry> v = new LinkedHashMap<>();
            for (Ipvs.Service s : services) {
                Map<Reconciler.DestKey, Ipvs.Dest> m = new LinkedHashMap<>();
                for (Ipvs.Dest d : dests.get(s)) {
                    m.put(new Reconciler.DestKey(d.address(), d.port()), d);
                }
                v.put(Reconciler.keyOf(s), new Reconciler.Entry(s, m));
            }
            view = v;
            viewReadAt = System.nanoTime();
        } catch (NetlinkException e) {
            view = null;
            throw DataplaneException.of("reading the IPVS table", e);
        }
    }

    /**
     * Sends the changes and returns the refusals. The caller updates the view when there are none; after a refusal
     * the view is re-read anyway.
     */
    /** Makes a plan; {@code reread} is true when the kernel has just been read again. */
    private interface Planner {
        Plan plan(boolean reread) throws DataplaneException;
    }

    /** Whether the last {@link #executeOrRetry} had to read the kernel again (set on the caller's thread). */
    private boolean retriedLast;

    /**
     * Runs the plan; when the kernel refuses part of it (someone changed the same services behind our back), reads
     * the kernel again and runs a fresh plan once. A second refusal drops the view and throws.
     *
     * @param planner makes the plan; its argument is true when the kernel has just been read again
     */
    private Plan executeOrRetry(Planner planner, int[] counts) throws DataplaneException {
        retriedLast = false;
        Plan plan = planner.plan(false);
        List<Failure> failures = execute(plan.changes(), counts);
        if (failures.isEmpty()) {
            return plan;
        }
        retriedLast = true;
        LOG.warn("event=ipvs_refused count={} first=\"{}\" action=reread_and_retry", failures.size(),
                failures.getFirst().error().getMessage());
        readView();
        plan = planner.plan(true);
        failures = execute(plan.changes(), counts);
        if (!failures.isEmpty()) {
            view = null;
            lastDesired = Map.of();
            throw refused(failures);
        }
        return plan;
    }

    private List<Failure> execute(List<Reconciler.Change> changes, int[] counts) throws DataplaneException {
        if (changes.isEmpty()) {
            return List.of();
        }
        IpvsNetlink nl = ipvs();
        int id = nl.familyId();
        List<Request> reqs = new ArrayList<>(changes.size());
        for (Reconciler.Change c : changes) {
            reqs.add(Request.change(c::describe, (w, seq, flags) -> {
                switch (c.op()) {
                    case ADD_SERVICE -> Ipvs.newService(w, id, seq, flags, c.service());
                    case EDIT_SERVICE -> Ipvs.setService(w, id, seq, flags, c.service());
                    case DELETE_SERVICE -> Ipvs.delService(w, id, seq, flags, c.service());
                    case ADD_DEST -> Ipvs.newDest(w, id, seq, flags, c.service(), c.dest());
                    case EDIT_DEST -> Ipvs.setDest(w, id, seq, flags, c.service(), c.dest());
                    case DELETE_DEST -> Ipvs.delDest(w, id, seq, flags, c.service(), c.dest());
                }
            }));
        }
        List<Failure> failures;
        try {
            failures = nl.execute(reqs);
        } catch (NetlinkException e) {
            view = null;
            throw DataplaneException.of("programming IPVS", e);
        }
        Set<Request> failed = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        if (!failures.isEmpty()) {
            Map<Request, Reconciler.Change> byRequest = new IdentityHashMap<>();
            for (int i = 0; i < reqs.size(); i++) {
                byRequest.put(reqs.get(i), changes.get(i));
            }
            for (Failure f : failures) {
                failed.add(f.request());
                Errno e = f.errno();
                if (e == Errno.EPERM || e == Errno.EACCES) {
                    view = null;
                    throw DataplaneException.notPermitted(f.request().description(), f.error());
                }
                Reconciler.Change c = byRequest.get(f.request());
                if (e == Errno.ENOENT
                        && (c.op() == Reconciler.Op.ADD_SERVICE || c.op() == Reconciler.Op.EDIT_SERVICE)) {
                    view = null;
                    throw new DataplaneException(Reason.UNSUPPORTED, f.request().description() + " failed: the"
                            + " kernel has no scheduler '" + c.service().scheduler() + "'; load it with 'modprobe"
                            + " ip_vs_" + c.service().scheduler() + "'", f.error());
                }
            }
        }
        for (int i = 0; i < changes.size(); i++) {
            if (!failed.contains(reqs.get(i))) {
                counts[changes.get(i).op().ordinal()]++;
            }
        }
        return failures;
    }

    private static DataplaneException refused(List<Failure> failures) {
        StringBuilder b = new StringBuilder("the kernel refused ").append(failures.size())
                .append(failures.size() == 1 ? " IPVS change" : " IPVS changes")
                .append(" even after reading its state again; another program is changing the same virtual"
                        + " services (check 'ipvsadm -Ln' for services in Ingot's pools that something else"
                        + " manages, e.g. kube-proxy in IPVS mode for LoadBalancer IPs): ");
        for (int i = 0; i < Math.min(3, failures.size()); i++) {
            b.append(i == 0 ? "" : "; ").append(failures.get(i).error().getMessage());
        }
        return new DataplaneException(Reason.CONFLICT, b.toString(), failures.getFirst().error());
    }

    @Override
    public synchronized void close() {
        route.close();
        generic.close();
    }
}
