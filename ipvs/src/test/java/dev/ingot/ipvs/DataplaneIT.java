package dev.ingot.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The dataplane against a real kernel with IPVS: run by Failsafe inside the qemu VM (vm/jdk/bin/java), each test in
 * its own network namespace (deleted real servers linger in a namespace's IPVS trash for 120 s). After each step,
 * Debian's ipvsadm and ip in the same guest must show exactly the expected state.
 */
class DataplaneIT {
    static final List<Prefix> OWNED = List.of(Prefix.parse("172.19.0.0/16"), Prefix.parse("fd00:19::/64"));
    NetNs ns;
    Dataplane dp;

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @BeforeEach
    void setUp() throws Exception {
        String unavailable = System.getenv("IPVS_VM_UNAVAILABLE");
        boolean ci = "true".equals(System.getenv("CI"));
        if (!Files.exists(Path.of("/proc/net/ip_vs")) && System.getenv("IPVS_VM") == null) {
            String why = unavailable != null ? unavailable : "no IPVS in this kernel and not inside the IPVS VM";
            if (ci) {
                throw new AssertionError("CI=true but " + why);
            }
            Assumptions.abort(why);
        }
        ns = NetNs.create();
        dp = ns.call(() -> Dataplane.open(DataplaneOptions.owning(OWNED)));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (dp != null) {
            dp.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    /** ipvsadm -Ln --sort without its three header lines, trailing blanks dropped. */
    String ipvsadm() throws Exception {
        String out = ns.exec("ipvsadm", "-Ln", "--sort");
        return Arrays.stream(out.split("\n")).skip(3).map(String::stripTrailing)
                .collect(Collectors.joining("\n"));
    }

    /** The addresses on kube-ipvs0, as ip shows them. */
    Set<String> addresses() throws Exception {
        String out = ns.exec("ip", "-br", "addr", "show", "dev", "kube-ipvs0");
        return Arrays.stream(out.trim().split("\\s+")).skip(2).collect(Collectors.toCollection(TreeSet::new));
    }

    static RealServer rs(String addr, int port, int weight, Forwarding f) throws Exception {
        return new RealServer(ip(addr), port, weight, f);
    }

    static VirtualService vs(Protocol p, String addr, int port, Scheduler s, Set<SchedulerFlag> flags, int persist,
                             RealServer... servers) throws Exception {
        return new VirtualService(p, ip(addr), port, s, flags, persist, List.of(servers));
    }

    List<VirtualService> everyScheduler() throws Exception {
        return List.of(
                vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.RR, Set.of(), 0,
                        rs("10.233.64.1", 8080, 1, Forwarding.MASQ), rs("10.233.64.2", 8080, 1, Forwarding.MASQ)),
                vs(Protocol.UDP, "172.19.100.1", 53, Scheduler.WRR, Set.of(), 0,
                        rs("10.233.64.3", 53, 5, Forwarding.DROUTE), rs("10.233.64.1", 53, 0, Forwarding.DROUTE)),
                vs(Protocol.SCTP, "172.19.100.2", 9000, Scheduler.LC, Set.of(), 0,
                        rs("10.233.64.4", 9000, 1, Forwarding.TUNNEL)),
                vs(Protocol.TCP, "172.19.100.2", 443, Scheduler.WLC, Set.of(), 300,
                        rs("10.233.64.5", 8443, 3, Forwarding.MASQ)),
                vs(Protocol.TCP, "172.19.100.2", 8443, Scheduler.SH, Set.of(SchedulerFlag.FALLBACK,
                        SchedulerFlag.PORT), 0, rs("10.233.64.6", 8443, 1, Forwarding.MASQ)),
                vs(Protocol.TCP, "fd00:19::1", 80, Scheduler.MH, Set.of(SchedulerFlag.PORT), 0,
                        rs("fd00:233::1", 8080, 2, Forwarding.MASQ), rs("fd00:233::2", 8080, 2, Forwarding.MASQ)));
    }

    @Test
    void createsEditsAndDeletesWithEverySchedulerAndForwardingMethod() throws Exception {
        int index = dp.ensureLink();
        assertThat(ns.exec("ip", "-d", "link", "show", "kube-ipvs0")).contains("kube-ipvs0").contains("dummy");
        assertThat(dp.ensureLink()).as("an existing link is kept").isEqualTo(index);

        dp.bindAddresses(Set.of(ip("172.19.100.1"), ip("172.19.100.2"), ip("fd00:19::1")));
        assertThat(addresses()).containsExactly("172.19.100.1/32", "172.19.100.2/32", "fd00:19::1/128");

        ApplyResult created = dp.apply(everyScheduler());
        assertThat(created.servicesAdded()).isEqualTo(6);
        assertThat(created.destsAdded()).isEqualTo(9);
        assertThat(ipvsadm()).isEqualTo("""
                TCP  172.19.100.1:80 rr
                  -> 10.233.64.1:8080             Masq    1      0          0
                  -> 10.233.64.2:8080             Masq    1      0          0
                TCP  172.19.100.2:443 wlc persistent 300
                  -> 10.233.64.5:8443             Masq    3      0          0
                TCP  172.19.100.2:8443 sh (sh-fallback,sh-port)
                  -> 10.233.64.6:8443             Masq    1      0          0
                UDP  172.19.100.1:53 wrr
                  -> 10.233.64.1:53               Route   0      0          0
                  -> 10.233.64.3:53               Route   5      0          0
                SCTP 172.19.100.2:9000 lc
                  -> 10.233.64.4:9000             Tunnel  1      0          0
                TCP  [fd00:19::1]:80 mh (mh-port)
                  -> [fd00:233::1]:8080           Masq    2      0          0
                  -> [fd00:233::2]:8080           Masq    2      0          0""");
        assertThat(dp.virtualServices()).containsExactlyInAnyOrderElementsOf(sorted(everyScheduler()));

        // Edit weights and a scheduler; the same input again changes nothing.
        List<VirtualService> edited = new ArrayList<>(everyScheduler());
        edited.set(0, vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.WRR, Set.of(), 0,
                rs("10.233.64.1", 8080, 7, Forwarding.MASQ), rs("10.233.64.2", 8080, 1, Forwarding.MASQ)));
        edited.set(5, vs(Protocol.TCP, "fd00:19::1", 80, Scheduler.MH, Set.of(SchedulerFlag.PORT), 0,
                rs("fd00:233::1", 8080, 2, Forwarding.MASQ), rs("fd00:233::2", 8080, 9, Forwarding.MASQ)));
        ApplyResult e = dp.apply(edited);
        assertThat(e.changes()).as("only the needed operations").isEqualTo(3);
        assertThat(e.servicesEdited()).isEqualTo(1);
        assertThat(e.destsEdited()).isEqualTo(2);
        assertThat(dp.apply(edited).changes()).isZero();
        assertThat(ipvsadm()).isEqualTo("""
                TCP  172.19.100.1:80 wrr
                  -> 10.233.64.1:8080             Masq    7      0          0
                  -> 10.233.64.2:8080             Masq    1      0          0
                TCP  172.19.100.2:443 wlc persistent 300
                  -> 10.233.64.5:8443             Masq    3      0          0
                TCP  172.19.100.2:8443 sh (sh-fallback,sh-port)
                  -> 10.233.64.6:8443             Masq    1      0          0
                UDP  172.19.100.1:53 wrr
                  -> 10.233.64.1:53               Route   0      0          0
                  -> 10.233.64.3:53               Route   5      0          0
                SCTP 172.19.100.2:9000 lc
                  -> 10.233.64.4:9000             Tunnel  1      0          0
                TCP  [fd00:19::1]:80 mh (mh-port)
                  -> [fd00:233::1]:8080           Masq    2      0          0
                  -> [fd00:233::2]:8080           Masq    9      0          0""");

        // Delete: every service on 172.19.100.2, one real server, then the VIP itself.
        List<VirtualService> fewer = List.of(
                vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.WRR, Set.of(), 0,
                        rs("10.233.64.1", 8080, 7, Forwarding.MASQ)),
                edited.get(1), edited.get(5));
        ApplyResult d = dp.apply(fewer);
        assertThat(d.servicesDeleted()).isEqualTo(3);
        assertThat(d.destsDeleted()).isEqualTo(1);
        assertThat(d.changes()).isEqualTo(4);
        dp.bindAddresses(Set.of(ip("172.19.100.1"), ip("fd00:19::1")));
        assertThat(addresses()).containsExactly("172.19.100.1/32", "fd00:19::1/128");
        assertThat(ipvsadm()).isEqualTo("""
                TCP  172.19.100.1:80 wrr
                  -> 10.233.64.1:8080             Masq    7      0          0
                UDP  172.19.100.1:53 wrr
                  -> 10.233.64.1:53               Route   0      0          0
                  -> 10.233.64.3:53               Route   5      0          0
                TCP  [fd00:19::1]:80 mh (mh-port)
                  -> [fd00:233::1]:8080           Masq    2      0          0
                  -> [fd00:233::2]:8080           Masq    9      0          0""");

        assertThat(dp.apply(List.of()).servicesDeleted()).isEqualTo(3);
        dp.bindAddresses(Set.of());
        assertThat(ipvsadm()).isEmpty();
        assertThat(addresses()).isEmpty();
    }

    @Test
    void reconcileRestoresWhatWasChangedBehindItsBackAndLeavesOthersAlone() throws Exception {
        // Someone else's virtual service (kube-proxy's ClusterIP, say), outside the owned prefixes.
        ns.exec("ipvsadm", "-A", "-t", "10.96.0.10:53", "-s", "rr");
        ns.exec("ipvsadm", "-a", "-t", "10.96.0.10:53", "-r", "10.233.1.1:53", "-m");
        List<VirtualService> want = List.of(
                vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.RR, Set.of(), 0,
                        rs("10.233.64.1", 8080, 1, Forwarding.MASQ), rs("10.233.64.2", 8080, 1, Forwarding.MASQ)),
                vs(Protocol.TCP, "172.19.100.1", 443, Scheduler.WLC, Set.of(), 0,
                        rs("10.233.64.1", 8443, 1, Forwarding.MASQ)),
                vs(Protocol.UDP, "172.19.100.1", 53, Scheduler.RR, Set.of(), 0,
                        rs("10.233.64.3", 53, 1, Forwarding.MASQ)));
        dp.apply(want);
        String expected = """
                TCP  172.19.100.1:80 rr
                  -> 10.233.64.1:8080             Masq    1      0          0
                  -> 10.233.64.2:8080             Masq    1      0          0
                TCP  172.19.100.1:443 wlc
                  -> 10.233.64.1:8443             Masq    1      0          0
                TCP  10.96.0.10:53 rr
                  -> 10.233.1.1:53                Masq    1      0          0
                UDP  172.19.100.1:53 rr
                  -> 10.233.64.3:53               Masq    1      0          0""";
        assertThat(ipvsadm()).isEqualTo(expected);

        // Behind its back: a weight, a real server, a scheduler, a whole service, and a stray owned service.
        ns.exec("ipvsadm", "-e", "-t", "172.19.100.1:80", "-r", "10.233.64.1:8080", "-m", "-w", "9");
        ns.exec("ipvsadm", "-d", "-t", "172.19.100.1:80", "-r", "10.233.64.2:8080");
        ns.exec("ipvsadm", "-E", "-t", "172.19.100.1:443", "-s", "sh");
        ns.exec("ipvsadm", "-D", "-u", "172.19.100.1:53");
        ns.exec("ipvsadm", "-A", "-t", "172.19.100.9:80", "-s", "rr");
        ns.exec("ipvsadm", "-a", "-t", "172.19.100.9:80", "-r", "10.233.9.9:80", "-m");

        ApplyResult r = dp.reconcile(want);
        assertThat(r.readKernel()).isTrue();
        // weight, re-added server, scheduler, re-created service and its server, deleted stray: nothing else
        assertThat(r.changes()).isEqualTo(6);
        assertThat(r.destsEdited()).isEqualTo(1);
        assertThat(r.servicesEdited()).isEqualTo(1);
        assertThat(r.servicesAdded()).isEqualTo(1);
        assertThat(r.servicesDeleted()).isEqualTo(1);
        assertThat(r.destsAdded()).isEqualTo(2);
        assertThat(ipvsadm()).isEqualTo(expected);

        // apply() trusts the view kept since its last call (reconcile() and the resync interval re-read the kernel),
        // but a command the kernel refuses because of a change behind its back makes it read the kernel and retry.
        ns.exec("ipvsadm", "-D", "-t", "172.19.100.1:443");
        ns.exec("ipvsadm", "-D", "-t", "172.19.100.1:80");
        ns.exec("ipvsadm", "-A", "-t", "172.19.100.1:80", "-s", "lc");
        List<VirtualService> heavier = new ArrayList<>(want);
        heavier.set(1, want.get(1).withRealServers(List.of(rs("10.233.64.1", 8443, 4, Forwarding.MASQ))));
        ApplyResult again = dp.apply(heavier);
        assertThat(again.retried()).isTrue();
        assertThat(again.readKernel()).isTrue();
        assertThat(ipvsadm()).isEqualTo("""
                TCP  172.19.100.1:80 rr
                  -> 10.233.64.1:8080             Masq    1      0          0
                  -> 10.233.64.2:8080             Masq    1      0          0
                TCP  172.19.100.1:443 wlc
                  -> 10.233.64.1:8443             Masq    4      0          0
                TCP  10.96.0.10:53 rr
                  -> 10.233.1.1:53                Masq    1      0          0
                UDP  172.19.100.1:53 rr
                  -> 10.233.64.3:53               Masq    1      0          0""");
    }

    @Test
    void updateChangesOnlyTheServicesItIsGiven() throws Exception {
        List<VirtualService> all = List.of(
                vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.RR, Set.of(), 0, rs("10.233.64.1", 8080, 1,
                        Forwarding.MASQ)),
                vs(Protocol.TCP, "172.19.100.2", 80, Scheduler.RR, Set.of(), 0, rs("10.233.64.2", 8080, 1,
                        Forwarding.MASQ)));
        dp.apply(all);
        ApplyResult u = dp.update(List.of(
                        vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.RR, Set.of(), 0,
                                rs("10.233.64.1", 8080, 3, Forwarding.MASQ), rs("10.233.64.9", 8080, 1,
                                        Forwarding.MASQ)),
                        vs(Protocol.UDP, "172.19.100.3", 53, Scheduler.LC, Set.of(), 0)),
                List.of(new VirtualService.Key(Protocol.TCP, ip("172.19.100.2"), 80)));
        assertThat(u.changes()).isEqualTo(4);
        assertThat(ipvsadm()).isEqualTo("""
                TCP  172.19.100.1:80 rr
                  -> 10.233.64.1:8080             Masq    3      0          0
                  -> 10.233.64.9:8080             Masq    1      0          0
                UDP  172.19.100.3:53 lc""");
        // apply() afterwards knows what update() did: the same state needs nothing.
        assertThat(dp.apply(dp.virtualServices()).changes()).isZero();
    }

    @Test
    void refusesVipsOutsideTheOwnedPrefixesAndChangesNothing() throws Exception {
        dp.apply(List.of(vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.RR, Set.of(), 0)));
        assertThatThrownBy(() -> dp.apply(List.of(vs(Protocol.TCP, "10.96.0.1", 443, Scheduler.RR, Set.of(), 0))))
                .isInstanceOfSatisfying(DataplaneException.class,
                        ex -> assertThat(ex.reason()).isEqualTo(DataplaneException.Reason.INVALID))
                .hasMessageContaining("TCP 10.96.0.1:443").hasMessageContaining("outside the owned prefixes")
                .hasMessageContaining("nothing was changed");
        assertThat(ipvsadm()).isEqualTo("TCP  172.19.100.1:80 rr");
    }

    @Test
    void withoutCapNetAdminSaysWhatToDo() throws Exception {
        // Capabilities are per thread: the namespace's thread drops CAP_NET_ADMIN and works as a weak process would.
        DataplaneException e = ns.call(() -> {
            try {
                Caps.dropNetAdminInThisThread();
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            try (Dataplane weak = Dataplane.open(DataplaneOptions.owning(OWNED))) {
                weak.apply(List.of(vs(Protocol.TCP, "172.19.100.1", 80, Scheduler.RR, Set.of(), 0)));
                return null;
            } catch (DataplaneException ex) {
                return ex;
            }
        });
        assertThat(e).isNotNull();
        assertThat(e.reason()).isEqualTo(DataplaneException.Reason.NOT_PERMITTED);
        assertThat(e).hasMessageContaining("(EPERM): the process lacks CAP_NET_ADMIN")
                .hasMessageContaining("securityContext.capabilities.add: [NET_ADMIN]");
        assertThat(ipvsadm()).isEmpty();
    }

    static List<VirtualService> sorted(List<VirtualService> in) {
        List<VirtualService> out = new ArrayList<>();
        for (VirtualService v : in) {
            List<RealServer> rs = new ArrayList<>(v.realServers());
            rs.sort(java.util.Comparator.comparing(RealServer::endpoint));
            out.add(v.withRealServers(rs));
        }
        return out;
    }
}
