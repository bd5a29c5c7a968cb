package dev.ingot.memberlist;

import dev.ingot.memberlist.wire.Codec;
import dev.ingot.memberlist.wire.Keyring;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member of a hashicorp/memberlist cluster: gossips on UDP and TCP at {@code bindAddr:bindPort}, speaks the
 * wire protocol of memberlist 0.1.7 to 0.6 (what MetalLB v0.9 to v0.16 ship) and detects failures with SWIM and
 * Lifeguard on the same timers. Thread-safe; listeners run on the member's own thread and must not block.
 *
 * <pre>{@code
 * try (Memberlist ml = Memberlist.start(MemberlistConfig.lan("node-a", addr).withKeys(List.of(key)), registry)) {
 *     ml.subscribe(e -> System.out.println(e));
 *     ml.join(List.of("10.0.0.2", "10.0.0.3:7946"));
 *     List<Member> members = ml.members();
 *     ml.leave(Duration.ofSeconds(1));
 * }
 * }</pre>
 */
public final class Memberlist implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Memberlist.class);
    private final MemberlistConfig cfg;
    private final ExecutorLoop loop;
    private final Transport transport;
    private final Engine engine;
    private volatile boolean closed;

    private Memberlist(MemberlistConfig cfg, ExecutorLoop loop, Transport transport, Engine engine) {
        this.cfg = cfg;
        this.loop = loop;
        this.transport = transport;
        this.engine = engine;
    }

    /** Binds UDP and TCP, adds ourselves to the list and starts probing and gossip. */
    public static Memberlist start(MemberlistConfig cfg, MeterRegistry registry) throws IOException {
        Keyring keyring = cfg.keys().isEmpty() ? null : new Keyring(cfg.keys());
        Codec codec = new Codec(keyring, cfg.protocolVersion() == 1 ? 0 : 1, cfg.label(), cfg.compression(), true);
        ExecutorLoop loop = new ExecutorLoop(cfg.name());
        Metrics metrics = new Metrics(registry);
        Transport transport;
        try {
            transport = new Transport(new InetSocketAddress(cfg.bindAddr(), cfg.bindPort()), codec, loop,
                    cfg.timers().tcpTimeout().toNanos(), metrics);
        } catch (IOException e) {
            loop.shutdown();
            throw e;
        }
        RandomGenerator rnd = RandomGeneratorFactory.of("L64X128MixRandom").create(new SecureRandom().nextLong());
        Engine engine = new Engine(cfg, transport.localAddress(), codec, loop, transport, rnd, metrics);
        transport.start(engine::onPacket, engine::onStream);
        Memberlist ml = new Memberlist(cfg, loop, transport, engine);
        ml.call(() -> {
            engine.start();
            return null;
        });
        log.info("event=member_started node={} addr={} encrypted={} compression={} protocol={}", cfg.name(),
                transport.localAddress(), keyring != null, cfg.compression(), cfg.protocolVersion());
        return ml;
    }

    /** The address and port this member listens on and advertises. */
    public InetSocketAddress address() {
        return transport.localAddress();
    }

    /**
     * Joins through each address ("host", "host:port", "[v6]:port", or memberlist's "name/host:port"): a TCP
     * push/pull of full state with each. Returns how many succeeded; throws when none did, naming every failure.
     */
    public int join(List<String> addresses) throws IOException {
        List<String> errors = new ArrayList<>();
        int ok = 0;
        for (String a : addresses) {
            InetSocketAddress to;
            try {
                to = parse(a, cfg.bindPort() == 0 ? 7946 : cfg.bindPort());
            } catch (IllegalArgumentException | UnknownHostException e) {
                errors.add(a + ": " + e.getMessage());
                continue;
            }
            CompletableFuture<Void> f = call(() -> engine.pushPull(to, true));
            try {
                f.get(cfg.timers().tcpTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
                ok++;
                log.info("event=join_ok node={} peer={}", cfg.name(), to);
            } catch (ExecutionException e) {
                errors.add(a + ": " + e.getCause().getMessage());
            } catch (TimeoutException e) {
                errors.add(a + ": timed out");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while joining", e);
            }
        }
        if (ok == 0 && !addresses.isEmpty()) throw new IOException("could not join any of " + addresses + ": " + String.join("; ", errors));
        errors.forEach(e -> log.warn("event=join_failed node={} detail=\"{}\"", cfg.name(), e));
        return ok;
    }

    static InetSocketAddress parse(String a, int defaultPort) throws UnknownHostException {
        String s = a.contains("/") ? a.substring(a.indexOf('/') + 1) : a;
        String host = s;
        int port = defaultPort;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) throw new IllegalArgumentException("missing ']' in " + a);
            host = s.substring(1, end);
            if (s.length() > end + 1) port = Integer.parseInt(s.substring(end + 2));
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port " + port + " is not 1..65535");
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** Alive and suspect members, ourselves included, sorted by name (what memberlist's Members() returns). */
    public List<Member> members() {
        return call(engine::members);
    }

    public Member localMember() {
        return call(engine::self);
    }

    /** Lifeguard's local health score: 0 is healthy, up to AwarenessMaxMultiplier − 1. */
    public int healthScore() {
        return call(engine::healthScore);
    }

    /** Calls {@code listener} for every membership event from now on; close the returned handle to stop. */
    public AutoCloseable subscribe(Consumer<MemberEvent> listener) {
        engine.subscribe(listener);
        return () -> engine.unsubscribe(listener);
    }

    /** Changes our metadata (at most 512 bytes) and gossips it with a new incarnation. */
    public void updateMeta(byte[] meta) {
        call(() -> {
            engine.updateMeta(meta);
            return null;
        });
    }

    /** Tells the cluster that we leave, and waits until that has been gossiped or {@code timeout} passed. */
    public void leave(Duration timeout) {
        CompletableFuture<Void> f = call(engine::leave);
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("event=leave_timeout node={} detail=\"leave not fully gossiped within {}\"", cfg.name(), timeout);
        } catch (ExecutionException e) {
            log.warn("event=leave_failed node={} error=\"{}\"", cfg.name(), e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops at once, without telling anyone (call {@link #leave} first for a graceful exit). */
    @Override public void close() {
        if (closed) return;
        closed = true;
        try {
            call(() -> {
                engine.stop();
                return null;
            });
        } catch (IllegalStateException ignored) {
            // the loop is gone already
        }
        transport.close();
        loop.shutdown();
    }

    private <T> T call(Callable<T> c) {
        if (loop.isShutdown()) throw new IllegalStateException("member " + cfg.name() + " is closed");
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                f.complete(c.call());
            } catch (Exception e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("member " + cfg.name() + " did not answer within 30 s", e);
        }
    }
}
