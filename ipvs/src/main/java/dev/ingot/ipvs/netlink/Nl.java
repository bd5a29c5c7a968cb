package dev.ingot.ipvs.netlink;

/** Constants of the netlink wire format, from {@code linux/netlink.h}. */
public final class Nl {
    private Nl() {}

    public static final int AF_NETLINK = 16;
    public static final int NETLINK_ROUTE = 0;
    public static final int NETLINK_GENERIC = 16;

    /** {@code sizeof(struct nlmsghdr)}: u32 len, u16 type, u16 flags, u32 seq, u32 pid. */
    public static final int HDRLEN = 16;
    /** {@code sizeof(struct nlattr)}: u16 len, u16 type. */
    public static final int NLA_HDRLEN = 4;

    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;

    public static final int F_REQUEST = 0x01;
    public static final int F_MULTI = 0x02;
    public static final int F_ACK = 0x04;
    public static final int F_DUMP_INTR = 0x10;
    public static final int F_ROOT = 0x100;
    public static final int F_MATCH = 0x200;
    public static final int F_DUMP = F_ROOT | F_MATCH;
    public static final int F_REPLACE = 0x100;
    public static final int F_EXCL = 0x200;
    public static final int F_CREATE = 0x400;
    /** Flags of an NLMSG_ERROR message. */
    public static final int F_CAPPED = 0x100;
    public static final int F_ACK_TLVS = 0x200;

    public static final int NLA_F_NESTED = 0x8000;
    public static final int NLA_F_NET_BYTEORDER = 0x4000;
    public static final int NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

    /** Extended-ACK attributes inside an NLMSG_ERROR or NLMSG_DONE. */
    public static final int NLMSGERR_ATTR_MSG = 1;

    /** Socket options at level SOL_NETLINK (270). */
    public static final int SOL_NETLINK = 270;
    public static final int NETLINK_CAP_ACK = 10;
    public static final int NETLINK_EXT_ACK = 11;

    public static int align(int len) {
        return (len + 3) & ~3;
    }
}
