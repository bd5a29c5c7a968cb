package dev.ingot.ipvs;

import static dev.ingot.ipvs.netlink.Fixtures.bytes;
import static dev.ingot.ipvs.netlink.Fixtures.encode;
import static dev.ingot.ipvs.netlink.Fixtures.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.ingot.ipvs.genl.Genl;
import dev.ingot.ipvs.genl.Ipvs;
import dev.ingot.ipvs.netlink.Message;
import dev.ingot.ipvs.netlink.Nl;
import dev.ingot.ipvs.rtnl.Rtnl;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every message the module sends, byte by byte against fixtures written from the UAPI headers, and every reply type
 * it parses, decoded from a fixture. The fixtures are little-endian, like the hosts Ingot runs on.
 */
class WireFixturesTest {
    static final int REQ = Nl.F_REQUEST;
    static final int REQ_ACK = Nl.F_REQUEST | Nl.F_ACK;
    static final int REQ_DUMP = Nl.F_REQUEST | Nl.F_DUMP;
    static final int IPVS = 0x20;

    @BeforeAll
    static void littleEndian() {
        assumeThat(ByteOrder.nativeOrder()).as("fixtures are little-endian").isEqualTo(ByteOrder.LITTLE_ENDIAN);
    }

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static void same(byte[] actual, String fixture) {
        HexFormat h = HexFormat.of();
        assertThat(h.formatHex(actual)).as(fixture).isEqualTo(h.formatHex(bytes(fixture)));
    }

    static Ipvs.Service service(String proto, String addr, int port, Scheduler s, Set<SchedulerFlag> flags,
                                int persist) throws Exception {
        return Reconciler.toKernel(new VirtualService(Protocol.valueOf(proto), ip(addr), port, s, flags, persist,
                List.of()));
    }

    // ---- requests ----

    @Test
    void rtmGetLink() {
        same(encode(w -> Rtnl.getLink(w, 1, REQ, "kube-ipvs0")), "rtm-getlink-request");
    }

    @Test
    void rtmNewLinkDummy() {
        same(encode(w -> Rtnl.newLink(w, 2, REQ_ACK, "kube-ipvs0", "dummy")), "rtm-newlink-dummy-request");
    }

    @Test
    void rtmNewAddress() throws Exception {
        InetAddress v4 = ip("172.19.100.1");
        InetAddress v6 = ip("fd00:19::1");
        same(encode(w -> Rtnl.newAddress(w, 3, REQ_ACK, 7, v4)), "rtm-newaddr-v4-request");
        same(encode(w -> Rtnl.newAddress(w, 4, REQ_ACK, 7, v6)), "rtm-newaddr-v6-request");
    }

    @Test
    void rtmDelAddressAndDump() throws Exception {
        InetAddress v4 = ip("172.19.100.1");
        same(encode(w -> Rtnl.delAddress(w, 5, REQ_ACK, 7, v4)), "rtm-deladdr-v4-request");
        same(encode(w -> Rtnl.dumpAddresses(w, 6, REQ_DUMP, Rtnl.AF_UNSPEC)), "rtm-getaddr-dump-request");
    }

    @Test
    void ctrlGetFamily() {
        same(encode(w -> Genl.getFamily(w, 7, REQ, "IPVS")), "ctrl-getfamily-request");
    }

    @Test
    void ipvsServiceCommands() throws Exception {
        Ipvs.Service v4 = service("TCP", "172.19.100.1", 80, Scheduler.RR, Set.of(), 0);
        Ipvs.Service v6 = service("TCP", "fd00:19::1", 443, Scheduler.MH,
                Set.of(SchedulerFlag.FALLBACK, SchedulerFlag.PORT), 300);
        Ipvs.Service udp = service("UDP", "172.19.100.1", 53, Scheduler.WRR, Set.of(), 0);
        Ipvs.Service sctp = service("SCTP", "172.19.100.2", 9000, Scheduler.LC, Set.of(), 0);
        same(encode(w -> Ipvs.newService(w, IPVS, 8, REQ_ACK, v4)), "ipvs-new-service-v4-request");
        same(encode(w -> Ipvs.newService(w, IPVS, 9, REQ_ACK, v6)), "ipvs-new-service-v6-request");
        same(encode(w -> Ipvs.setService(w, IPVS, 10, REQ_ACK, udp)), "ipvs-set-service-request");
        same(encode(w -> Ipvs.delService(w, IPVS, 11, REQ_ACK, sctp)), "ipvs-del-service-request");
        same(encode(w -> Ipvs.dumpServices(w, IPVS, 12, REQ_DUMP)), "ipvs-get-service-dump-request");
        same(encode(w -> Ipvs.dumpDests(w, IPVS, 13, REQ_DUMP, v4)), "ipvs-get-dest-dump-request");
    }

    @Test
    void ipvsDestCommands() throws Exception {
        Ipvs.Service tcp = service("TCP", "172.19.100.1", 80, Scheduler.RR, Set.of(), 0);
        Ipvs.Service udp = service("UDP", "172.19.100.1", 53, Scheduler.WRR, Set.of(), 0);
        Ipvs.Service v6 = service("TCP", "fd00:19::1", 80, Scheduler.MH, Set.of(), 0);
        Ipvs.Dest masq = Reconciler.toKernel(new RealServer(ip("10.233.64.1"), 8080, 1, Forwarding.MASQ));
        Ipvs.Dest route = Reconciler.toKernel(new RealServer(ip("10.233.64.3"), 53, 5, Forwarding.DROUTE));
        Ipvs.Dest six = Reconciler.toKernel(new RealServer(ip("fd00:233::1"), 8080, 1, Forwarding.MASQ));
        same(encode(w -> Ipvs.newDest(w, IPVS, 14, REQ_ACK, tcp, masq)), "ipvs-new-dest-request");
        same(encode(w -> Ipvs.setDest(w, IPVS, 15, REQ_ACK, udp, route)), "ipvs-set-dest-request");
        same(encode(w -> Ipvs.delDest(w, IPVS, 16, REQ_ACK, v6, six)), "ipvs-del-dest-request");
    }

    // ---- replies ----

    @Test
    void ack() {
        Message m = message("nlmsg-ack-reply");
        assertThat(m.isError()).isTrue();
        assertThat(m.seq()).isEqualTo(8);
        assertThat(m.errno()).isZero();
        assertThat(m.extAckMessage()).isNull();
    }

    @Test
    void errorWithExtendedAck() {
        Message m = message("nlmsg-error-extack-reply");
        assertThat(m.isError()).isTrue();
        assertThat(m.seq()).isEqualTo(2);
        assertThat(m.errno()).isEqualTo(95);
        assertThat(dev.ingot.ipvs.netlink.Errno.of(m.errno())).isEqualTo(dev.ingot.ipvs.netlink.Errno.EOPNOTSUPP);
        assertThat(m.extAckMessage()).isEqualTo("Unknown device type");
    }

    @Test
    void done() {
        Message m = message("nlmsg-done-reply");
        assertThat(m.isDone()).isTrue();
        assertThat(m.seq()).isEqualTo(12);
        assertThat(m.errno()).isZero();
    }

    @Test
    void link() {
        assertThat(Rtnl.parseLink(message("rtm-newlink-reply")))
                .isEqualTo(new Rtnl.Link(7, "kube-ipvs0", "dummy", 0x82));
    }

    @Test
    void addresses() throws Exception {
        assertThat(Rtnl.parseAddress(message("rtm-newaddr-v4-reply")))
                .isEqualTo(new Rtnl.Address(7, ip("172.19.100.1"), 32));
        assertThat(Rtnl.parseAddress(message("rtm-newaddr-v6-reply")))
                .isEqualTo(new Rtnl.Address(7, ip("fd00:19::1"), 128));
    }

    @Test
    void family() {
        assertThat(Genl.parseFamily(message("ctrl-newfamily-reply")))
                .isEqualTo(new Genl.Family("IPVS", 32, 1, 6));
    }

    @Test
    void serviceFromDump() throws Exception {
        Ipvs.Service s = Ipvs.parseService(message("ipvs-new-service-reply"));
        assertThat(s).isEqualTo(new Ipvs.Service(Ipvs.AF_INET6, 6, ip("fd00:19::1"), 443, 0, "mh",
                Ipvs.F_PERSISTENT | Ipvs.F_HASHED | Ipvs.F_SCHED2, 300, 128));
        assertThat(s.sameSettings(service("TCP", "fd00:19::1", 443, Scheduler.MH, Set.of(SchedulerFlag.PORT), 300)))
                .as("the kernel's own HASHED flag is not a difference").isTrue();
    }

    @Test
    void destFromDump() throws Exception {
        Ipvs.Dest d = Ipvs.parseDest(message("ipvs-new-dest-reply"), Ipvs.AF_INET);
        assertThat(d).isEqualTo(new Ipvs.Dest(Ipvs.AF_INET, ip("10.233.64.4"), 9000, 2, 3, 0, 0));
        assertThat(d.sameSettings(Reconciler.toKernel(new RealServer(ip("10.233.64.4"), 9000, 3,
                Forwarding.TUNNEL)))).isTrue();
    }
}
