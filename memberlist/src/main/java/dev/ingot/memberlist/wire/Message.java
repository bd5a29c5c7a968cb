package dev.ingot.memberlist.wire;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The messages of memberlist's protocol, one immutable record per message type. Field names and meanings follow the Go
 * structs; encoding and decoding is {@link Messages}. Byte-slice fields keep Go's distinction between nil (Java null)
 * and empty.
 */
public sealed interface Message {
    /** The message type byte ({@link Type}). */
    int type();

    /** Message type numbers; part of the protocol. */
    final class Type {
        public static final int PING = 0, INDIRECT_PING = 1, ACK = 2, SUSPECT = 3, ALIVE = 4, DEAD = 5, PUSH_PULL = 6,
                COMPOUND = 7, USER = 8, COMPRESS = 9, ENCRYPT = 10, NACK = 11, HAS_CRC = 12, ERR = 13, HAS_LABEL = 244;

        private Type() {}
    }

    /** Node states as carried in push/pull. */
    final class State {
        public static final int ALIVE = 0, SUSPECT = 1, DEAD = 2, LEFT = 3;

        private State() {}
    }

    /** A probe; {@code node} is the target's name ("" = whoever). The Source* fields are omitted when empty. */
    record Ping(long seqNo, String node, InetAddress sourceAddr, int sourcePort, String sourceNode) implements Message {
        public int type() { return Type.PING; }
    }

    /** A request to probe {@code node} at {@code target:port} on the requester's behalf. */
    record IndirectPing(long seqNo, InetAddress target, int port, String node, boolean nack,
                        InetAddress sourceAddr, int sourcePort, String sourceNode) implements Message {
        public int type() { return Type.INDIRECT_PING; }
    }

    record Ack(long seqNo, byte[] payload) implements Message {
        public int type() { return Type.ACK; }

        @Override public boolean equals(Object o) {
            return o instanceof Ack a && a.seqNo == seqNo && Arrays.equals(a.payload, payload);
        }

        @Override public int hashCode() { return Long.hashCode(seqNo); }

        @Override public String toString() { return "Ack[seqNo=" + seqNo + ", payload=" + hex(payload) + "]"; }
    }

    record Nack(long seqNo) implements Message {
        public int type() { return Type.NACK; }
    }

    record Suspect(long incarnation, String node, String from) implements Message {
        public int type() { return Type.SUSPECT; }
    }

    /** {@code vsn} is [pmin, pmax, pcur, dmin, dmax, dcur]. */
    record Alive(long incarnation, String node, InetAddress addr, int port, byte[] meta, byte[] vsn) implements Message {
        public int type() { return Type.ALIVE; }

        @Override public boolean equals(Object o) {
            return o instanceof Alive a && a.incarnation == incarnation && a.node.equals(node) && Objects.equals(a.addr, addr)
                    && a.port == port && Arrays.equals(a.meta, meta) && Arrays.equals(a.vsn, vsn);
        }

        @Override public int hashCode() { return Objects.hash(incarnation, node, addr, port); }

        @Override public String toString() {
            return "Alive[node=" + node + ", incarnation=" + incarnation + ", addr=" + addr + ", port=" + port
                    + ", meta=" + hex(meta) + ", vsn=" + hex(vsn) + "]";
        }
    }

    /** {@code from == node} means the node left gracefully. */
    record Dead(long incarnation, String node, String from) implements Message {
        public int type() { return Type.DEAD; }
    }

    /** One entry of a push/pull: a node with its {@link State}. */
    record PushNodeState(String name, InetAddress addr, int port, byte[] meta, long incarnation, int state, byte[] vsn) {
        @Override public boolean equals(Object o) {
            return o instanceof PushNodeState s && s.name.equals(name) && Objects.equals(s.addr, addr) && s.port == port
                    && Arrays.equals(s.meta, meta) && s.incarnation == incarnation && s.state == state && Arrays.equals(s.vsn, vsn);
        }

        @Override public int hashCode() { return Objects.hash(name, addr, port, incarnation, state); }

        @Override public String toString() {
            return "PushNodeState[name=" + name + ", addr=" + addr + ", port=" + port + ", meta=" + hex(meta)
                    + ", incarnation=" + incarnation + ", state=" + state + ", vsn=" + hex(vsn) + "]";
        }
    }

    /** A full state exchange (TCP only). */
    record PushPull(boolean join, List<PushNodeState> nodes, byte[] userState) implements Message {
        public PushPull {
            nodes = List.copyOf(nodes);
            userState = userState == null ? new byte[0] : userState;
        }

        public int type() { return Type.PUSH_PULL; }

        @Override public boolean equals(Object o) {
            return o instanceof PushPull p && p.join == join && p.nodes.equals(nodes) && Arrays.equals(p.userState, userState);
        }

        @Override public int hashCode() { return Objects.hash(join, nodes); }

        @Override public String toString() {
            return "PushPull[join=" + join + ", nodes=" + nodes + ", userState=" + hex(userState) + "]";
        }
    }

    /** Application data from a delegate; opaque to memberlist. */
    record User(byte[] payload) implements Message {
        public int type() { return Type.USER; }

        @Override public boolean equals(Object o) { return o instanceof User u && Arrays.equals(u.payload, payload); }

        @Override public int hashCode() { return Arrays.hashCode(payload); }

        @Override public String toString() { return "User[" + hex(payload) + "]"; }
    }

    /** The reply of a TCP peer that could not read a stream. */
    record Err(String error) implements Message {
        public int type() { return Type.ERR; }
    }

    private static String hex(byte[] b) {
        return b == null ? "nil" : HexFormat.of().formatHex(b);
    }
}
