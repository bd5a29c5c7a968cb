package dev.ingot.memberlist;

import dev.ingot.memberlist.wire.Codec;
import dev.ingot.memberlist.wire.Message;
import dev.ingot.memberlist.wire.Messages;
import dev.ingot.memberlist.wire.WireException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * An in-memory network of engines on one {@link FakeLoop}: packets and streams really go through each member's
 * {@link Codec}, take 100 µs, and vanish when either end is down or the link is cut.
 */
final class FakeNet {
    static final long LATENCY = 100_000;
    final FakeLoop loop = new FakeLoop();
    private final Map<InetSocketAddress, Engine> engines = new HashMap<>();
    private final Map<InetSocketAddress, Codec> codecs = new HashMap<>();
    private final Set<InetSocketAddress> down = new HashSet<>();
    final Set<InetSocketAddress> udpDown = new HashSet<>();
    private final SplittableRandom seeds;
    final Map<String, List<MemberEvent>> events = new HashMap<>();
    final Map<String, SimpleMeterRegistry> registries = new HashMap<>();

    FakeNet(long seed) { seeds = new SplittableRandom(seed); }

    static InetSocketAddress addr(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) i}), 7946);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    Engine add(MemberlistConfig cfg, Codec codec) {
        InetSocketAddress self = new InetSocketAddress(cfg.bindAddr(), cfg.bindPort());
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        registries.put(cfg.name(), reg);
        Net net = new Net() {
            @Override public void sendPacket(InetSocketAddress to, byte[] packet) {
                if (!reachable(self, to) || udpDown.contains(to) || udpDown.contains(self)) return;
                loop.schedule(LATENCY, () -> {
                    Engine e = engines.get(to);
                    if (e != null && reachable(self, to) && !udpDown.contains(to)) e.onPacket(packet, self);
                });
            }

            @Override public void exchange(InetSocketAddress to, Message request, long timeoutNanos, BiConsumer<Message, Throwable> done) {
                byte[] bytes = codec.sealStream(Messages.encode(request));
                loop.schedule(LATENCY, () -> {
                    Engine e = engines.get(to);
                    if (e == null || !reachable(self, to)) {
                        done.accept(null, new IOException(to + ": connection refused"));
                        return;
                    }
                    Message reply;
                    try {
                        Message req = codecs.get(to).readStream(new ByteArrayInputStream(bytes));
                        reply = e.onStream(req);
                    } catch (WireException x) {
                        reply = new Message.Err(x.getMessage());
                    }
                    if (reply == null) {
                        done.accept(null, new IOException(to + ": closed without a reply"));
                        return;
                    }
                    byte[] back = codecs.get(to).sealStream(Messages.encode(reply));
                    loop.schedule(LATENCY, () -> {
                        try {
                            done.accept(codec.readStream(new ByteArrayInputStream(back)), null);
                        } catch (WireException x) {
                            done.accept(null, new IOException(x.getMessage(), x));
                        }
                    });
                });
            }
        };
        Engine e = new Engine(cfg, self, codec, loop, net, new SplittableRandom(seeds.nextLong()), new Metrics(reg));
        engines.put(self, e);
        codecs.put(self, codec);
        List<MemberEvent> log = events.computeIfAbsent(cfg.name(), k -> new ArrayList<>());
        e.subscribe(log::add);
        e.start();
        return e;
    }

    Engine add(String name, int i) {
        return add(MemberlistConfig.lan(name, addr(i).getAddress()), Codec.plain());
    }

    private final Set<Set<InetSocketAddress>> cuts = new HashSet<>();

    private boolean reachable(InetSocketAddress a, InetSocketAddress b) {
        return !down.contains(a) && !down.contains(b) && !cuts.contains(Set.of(a, b));
    }

    /** Cuts the link between two members (both directions, UDP and TCP); everything else still flows. */
    void cut(InetSocketAddress a, InetSocketAddress b) {
        cuts.add(Set.of(a, b));
    }

    /** The member at {@code a} crashes: it stops and no longer sends or receives anything. */
    void kill(InetSocketAddress a) {
        down.add(a);
        engines.get(a).stop();
    }

    /** A crashed member's address comes back (a restarted process): the next {@link #add} takes it. */
    void revive(InetSocketAddress a) {
        down.remove(a);
    }

    List<MemberEvent> events(String name) { return events.get(name); }

    boolean saw(String observer, MemberEvent.Kind kind, String node) {
        return events(observer).stream().anyMatch(e -> e.kind() == kind && e.member().name().equals(node));
    }
}
