package dev.ingot.memberlist;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A snapshot of one member as this node sees it.
 *
 * @param state ALIVE or SUSPECT for members; DEAD or LEFT in leave events
 */
public record Member(String name, InetAddress addr, int port, byte[] meta, long incarnation, State state) {
    public enum State { ALIVE, SUSPECT, DEAD, LEFT }

    public Member {
        meta = meta == null ? null : meta.clone();
    }

    @Override public byte[] meta() {
        return meta == null ? null : meta.clone();
    }

    /** "ip:port" (IPv6 in brackets). */
    public String address() {
        String h = addr.getHostAddress();
        return (h.contains(":") ? "[" + h + "]" : h) + ":" + port;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Member m && m.name.equals(name) && m.addr.equals(addr) && m.port == port && Arrays.equals(m.meta, meta)
                && m.incarnation == incarnation && m.state == state;
    }

    @Override public int hashCode() {
        return Objects.hash(name, addr, port, incarnation, state);
    }

    @Override public String toString() {
        return "Member[" + name + " " + address() + " " + state + " inc=" + incarnation
                + (meta == null ? "" : " meta=" + HexFormat.of().formatHex(meta)) + "]";
    }
}
