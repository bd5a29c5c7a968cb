package dev.ingot.bgp.lab;

import io.netty.channel.ChannelFactory;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Opens sockets inside a network namespace: a dedicated thread joins the namespace with setns(2) (which affects
 * only the calling thread) and creates the sockets; a socket stays in the namespace it was created in, whatever
 * thread later uses it. This lets one test JVM run several Ingot speakers, each in its own "node".
 */
public final class Netns {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final MethodHandle OPEN, SETNS, CLOSE;

    static {
        Linker l = Linker.nativeLinker();
        var lookup = l.defaultLookup();
        OPEN = l.downcallHandle(lookup.find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.firstVariadicArg(2));
        SETNS = l.downcallHandle(lookup.find("setns").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        CLOSE = l.downcallHandle(lookup.find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private final ExecutorService thread;

    public Netns(String name) {
        thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + name);
            t.setDaemon(true);
            return t;
        });
        try {
            thread.submit(() -> enter(name)).get();
        } catch (Exception e) {
            thread.shutdownNow();
            throw new IllegalStateException("cannot enter network namespace " + name, e);
        }
    }

    private static Void enter(String name) throws Exception {
        try (Arena a = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(a.allocateFrom("/run/netns/" + name), 0, 0);
            if (fd < 0) throw new IllegalStateException("open /run/netns/" + name + " failed");
            int rc = (int) SETNS.invokeExact(fd, CLONE_NEWNET);
            int ignored = (int) CLOSE.invokeExact(fd);
            if (rc != 0) throw new IllegalStateException("setns " + name + " failed");
        } catch (Exception | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        return null;
    }

    public ChannelFactory<EpollSocketChannel> clients() {
        return () -> call(EpollSocketChannel::new);
    }

    public ChannelFactory<EpollServerSocketChannel> servers() {
        return () -> call(EpollServerSocketChannel::new);
    }

    private <T> T call(java.util.concurrent.Callable<T> c) {
        try {
            return thread.submit(c).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public void close() { thread.shutdownNow(); }
}
