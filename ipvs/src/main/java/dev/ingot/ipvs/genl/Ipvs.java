package dev.ingot.ipvs.genl;

import dev.ingot.ipvs.netlink.Attributes;
import dev.ingot.ipvs.netlink.Message;
import dev.ingot.ipvs.netlink.MessageWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * The IPVS generic netlink messages ({@code linux/ip_vs.h}): virtual services and their destinations as the kernel
 * sees them, how to write the commands and how to read the dumps. Pure code.
 */
public final class Ipvs {
    private Ipvs() {}

    public static final String FAMILY = "IPVS";
    public static final int VERSION = 1;

    public static final int CMD_NEW_SERVICE = 1;
    public static final int CMD_SET_SERVICE = 2;
    public static final int CMD_DEL_SERVICE = 3;
    public static final int CMD_GET_SERVICE = 4;
    public static final int CMD_NEW_DEST = 5;
    public static final int CMD_SET_DEST = 6;
    public static final int CMD_DEL_DEST = 7;
    public static final int CMD_GET_DEST = 8;

    public static final int CMD_ATTR_SERVICE = 1;
    public static final int CMD_ATTR_DEST = 2;

    public static final int SVC_ATTR_AF = 1;
    public static final int SVC_ATTR_PROTOCOL = 2;
    public static final int SVC_ATTR_ADDR = 3;
    public static final int SVC_ATTR_PORT = 4;
    public static final int SVC_ATTR_FWMARK = 5;
    public static final int SVC_ATTR_SCHED_NAME = 6;
    public static final int SVC_ATTR_FLAGS = 7;
    public static final int SVC_ATTR_TIMEOUT = 8;
    public static final int SVC_ATTR_NETMASK = 9;

    public static final int DEST_ATTR_ADDR = 1;
    public static final int DEST_ATTR_PORT = 2;
    public static final int DEST_ATTR_FWD_METHOD = 3;
    public static final int DEST_ATTR_WEIGHT = 4;
    public static final int DEST_ATTR_U_THRESH = 5;
    public static final int DEST_ATTR_L_THRESH = 6;
    public static final int DEST_ATTR_ADDR_FAMILY = 11;

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    public static final int F_PERSISTENT = 0x0001;
    public static final int F_HASHED = 0x0002;
    public static final int F_ONEPACKET = 0x0004;
    public static final int F_SCHED1 = 0x0008;
    public static final int F_SCHED2 = 0x0010;
    public static final int F_SCHED3 = 0x0020;
    /** The service flags a user sets; the kernel adds F_HASHED by itself. */
    public static final int USER_FLAGS = F_PERSISTENT | F_ONEPACKET | F_SCHED1 | F_SCHED2 | F_SCHED3;
    public static final int FWD_MASK = 0x0007;

    /**
     * A virtual service as the kernel holds it (fwmark services have {@code fwmark != 0} and no address).
     *
     * @param netmask persistence netmask: 0xffffffff for IPv4, a prefix length (128) for IPv6
     */
    public record Service(int af, int protocol, InetAddress address, int port, int fwmark, String scheduler,
                          int flags, int timeout, int netmask) {
        /** Same settings (scheduler, user flags, timeout, netmask), ignoring the kernel's own flags. */
        public boolean sameSettings(Service o) {
            return Objects.equals(scheduler, o.scheduler) && (flags & USER_FLAGS) == (o.flags & USER_FLAGS)
                    && timeout == o.timeout && netmask == o.netmask;
        }
    }

    /** A destination (real server) as the kernel holds it. */
    public record Dest(int af, InetAddress address, int port, int forwarding, int weight, int upperThreshold,
                       int lowerThreshold) {
        public boolean sameSettings(Dest o) {
            return (forwarding & FWD_MASK) == (o.forwarding & FWD_MASK) && weight == o.weight
                    && upperThreshold == o.upperThreshold && lowerThreshold == o.lowerThreshold;
        }
    }

    public static int af(InetAddress a) {
        return a instanceof Inet4Address ? AF_INET : AF_INET6;
    }

    /** IPVS_CMD_NEW_SERVICE (full entry). */
    public static void newService(MessageWriter w, int family, int seq, int flags, Service s) {
        Genl.begin(w, family, flags, seq, CMD_NEW_SERVICE, VERSION);
        fullService(w, s);
        w.end();
    }

    /** IPVS_CMD_SET_SERVICE (full entry). */
    public static void setService(MessageWriter w, int family, int seq, int flags, Service s) {
        Genl.begin(w, family, flags, seq, CMD_SET_SERVICE, VERSION);
        fullService(w, s);
        w.end();
    }

    /** IPVS_CMD_DEL_SERVICE (key only); the kernel drops its destinations with it. */
    public static void delService(MessageWriter w, int family, int seq, int flags, Service s) {
        Genl.begin(w, family, flags, seq, CMD_DEL_SERVICE, VERSION);
        serviceKey(w, s);
        w.end();
    }

    /** IPVS_CMD_GET_SERVICE as a dump: every virtual service of the network namespace. */
    public static void dumpServices(MessageWriter w, int family, int seq, int flags) {
        Genl.begin(w, family, flags, seq, CMD_GET_SERVICE, VERSION).end();
    }

    /** IPVS_CMD_GET_DEST as a dump: the destinations of one service. */
    public static void dumpDests(MessageWriter w, int family, int seq, int flags, Service s) {
        Genl.begin(w, family, flags, seq, CMD_GET_DEST, VERSION);
        serviceKey(w, s);
        w.end();
    }

    /** IPVS_CMD_NEW_DEST (full entry). */
    public static void newDest(MessageWriter w, int family, int seq, int flags, Service s, Dest d) {
        Genl.begin(w, family, flags, seq, CMD_NEW_DEST, VERSION);
        serviceKey(w, s);
        fullDest(w, d);
        w.end();
    }

    /** IPVS_CMD_SET_DEST (full entry). */
    public static void setDest(MessageWriter w, int family, int seq, int flags, Service s, Dest d) {
        Genl.begin(w, family, flags, seq, CMD_SET_DEST, VERSION);
        serviceKey(w, s);
        fullDest(w, d);
        w.end();
    }

    /** IPVS_CMD_DEL_DEST (key only). */
    public static void delDest(MessageWriter w, int family, int seq, int flags, Service s, Dest d) {
        Genl.begin(w, family, flags, seq, CMD_DEL_DEST, VERSION);
        serviceKey(w, s);
        w.nestStart(CMD_ATTR_DEST)
                .attrU16(DEST_ATTR_ADDR_FAMILY, d.af())
                .attrInetAddr16(DEST_ATTR_ADDR, d.address())
                .attrBe16(DEST_ATTR_PORT, d.port())
                .nestEnd();
        w.end();
    }

    private static void serviceKey(MessageWriter w, Service s) {
        w.nestStart(CMD_ATTR_SERVICE);
        keyAttrs(w, s);
        w.nestEnd();
    }

    private static void keyAttrs(MessageWriter w, Service s) {
        w.attrU16(SVC_ATTR_AF, s.af()).attrU16(SVC_ATTR_PROTOCOL, s.protocol())
                .attrInetAddr16(SVC_ATTR_ADDR, s.address()).attrBe16(SVC_ATTR_PORT, s.port());
    }

    private static void fullService(MessageWriter w, Service s) {
        w.nestStart(CMD_ATTR_SERVICE);
        keyAttrs(w, s);
        w.attrString(SVC_ATTR_SCHED_NAME, s.scheduler());
        w.attrU32Pair(SVC_ATTR_FLAGS, s.flags() & USER_FLAGS, 0xffffffff); // struct ip_vs_flags {flags, mask}
        w.attrU32(SVC_ATTR_TIMEOUT, s.timeout());
        w.attrU32(SVC_ATTR_NETMASK, s.netmask());
        w.nestEnd();
    }

    private static void fullDest(MessageWriter w, Dest d) {
        w.nestStart(CMD_ATTR_DEST)
                .attrU16(DEST_ATTR_ADDR_FAMILY, d.af())
                .attrInetAddr16(DEST_ATTR_ADDR, d.address())
                .attrBe16(DEST_ATTR_PORT, d.port())
                .attrU32(DEST_ATTR_FWD_METHOD, d.forwarding())
                .attrU32(DEST_ATTR_WEIGHT, d.weight())
                .attrU32(DEST_ATTR_U_THRESH, d.upperThreshold())
                .attrU32(DEST_ATTR_L_THRESH, d.lowerThreshold())
                .nestEnd();
    }

    /** Parses an IPVS_CMD_NEW_SERVICE dump reply. */
    public static Service parseService(Message m) {
        if (Genl.command(m) != CMD_NEW_SERVICE) {
            throw new IllegalArgumentException("not an IPVS_CMD_NEW_SERVICE: " + m);
        }
        Attributes s = Genl.attributes(m).nested(CMD_ATTR_SERVICE);
        int af = s.u16(SVC_ATTR_AF, 0);
        int fwmark = s.u32(SVC_ATTR_FWMARK, 0);
        InetAddress addr = s.has(SVC_ATTR_ADDR) ? s.address(SVC_ATTR_ADDR, af == AF_INET ? 4 : 16) : null;
        int flags = 0;
        java.nio.ByteBuffer f = s.get(SVC_ATTR_FLAGS);
        if (f != null && f.remaining() >= 4) {
            flags = f.getInt(0);
        }
        return new Service(af, s.u16(SVC_ATTR_PROTOCOL, 0), addr, s.be16(SVC_ATTR_PORT, 0), fwmark,
                s.string(SVC_ATTR_SCHED_NAME), flags, s.u32(SVC_ATTR_TIMEOUT, 0), s.u32(SVC_ATTR_NETMASK, 0));
    }

    /** Parses an IPVS_CMD_NEW_DEST dump reply; {@code serviceAf} is used when the kernel omits the dest family. */
    public static Dest parseDest(Message m, int serviceAf) {
        if (Genl.command(m) != CMD_NEW_DEST) {
            throw new IllegalArgumentException("not an IPVS_CMD_NEW_DEST: " + m);
        }
        Attributes d = Genl.attributes(m).nested(CMD_ATTR_DEST);
        int af = d.u16(DEST_ATTR_ADDR_FAMILY, serviceAf);
        return new Dest(af, d.address(DEST_ATTR_ADDR, af == AF_INET ? 4 : 16), d.be16(DEST_ATTR_PORT, 0),
                d.u32(DEST_ATTR_FWD_METHOD, 0) & FWD_MASK, d.u32(DEST_ATTR_WEIGHT, 0),
                d.u32(DEST_ATTR_U_THRESH, 0), d.u32(DEST_ATTR_L_THRESH, 0));
    }
}
