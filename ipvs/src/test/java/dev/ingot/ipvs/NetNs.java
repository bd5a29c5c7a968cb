package dev.ingot.ipvs;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace made for one test (named ingot-ipvs-RANDOM, lo up, deleted by close), and a thread that lives
 * in it: netlink sockets opened from {@link #call} belong to the namespace. The test may use {@code ip} and
 * {@code ipvsadm} to look at it; the product never does.
 */
@SuppressWarnings("try")
final class NetNs implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final MethodHandle OPEN = LINKER.downcallHandle(LINKER.defaultLookup().find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETNS = LINKER.downcallHandle(LINKER.defaultLookup().find("setns").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = LINKER.downcallHandle(LINKER.defaultLookup().find("close").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY_CLOEXEC = 0x80000;

    final String name;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "netns");
        t.setDaemon(true);
        return t;
    });

    private NetNs(String name) {
        this.name = name;
    }

    /** Fails in CI (CI=true) and skips elsewhere when the test cannot make namespaces (not root, no ip). */
    static void requireRoot() {
        boolean root = "root".equals(System.getProperty("user.name"));
        boolean ip = Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip"))
                || Files.isExecutable(Path.of("/usr/bin/ip"));
        String why = !root ? "needs root to create network namespaces" : !ip ? "needs iproute2 (ip)" : null;
        if (why != null) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("CI=true but the test " + why);
            }
            Assumptions.abort(why);
        }
    }

    static NetNs create() throws Exception {
        requireRoot();
        String name = "ingot-ipvs-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        run("ip", "netns", "add", name);
        NetNs ns = new NetNs(name);
        try {
            run("ip", "-n", name, "link", "set", "lo", "up");
            ns.thread.submit(() -> {
                try {
                    enter(name);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                return null;
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private static void enter(String name) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom("/run/netns/" + name), O_RDONLY_CLOEXEC);
            if (fd < 0) {
                throw new IOException("cannot open /run/netns/" + name);
            }
            int rc = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
            int ignored = (int) CLOSE.invokeExact(fd);
            if (rc != 0) {
                throw new IOException("setns(" + name + ") failed");
            }
        }
    }

    /** Runs the code on the namespace's own thread. */
    <T> T call(Callable<T> c) throws Exception {
        Future<T> f = thread.submit(c);
        try {
            return f.get(10, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        }
    }

    /** Runs a command inside the namespace and returns its standard output; fails on a non-zero exit. */
    String exec(String... cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(cmd));
        return run(full.toArray(String[]::new));
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        thread.shutdownNow();
        run("ip", "netns", "del", name);
    }
}
