package dev.ingot.memberlist.wire;

import dev.ingot.memberlist.wire.Message.*;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Encodes a {@link Message} as {@code type byte ‖ msgpack map} exactly as Go's memberlist does, and decodes it leniently. */
public final class Messages {
    /** The most node states a push/pull may announce (current upstream's limit). */
    public static final int MAX_PUSH_NODES = 1 << 20;
    /** The most bytes of push/pull user state or of a TCP user message (current upstream's limit). */
    public static final int MAX_USER_BYTES = 20 << 20;

    private Messages() {}

    /** The complete encoding of one message. For {@link User} this is the UDP form (payload right after the type byte). */
    public static byte[] encode(Message m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(m.type());
        switch (m) {
            case Ping p -> new Msgpack.Fields().put("Node", p.node()).put("SeqNo", p.seqNo())
                    .putOmitEmpty("SourceAddr", p.sourceAddr()).putOmitEmpty("SourceNode", p.sourceNode())
                    .putOmitEmpty("SourcePort", p.sourcePort()).writeTo(out);
            case IndirectPing p -> new Msgpack.Fields().put("Nack", p.nack()).put("Node", p.node()).put("Port", p.port())
                    .put("SeqNo", p.seqNo()).putOmitEmpty("SourceAddr", p.sourceAddr()).putOmitEmpty("SourceNode", p.sourceNode())
                    .putOmitEmpty("SourcePort", p.sourcePort()).put("Target", p.target()).writeTo(out);
            case Ack a -> new Msgpack.Fields().put("Payload", a.payload()).put("SeqNo", a.seqNo()).writeTo(out);
            case Nack n -> new Msgpack.Fields().put("SeqNo", n.seqNo()).writeTo(out);
            case Suspect s -> new Msgpack.Fields().put("From", s.from()).put("Incarnation", s.incarnation()).put("Node", s.node()).writeTo(out);
            case Dead d -> new Msgpack.Fields().put("From", d.from()).put("Incarnation", d.incarnation()).put("Node", d.node()).writeTo(out);
            case Alive a -> new Msgpack.Fields().put("Addr", a.addr()).put("Incarnation", a.incarnation()).put("Meta", a.meta())
                    .put("Node", a.node()).put("Port", a.port()).put("Vsn", a.vsn()).writeTo(out);
            case PushPull p -> {
                new Msgpack.Fields().put("Join", p.join()).put("Nodes", p.nodes().size())
                        .put("UserStateLen", p.userState().length).writeTo(out);
                for (PushNodeState s : p.nodes()) {
                    new Msgpack.Fields().put("Addr", s.addr()).put("Incarnation", s.incarnation()).put("Meta", s.meta())
                            .put("Name", s.name()).put("Port", s.port()).put("State", s.state()).put("Vsn", s.vsn()).writeTo(out);
                }
                out.writeBytes(p.userState());
            }
            case User u -> out.writeBytes(u.payload());
            case Err e -> new Msgpack.Fields().put("Error", e.error()).writeTo(out);
        }
        return out.toByteArray();
    }

    /** The TCP form of a user message: a {@code userMsgHeader} map, then the payload. */
    public static byte[] encodeStreamUser(User u) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Type.USER);
        new Msgpack.Fields().put("UserMsgLen", u.payload().length).writeTo(out);
        out.writeBytes(u.payload());
        return out.toByteArray();
    }

    /** Decodes one packet message ({@code buf} starts with its type byte); trailing bytes are ignored as Go does. */
    public static Message decode(byte[] buf) throws WireException {
        if (buf.length == 0) throw new WireException("malformed", "empty message");
        int type = buf[0] & 0xff;
        if (type == Type.USER) {
            return new User(java.util.Arrays.copyOfRange(buf, 1, buf.length));
        }
        ByteArrayInputStream in = new ByteArrayInputStream(buf, 1, buf.length - 1);
        return decodeBody(type, in, buf.length, false);
    }

    /**
     * Decodes the body of a message whose type byte has been read. {@code stream} selects the TCP forms (push/pull
     * and the user message header); {@code maxLength} bounds every declared length.
     */
    public static Message decodeBody(int type, InputStream in, int maxLength, boolean stream) throws WireException {
        return switch (type) {
            case Type.PING -> {
                var m = Msgpack.readMap(in, maxLength);
                yield new Ping(Msgpack.uint(m, "SeqNo", 0xffffffffL), Msgpack.str(m, "Node"), Msgpack.ip(m, "SourceAddr"),
                        (int) Msgpack.uint(m, "SourcePort", 0xffff), Msgpack.str(m, "SourceNode"));
            }
            case Type.INDIRECT_PING -> {
                var m = Msgpack.readMap(in, maxLength);
                yield new IndirectPing(Msgpack.uint(m, "SeqNo", 0xffffffffL), Msgpack.ip(m, "Target"),
                        (int) Msgpack.uint(m, "Port", 0xffff), Msgpack.str(m, "Node"), Msgpack.bool(m, "Nack"),
                        Msgpack.ip(m, "SourceAddr"), (int) Msgpack.uint(m, "SourcePort", 0xffff), Msgpack.str(m, "SourceNode"));
            }
            case Type.ACK -> {
                var m = Msgpack.readMap(in, maxLength);
                yield new Ack(Msgpack.uint(m, "SeqNo", 0xffffffffL), Msgpack.raw(m, "Payload"));
            }
            case Type.NACK -> new Nack(Msgpack.uint(Msgpack.readMap(in, maxLength), "SeqNo", 0xffffffffL));
            case Type.SUSPECT -> {
                var m = Msgpack.readMap(in, maxLength);
                yield new Suspect(Msgpack.uint(m, "Incarnation", 0xffffffffL), Msgpack.str(m, "Node"), Msgpack.str(m, "From"));
            }
            case Type.DEAD -> {
                var m = Msgpack.readMap(in, maxLength);
                yield new Dead(Msgpack.uint(m, "Incarnation", 0xffffffffL), Msgpack.str(m, "Node"), Msgpack.str(m, "From"));
            }
            case Type.ALIVE -> {
                var m = Msgpack.readMap(in, maxLength);
                yield new Alive(Msgpack.uint(m, "Incarnation", 0xffffffffL), Msgpack.str(m, "Node"), Msgpack.ip(m, "Addr"),
                        (int) Msgpack.uint(m, "Port", 0xffff), Msgpack.raw(m, "Meta"), Msgpack.raw(m, "Vsn"));
            }
            case Type.ERR -> new Err(Msgpack.str(Msgpack.readMap(in, maxLength), "Error"));
            case Type.PUSH_PULL -> {
                if (!stream) throw new WireException("malformed", "push/pull is only valid on a TCP stream");
                var h = Msgpack.readMap(in, maxLength);
                int n = (int) Msgpack.uint(h, "Nodes", MAX_PUSH_NODES);
                int userLen = (int) Msgpack.uint(h, "UserStateLen", MAX_USER_BYTES);
                List<PushNodeState> nodes = new ArrayList<>(Math.min(n, 256));
                for (int i = 0; i < n; i++) {
                    var m = Msgpack.readMap(in, maxLength);
                    nodes.add(new PushNodeState(Msgpack.str(m, "Name"), Msgpack.ip(m, "Addr"), (int) Msgpack.uint(m, "Port", 0xffff),
                            Msgpack.raw(m, "Meta"), Msgpack.uint(m, "Incarnation", 0xffffffffL),
                            (int) Msgpack.uint(m, "State", 255), Msgpack.raw(m, "Vsn")));
                }
                yield new PushPull(Msgpack.bool(h, "Join"), nodes, readFully(in, userLen));
            }
            case Type.USER -> {
                if (!stream) throw new WireException("malformed", "use decode() for a packet user message");
                var h = Msgpack.readMap(in, maxLength);
                yield new User(readFully(in, (int) Msgpack.uint(h, "UserMsgLen", MAX_USER_BYTES)));
            }
            default -> throw new WireException("malformed", "message type " + type + " is unknown or not valid here");
        };
    }

    private static byte[] readFully(InputStream in, int n) throws WireException {
        try {
            byte[] b = in.readNBytes(n);
            if (b.length != n) throw new WireException("truncated", "stream ended " + (n - b.length) + " bytes early");
            return b;
        } catch (IOException e) {
            throw new WireException("io", "reading stream: " + e.getMessage());
        }
    }
}
