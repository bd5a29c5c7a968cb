package dev.ingot.bgp.bfd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The one socket option Netty cannot set for us, through the Foreign Function &amp; Memory API:
 * {@code setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, struct sock_fprog)} (it holds a pointer).
 */
@SuppressWarnings("restricted") // FFM downcalls are this class's purpose; the JVM runs with --enable-native-access
final class LinuxSockets {
    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_FILTER = 26;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MemoryLayout ERRNO = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE = ERRNO.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle SETSOCKOPT = LINKER.downcallHandle(
            LINKER.defaultLookup().find("setsockopt").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.captureCallState("errno"));

    private LinuxSockets() {
    }

    /** Attaches (or replaces) the classic BPF program {@code filter} (8 octets per instruction). */
    static void attachFilter(int fd, byte[] filter) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment insns = arena.allocate(filter.length, 8);
            insns.copyFrom(MemorySegment.ofArray(filter));
            MemorySegment prog = arena.allocate(16, 8); // struct sock_fprog { u16 len; <pad>; ptr filter; }
            prog.set(ValueLayout.JAVA_SHORT, 0, (short) (filter.length / 8));
            prog.set(ADDRESS, 8, insns);
            MemorySegment errno = arena.allocate(ERRNO);
            int rc = (int) SETSOCKOPT.invokeExact(errno, fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, (int) prog.byteSize());
            if (rc != 0) {
                throw new IOException("setsockopt(SO_ATTACH_FILTER) failed: errno " + (int) ERRNO_VALUE.get(errno, 0L));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("setsockopt(SO_ATTACH_FILTER) failed", t);
        }
    }
}
