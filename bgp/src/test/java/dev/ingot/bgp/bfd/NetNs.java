package dev.ingot.bgp.bfd;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.Callable;

/**
 * Runs code with the calling thread inside a named network namespace ({@code ip netns add NAME}),
 * through setns(2), then puts the thread back. Sockets created meanwhile stay in that namespace.
 * Test-only: the product never switches namespaces.
 */
@SuppressWarnings("restricted") // FFM downcalls are this class's purpose
final class NetNs {
    private static final int O_RDONLY = 0;
    private static final int CLONE_NEWNET = 0x40000000;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle SETNS = LINKER.downcallHandle(LINKER.defaultLookup().find("setns").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private NetNs() {
    }

    static <T> T call(String namespace, Callable<T> body) throws Exception {
        int original = open("/proc/thread-self/ns/net");
        int target = open("/var/run/netns/" + namespace);
        try {
            setns(target);
            try {
                return body.call();
            } finally {
                setns(original);
            }
        } finally {
            close(target);
            close(original);
        }
    }

    private static int open(String path) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(arena.allocateFrom(path), O_RDONLY);
            if (fd < 0) {
                throw new IllegalStateException("cannot open " + path);
            }
            return fd;
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static void setns(int fd) {
        int rc;
        try {
            rc = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc != 0) {
            throw new IllegalStateException("setns(CLONE_NEWNET) failed");
        }
    }

    private static void close(int fd) {
        try {
            int rc = (int) CLOSE.invokeExact(fd);
            assert rc == 0;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
