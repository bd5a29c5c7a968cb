package dev.ingot.bgp;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** Socket options Netty does not expose, set through the Foreign Function &amp; Memory API. */
final class Sockets {
    private static final int IPPROTO_IP = 0, IP_TTL = 2, IPPROTO_IPV6 = 41, IPV6_UNICAST_HOPS = 16;
    private static final MethodHandle SETSOCKOPT;

    static {
        Linker linker = Linker.nativeLinker();
        SETSOCKOPT = linker.downcallHandle(linker.defaultLookup().find("setsockopt").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
    }

    private Sockets() {}

    /** Sets the TTL (IPv4) or hop limit (IPv6) of outgoing packets; RFC 4271 single-hop eBGP sends with TTL 1. */
    static void setTtl(int fd, boolean ipv6, int ttl) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_INT, ttl);
            MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
            int rc = (int) SETSOCKOPT.invokeExact(state, fd, ipv6 ? IPPROTO_IPV6 : IPPROTO_IP,
                    ipv6 ? IPV6_UNICAST_HOPS : IP_TTL, v, 4);
            if (rc != 0) {
                int errno = state.get(ValueLayout.JAVA_INT, Linker.Option.captureStateLayout().byteOffset(
                        java.lang.foreign.MemoryLayout.PathElement.groupElement("errno")));
                throw new IllegalStateException("setsockopt TTL " + ttl + " failed, errno " + errno);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
