package dev.ingot.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.ipvs.Reconciler.Change;
import dev.ingot.ipvs.Reconciler.Op;
import dev.ingot.ipvs.genl.Ipvs;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static VirtualService web(Scheduler s, RealServer... rs) throws Exception {
        return VirtualService.of(Protocol.TCP, ip("172.19.100.1"), 80, s, List.of(rs));
    }

    static RealServer rs(String a, int w) throws Exception {
        return new RealServer(ip(a), 8080, w, Forwarding.MASQ);
    }

    static List<Op> ops(List<Change> changes) {
        return changes.stream().map(Change::op).toList();
    }

    /** The kernel's view of a state: a copy, as a dump would give it (with the kernel's own HASHED flag). */
    static Map<VirtualService.Key, Reconciler.Entry> kernel(List<VirtualService> services) {
        Map<VirtualService.Key, Reconciler.Entry> out = new LinkedHashMap<>();
        Reconciler.desired(services).forEach((k, e) -> {
            Ipvs.Service s = e.service();
            out.put(k, new Reconciler.Entry(new Ipvs.Service(s.af(), s.protocol(), s.address(), s.port(), 0,
                    s.scheduler(), s.flags() | Ipvs.F_HASHED, s.timeout(), s.netmask()), new HashMap<>(e.dests())));
        });
        return out;
    }

    @Test
    void fromEmptyEachServiceComesBeforeItsRealServers() throws Exception {
        List<Change> c = Reconciler.diff(Map.of(), Reconciler.desired(List.of(web(Scheduler.RR, rs("10.0.0.1", 1),
                rs("10.0.0.2", 1)))));
        assertThat(ops(c)).containsExactly(Op.ADD_SERVICE, Op.ADD_DEST, Op.ADD_DEST);
    }

    @Test
    void theSameStateNeedsNothingEvenWithTheKernelsOwnFlags() throws Exception {
        List<VirtualService> s = List.of(web(Scheduler.SH, rs("10.0.0.1", 1)).withRealServers(List.of()),
                new VirtualService(Protocol.UDP, ip("fd00:19::1"), 53, Scheduler.MH, Set.of(SchedulerFlag.PORT), 30,
                        List.of(new RealServer(ip("fd00::1"), 53, 0, Forwarding.DROUTE))));
        assertThat(Reconciler.diff(kernel(s), Reconciler.desired(s))).isEmpty();
    }

    @Test
    void onlyWhatDiffers() throws Exception {
        var have = kernel(List.of(web(Scheduler.RR, rs("10.0.0.1", 1), rs("10.0.0.2", 1), rs("10.0.0.3", 1))));
        var want = Reconciler.desired(List.of(web(Scheduler.WRR, rs("10.0.0.1", 1), rs("10.0.0.2", 4),
                rs("10.0.0.4", 1))));
        List<Change> c = Reconciler.diff(have, want);
        assertThat(ops(c)).containsExactly(Op.EDIT_SERVICE, Op.DELETE_DEST, Op.EDIT_DEST, Op.ADD_DEST);
        assertThat(c.get(1).dest().address()).isEqualTo(ip("10.0.0.3"));
        assertThat(c.get(2).dest().weight()).isEqualTo(4);
        assertThat(c.get(3).dest().address()).isEqualTo(ip("10.0.0.4"));
    }

    @Test
    void persistenceAndForwardingAreDifferences() throws Exception {
        var have = kernel(List.of(web(Scheduler.RR, rs("10.0.0.1", 1))));
        VirtualService sticky = new VirtualService(Protocol.TCP, ip("172.19.100.1"), 80, Scheduler.RR, Set.of(), 600,
                List.of(new RealServer(ip("10.0.0.1"), 8080, 1, Forwarding.MASQ)));
        assertThat(ops(Reconciler.diff(have, Reconciler.desired(List.of(sticky))))).containsExactly(Op.EDIT_SERVICE);
        VirtualService tunnelled = web(Scheduler.RR).withRealServers(List.of(new RealServer(ip("10.0.0.1"), 80, 1,
                Forwarding.TUNNEL)));
        var haveAt80 = kernel(List.of(web(Scheduler.RR).withRealServers(List.of(new RealServer(ip("10.0.0.1"), 80, 1,
                Forwarding.MASQ)))));
        assertThat(ops(Reconciler.diff(haveAt80, Reconciler.desired(List.of(tunnelled)))))
                .containsExactly(Op.EDIT_DEST);
        assertThat(Reconciler.toKernel(sticky).flags()).isEqualTo(Ipvs.F_PERSISTENT);
    }

    @Test
    void servicesNoLongerWantedGoFirstWithTheirServers() throws Exception {
        var have = kernel(List.of(web(Scheduler.RR, rs("10.0.0.1", 1)),
                VirtualService.of(Protocol.UDP, ip("172.19.100.1"), 53, Scheduler.RR, List.of(rs("10.0.0.9", 1)))));
        var want = Reconciler.desired(List.of(VirtualService.of(Protocol.TCP, ip("172.19.100.2"), 80, Scheduler.RR,
                List.of())));
        assertThat(ops(Reconciler.diff(have, want))).containsExactly(Op.DELETE_SERVICE, Op.DELETE_SERVICE,
                Op.ADD_SERVICE);
    }

    @Test
    void applyingTheChangesToTheViewReachesTheWantedStateWhateverTheStart() throws Exception {
        Random r = new Random(42);
        for (int round = 0; round < 100; round++) {
            List<VirtualService> a = randomState(r);
            List<VirtualService> b = randomState(r);
            Collections.shuffle(b, r);
            var view = kernel(a);
            List<Change> c = Reconciler.diff(view, Reconciler.desired(b));
            applyTo(view, c, Set.of());
            assertThat(Reconciler.diff(view, Reconciler.desired(b))).as("round " + round).isEmpty();
            assertThat(view.keySet()).isEqualTo(Reconciler.desired(b).keySet());
            assertThat(new HashSet<>(c)).as("no command twice").hasSameSizeAs(c);
        }
    }

    @Test
    void aServiceListedTwiceIsRefused() throws Exception {
        assertThatThrownBy(() -> Reconciler.desired(List.of(web(Scheduler.RR), web(Scheduler.WRR))))
                .hasMessage("virtual service TCP 172.19.100.1:80 is listed twice");
    }

    @Test
    void virtualServicesCheckTheirFields() throws Exception {
        assertThatThrownBy(() -> new VirtualService(Protocol.TCP, ip("172.19.100.1"), 80, Scheduler.RR,
                Set.of(SchedulerFlag.PORT), 0, List.of()))
                .hasMessage("TCP 172.19.100.1:80: scheduler rr takes no flags (only sh and mh do), got [PORT]");
        assertThatThrownBy(() -> web(Scheduler.RR, rs("10.0.0.1", 1), rs("10.0.0.1", 2)))
                .hasMessage("TCP 172.19.100.1:80: real server 10.0.0.1:8080 listed twice");
        assertThatThrownBy(() -> web(Scheduler.RR, new RealServer(ip("fd00::1"), 80, 1, Forwarding.MASQ)))
                .hasMessageContaining("real server [fd00:0:0:0:0:0:0:1]:80 is of another address family");
        assertThatThrownBy(() -> rs("10.0.0.1", 70000)).hasMessage("real server weight must be 0..65535, got 70000");
        assertThatThrownBy(() -> web(Scheduler.RR, new RealServer(ip("10.0.0.1"), 8080, 1, Forwarding.DROUTE)))
                .hasMessage("TCP 172.19.100.1:80: real server 10.0.0.1:8080 uses DROUTE, which cannot change the port:"
                        + " give it port 80 or use MASQ");
    }

    static List<VirtualService> randomState(Random r) throws Exception {
        List<VirtualService> out = new ArrayList<>();
        Set<Integer> ports = new HashSet<>();
        for (int i = r.nextInt(6); i > 0; i--) {
            int port = 80 + r.nextInt(5);
            if (!ports.add(port)) {
                continue;
            }
            List<RealServer> rs = new ArrayList<>();
            Set<Integer> hosts = new HashSet<>();
            for (int j = r.nextInt(4); j > 0; j--) {
                int h = 1 + r.nextInt(5);
                if (hosts.add(h)) {
                    Forwarding f = Forwarding.values()[r.nextInt(3)];
                    rs.add(new RealServer(ip("10.0.0." + h), f == Forwarding.MASQ ? 8080 : port, r.nextInt(3), f));
                }
            }
            Scheduler s = Scheduler.values()[r.nextInt(Scheduler.values().length)];
            out.add(new VirtualService(Protocol.TCP, ip("172.19.100.1"), port, s,
                    s.takesFlags() && r.nextBoolean() ? Set.of(SchedulerFlag.PORT) : Set.of(), r.nextInt(2) * 300,
                    rs));
        }
        return out;
    }

    /** What the kernel does with the changes: the model the diff is checked against. */
    static void applyTo(Map<VirtualService.Key, Reconciler.Entry> state, List<Change> changes, Set<Change> failed) {
        for (Change c : changes) {
            if (failed.contains(c)) {
                continue;
            }
            VirtualService.Key k = Reconciler.keyOf(c.service());
            switch (c.op()) {
                case ADD_SERVICE, EDIT_SERVICE -> {
                    Reconciler.Entry old = state.get(k);
                    state.put(k, new Reconciler.Entry(c.service(), old == null ? new HashMap<>() : old.dests()));
                }
                case DELETE_SERVICE -> state.remove(k);
                case ADD_DEST, EDIT_DEST -> {
                    Reconciler.Entry e = state.get(k);
                    if (e != null) {
                        e.dests().put(new Reconciler.DestKey(c.dest().address(), c.dest().port()), c.dest());
                    }
                }
                case DELETE_DEST -> {
                    Reconciler.Entry e = state.get(k);
                    if (e != null) {
                        e.dests().remove(new Reconciler.DestKey(c.dest().address(), c.dest().port()));
                    }
                }
            }
        }
    }
}
