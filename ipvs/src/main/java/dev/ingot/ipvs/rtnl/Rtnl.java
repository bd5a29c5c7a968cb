package dev.ingot.ipvs.rtnl;

import dev.ingot.ipvs.netlink.Attributes;
import dev.ingot.ipvs.netlink.Message;
import dev.ingot.ipvs.netlink.MessageWriter;
import dev.ingot.ipvs.netlink.Nl;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The rtnetlink messages this module sends and parses ({@code linux/rtnetlink.h}, {@code linux/if_link.h},
 * {@code linux/if_addr.h}). Pure code: encoders write into a {@link MessageWriter}, decoders read a {@link Message}.
 */
public final class Rtnl {
    private Rtnl() {}

    public static final int RTM_NEWLINK = 16;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;

    public static final int AF_UNSPEC = 0;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;

    /** {@code sizeof(struct ifinfomsg)}: u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change. */
    public static final int IFINFOMSG_LEN = 16;
    /** {@code sizeof(struct ifaddrmsg)}: u8 family, u8 prefixlen, u8 flags, u8 scope, u32 index. */
    public static final int IFADDRMSG_LEN = 8;

    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_INFO_KIND = 1;

    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_FLAGS = 8;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFF_UP = 0x1;

    /** A network interface. */
    public record Link(int index, String name, String kind, int flags) {
        public boolean isUp() {
            return (flags & IFF_UP) != 0;
        }
    }

    /** An address on an interface. */
    public record Address(int index, InetAddress address, int prefixLength) {}

    /** RTM_GETLINK for one link by name (answered by one RTM_NEWLINK, or ENODEV). */
    public static void getLink(MessageWriter w, int seq, int flags, String name) {
        w.begin(RTM_GETLINK, flags, seq);
        ifinfomsg(w, 0, 0);
        w.attrString(IFLA_IFNAME, name).end();
    }

    /** RTM_NEWLINK creating a link of a kind ("dummy"), down, failing if the name exists. */
    public static void newLink(MessageWriter w, int seq, int flags, String name, String kind) {
        w.begin(RTM_NEWLINK, flags | Nl.F_CREATE | Nl.F_EXCL, seq);
        ifinfomsg(w, 0, 0);
        w.attrString(IFLA_IFNAME, name);
        w.nestStart(IFLA_LINKINFO).attrString(IFLA_INFO_KIND, kind).nestEnd();
        w.end();
    }

    /** RTM_NEWADDR adding a host address (/32 or /128) to a link, failing if it exists. */
    public static void newAddress(MessageWriter w, int seq, int flags, int index, InetAddress a) {
        w.begin(RTM_NEWADDR, flags | Nl.F_CREATE | Nl.F_EXCL, seq);
        address(w, index, a);
    }

    /** RTM_DELADDR removing a host address from a link. */
    public static void delAddress(MessageWriter w, int seq, int flags, int index, InetAddress a) {
        w.begin(RTM_DELADDR, flags, seq);
        address(w, index, a);
    }

    /** RTM_GETADDR dump of every address of the given family (AF_UNSPEC: all). */
    public static void dumpAddresses(MessageWriter w, int seq, int flags, int family) {
        w.begin(RTM_GETADDR, flags, seq);
        w.u8(family).u8(0).u8(0).u8(0).u32(0);
        w.end();
    }

    private static void address(MessageWriter w, int index, InetAddress a) {
        boolean v4 = a instanceof Inet4Address;
        // No duplicate address detection for a VIP: it is ours by assignment, and the link stays down.
        w.u8(v4 ? AF_INET : AF_INET6).u8(v4 ? 32 : 128).u8(v4 ? 0 : IFA_F_NODAD).u8(0).u32(index);
        w.attrInetAddr(IFA_LOCAL, a).attrInetAddr(IFA_ADDRESS, a);
        w.end();
    }

    private static void ifinfomsg(MessageWriter w, int index, int ifFlags) {
        w.u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(ifFlags).u32(0);
    }

    /** Parses an RTM_NEWLINK reply. */
    public static Link parseLink(Message m) {
        if (m.type() != RTM_NEWLINK || m.payload().remaining() < IFINFOMSG_LEN) {
            throw new IllegalArgumentException("not an RTM_NEWLINK: " + m);
        }
        int index = m.payload().getInt(4);
        int ifFlags = m.payload().getInt(8);
        Attributes a = Attributes.parse(m.payload(), IFINFOMSG_LEN);
        String kind = a.nested(IFLA_LINKINFO).string(IFLA_INFO_KIND);
        return new Link(index, a.string(IFLA_IFNAME), kind, ifFlags);
    }

    /** Parses an RTM_NEWADDR reply: the local address (IFA_LOCAL, else IFA_ADDRESS). */
    public static Address parseAddress(Message m) {
        if (m.type() != RTM_NEWADDR || m.payload().remaining() < IFADDRMSG_LEN) {
            throw new IllegalArgumentException("not an RTM_NEWADDR: " + m);
        }
        int family = m.payload().get(0) & 0xff;
        int plen = m.payload().get(1) & 0xff;
        int index = m.payload().getInt(4);
        Attributes a = Attributes.parse(m.payload(), IFADDRMSG_LEN);
        int len = family == AF_INET ? 4 : 16;
        InetAddress addr = a.has(IFA_LOCAL) ? a.address(IFA_LOCAL, len) : a.address(IFA_ADDRESS, len);
        return new Address(index, addr, plen);
    }
}
