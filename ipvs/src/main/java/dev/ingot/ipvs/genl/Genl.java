package dev.ingot.ipvs.genl;

import dev.ingot.ipvs.netlink.Attributes;
import dev.ingot.ipvs.netlink.Message;
import dev.ingot.ipvs.netlink.MessageWriter;

/** Generic netlink framing and the controller's family lookup ({@code linux/genetlink.h}). Pure code. */
public final class Genl {
    private Genl() {}

    /** {@code sizeof(struct genlmsghdr)}: u8 cmd, u8 version, u16 reserved. */
    public static final int GENLMSGHDR_LEN = 4;
    public static final int GENL_ID_CTRL = 0x10;
    public static final int CTRL_CMD_NEWFAMILY = 1;
    public static final int CTRL_CMD_GETFAMILY = 3;
    public static final int CTRL_ATTR_FAMILY_ID = 1;
    public static final int CTRL_ATTR_FAMILY_NAME = 2;
    public static final int CTRL_ATTR_VERSION = 3;
    public static final int CTRL_ATTR_MAXATTR = 5;

    /** A generic netlink family as the controller reports it. */
    public record Family(String name, int id, int version, int maxAttr) {}

    /** Starts a generic netlink message: nlmsghdr (type = family id) and genlmsghdr. */
    public static MessageWriter begin(MessageWriter w, int familyId, int flags, int seq, int cmd, int version) {
        return w.begin(familyId, flags, seq).u8(cmd).u8(version).u16(0);
    }

    /** CTRL_CMD_GETFAMILY by name (answered by CTRL_CMD_NEWFAMILY, or ENOENT when no such family). */
    public static void getFamily(MessageWriter w, int seq, int flags, String name) {
        begin(w, GENL_ID_CTRL, flags, seq, CTRL_CMD_GETFAMILY, 1).attrString(CTRL_ATTR_FAMILY_NAME, name).end();
    }

    public static Family parseFamily(Message m) {
        if (m.type() != GENL_ID_CTRL || m.payload().remaining() < GENLMSGHDR_LEN
                || m.payload().get(0) != CTRL_CMD_NEWFAMILY) {
            throw new IllegalArgumentException("not a CTRL_CMD_NEWFAMILY: " + m);
        }
        Attributes a = Attributes.parse(m.payload(), GENLMSGHDR_LEN);
        return new Family(a.string(CTRL_ATTR_FAMILY_NAME), a.u16(CTRL_ATTR_FAMILY_ID, -1),
                a.u32(CTRL_ATTR_VERSION, 0), a.u32(CTRL_ATTR_MAXATTR, 0));
    }

    /** The attributes after the genlmsghdr of a reply. */
    public static Attributes attributes(Message m) {
        return Attributes.parse(m.payload(), GENLMSGHDR_LEN);
    }

    /** The command of a generic netlink reply. */
    public static int command(Message m) {
        return m.payload().remaining() < 1 ? -1 : m.payload().get(0) & 0xff;
    }
}
