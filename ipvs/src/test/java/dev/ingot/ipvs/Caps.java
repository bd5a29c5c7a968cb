package dev.ingot.ipvs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** Drops CAP_NET_ADMIN from the calling thread's effective capabilities (Linux credentials are per thread). */
final class Caps {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle CAPGET = LINKER.downcallHandle(LINKER.defaultLookup().find("capget").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle CAPSET = LINKER.downcallHandle(LINKER.defaultLookup().find("capset").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final int VERSION_3 = 0x20080522;
    private static final int CAP_NET_ADMIN = 12;

    private Caps() {}

    static void dropNetAdminInThisThread() throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment hdr = a.allocate(8, 4);
            hdr.set(JAVA_INT, 0, VERSION_3);
            MemorySegment data = a.allocate(24, 4); // 2 x {effective, permitted, inheritable}
            if ((int) CAPGET.invokeExact(hdr, data) != 0) {
                throw new IllegalStateException("capget failed");
            }
            data.set(JAVA_INT, 0, data.get(JAVA_INT, 0) & ~(1 << CAP_NET_ADMIN));
            hdr.set(JAVA_INT, 0, VERSION_3);
            hdr.set(JAVA_INT, 4, 0);
            if ((int) CAPSET.invokeExact(hdr, data) != 0) {
                throw new IllegalStateException("capset failed");
            }
        }
    }
}
