package dev.ingot.bgp.bfd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The manager over real UDP sockets on loopback (no root needed). A scripted peer built on raw
 * epoll sockets checks what goes on the wire and sends packets with chosen TTLs. Addresses are
 * random in 127.0.0.0/8 so that concurrent runs on one machine do not collide.
 */
class BfdSessionManagerTest {
    static final IntegerUnixChannelOption IP_TTL = new IntegerUnixChannelOption("IP_TTL", 0, 2);

    MultiThreadIoEventLoopGroup group;
    SimpleMeterRegistry registry;
    BfdSessionManager manager;
    InetAddress local;
    InetAddress remote;
    final List<BfdStateChange> changes = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        registry = new SimpleMeterRegistry();
        manager = new BfdSessionManager(registry);
        int net = ThreadLocalRandom.current().nextInt(1, 250);
        int host = ThreadLocalRandom.current().nextInt(1, 120);
        local = InetAddress.getByAddress(new byte[] {127, 89, (byte) net, (byte) host});
        remote = InetAddress.getByAddress(new byte[] {127, 89, (byte) net, (byte) (host + 1)});
    }

    @AfterEach
    void tearDown() {
        manager.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    record Received(BfdPacket packet, int sourcePort) {
    }

    /** A scripted BFD peer: receives on {@code addr:port} only packets with TTL 255, sends with any TTL. */
    final class ScriptedPeer implements AutoCloseable {
        final BlockingQueue<Received> in = new LinkedBlockingQueue<>();
        final EpollDatagramChannel rx;
        final InetAddress addr;

        ScriptedPeer(InetAddress addr, int port) throws Exception {
            this.addr = addr;
            rx = new EpollDatagramChannel(SocketProtocolFamily.INET);
            LinuxSockets.attachFilter(rx.fd().intValue(), TtlFilter.minimumTtl(false, 255));
            rx.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
                @Override
                protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                    BfdCodec.Decoded d = BfdCodec.decode(ByteBufUtil.getBytes(p.content()));
                    in.add(new Received(((BfdCodec.Valid) d).packet(), p.sender().getPort()));
                }
            });
            group.register(rx).sync();
            rx.bind(new InetSocketAddress(addr, port)).sync();
        }

        Received next() throws InterruptedException {
            Received r = in.poll(3, TimeUnit.SECONDS);
            assertThat(r).as("a packet from the manager within 3 s").isNotNull();
            return r;
        }

        void send(BfdPacket p, int port, int ttl) throws Exception {
            EpollDatagramChannel tx = new EpollDatagramChannel(SocketProtocolFamily.INET);
            tx.config().setOption(IP_TTL, ttl);
            group.register(tx).sync();
            tx.bind(new InetSocketAddress(addr, 0)).sync();
            tx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(BfdCodec.encode(p)),
                    new InetSocketAddress(local, port))).sync();
            tx.close().sync();
        }

        @Override
        public void close() {
            rx.close().syncUninterruptibly();
        }
    }

    static void await(String what, long timeoutMs, BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (!cond.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(end);
            Thread.sleep(10);
        }
    }

    double gauge(String name) {
        return registry.get(name).tag("peer", remote.getHostAddress()).gauge().value();
    }

    @Test
    void wireFormatTtlHandshakeDetectionAndMetrics() throws Exception {
        BfdPeer key = BfdPeer.singleHop(remote, local);
        try (ScriptedPeer peer = new ScriptedPeer(remote, 3784)) {
            manager.open(key, BfdProfile.of("tor", 300, 300, 3, null, null, null, null), changes::add);
            // What we send before Up: Down, slow 1 s rate, from one source port in 49152-65535, TTL 255
            // (the peer's socket filter drops anything else), no C bit, no echo.
            Received first = peer.next();
            Received second = peer.next();
            assertThat(first.sourcePort()).isBetween(49152, 65535).isEqualTo(second.sourcePort());
            assertThat(first.packet().state()).isEqualTo(BfdState.DOWN);
            assertThat(first.packet().desiredMinTxUs()).isEqualTo(1_000_000);
            assertThat(first.packet().requiredMinRxUs()).isEqualTo(300_000);
            assertThat(first.packet().controlPlaneIndependent()).isFalse();
            assertThat(first.packet().requiredMinEchoRxUs()).isZero();
            int ours = first.packet().myDiscriminator();

            // A reply with TTL 254 is dropped by the kernel (RFC 5881 §5): nothing changes.
            BfdPacket down = BfdPacket.of(BfdDiagnostic.NONE, BfdState.DOWN, false, false, 3, 77, 0, 300_000,
                    300_000, 0);
            peer.send(down, 3784, 254);
            Thread.sleep(300);
            assertThat(manager.status(key).orElseThrow().remoteDiscriminator()).isZero();
            assertThat(gauge("metallb_bfd_control_packet_input")).isZero();

            // With TTL 255 it counts: Down -> Init.
            peer.send(down, 3784, 255);
            await("Init", 2000, () -> manager.status(key).orElseThrow().state() == BfdState.INIT);
            assertThat(manager.status(key).orElseThrow().remoteDiscriminator()).isEqualTo(77);
            // Init from the peer -> Up, and a Poll announces the fast rate.
            peer.send(BfdPacket.of(BfdDiagnostic.NONE, BfdState.INIT, false, false, 3, 77, ours, 300_000, 300_000,
                    0), 3784, 255);
            await("Up", 2000, () -> manager.status(key).orElseThrow().state() == BfdState.UP);
            assertThat(changes).extracting(BfdStateChange::to).containsExactly(BfdState.INIT, BfdState.UP);
            assertThat(changes.get(1).cameUp()).isTrue();
            Received poll;
            do {
                poll = peer.next();
            } while (!poll.packet().poll());
            assertThat(poll.packet().state()).isEqualTo(BfdState.UP);
            assertThat(poll.packet().desiredMinTxUs()).isEqualTo(300_000);
            peer.send(BfdPacket.of(BfdDiagnostic.NONE, BfdState.UP, false, true, 3, 77, ours, 300_000, 300_000, 0),
                    3784, 255);
            long lastSent = System.nanoTime();
            // Then the peer goes silent: Down after 3 x 100 ms, detection time expired.
            await("Down", 5000, () -> changes.size() >= 3);
            long detectedMs = (System.nanoTime() - lastSent) / 1_000_000;
            BfdStateChange down3 = changes.get(2);
            assertThat(down3.wentDown()).isTrue();
            assertThat(down3.pathFailed()).isTrue();
            assertThat(down3.diagnostic()).isEqualTo(BfdDiagnostic.CONTROL_DETECTION_TIME_EXPIRED);
            assertThat(detectedMs).isGreaterThanOrEqualTo(800);
            System.out.println("loopback detection (900 ms configured): " + detectedMs + " ms");

            assertThat(gauge("metallb_bfd_session_up")).isZero();
            assertThat(gauge("metallb_bfd_session_up_events")).isEqualTo(1);
            assertThat(gauge("metallb_bfd_session_down_events")).isEqualTo(1);
            assertThat(gauge("metallb_bfd_control_packet_input")).isEqualTo(3);
            assertThat(gauge("metallb_bfd_control_packet_output")).isGreaterThanOrEqualTo(4);

            // Closing tells the peer AdminDown and removes the series.
            peer.in.clear();
            manager.close(key);
            Received last;
            do {
                last = peer.next();
            } while (last.packet().state() != BfdState.ADMIN_DOWN);
            assertThat(last.packet().diagnostic()).isEqualTo(BfdDiagnostic.ADMINISTRATIVELY_DOWN);
            assertThat(registry.find("metallb_bfd_session_up").gauges()).isEmpty();
            assertThat(manager.status(key)).isEmpty();
        }
    }

    @Test
    void twoManagersComeUpWithEachOtherAndAdminDownTakesThePeerDown() throws Exception {
        List<BfdStateChange> other = new CopyOnWriteArrayList<>();
        try (BfdSessionManager second = new BfdSessionManager(new SimpleMeterRegistry())) {
            BfdPeer a = BfdPeer.singleHop(remote, local);
            BfdPeer b = BfdPeer.singleHop(local, remote);
            BfdProfile p = BfdProfile.of("p", 200, 200, 3, null, null, null, null);
            manager.open(a, p, changes::add);
            second.open(b, BfdProfile.of("passive", 200, 200, 3, null, null, true, null), other::add);
            await("both Up", 5000, () -> manager.status(a).orElseThrow().state() == BfdState.UP
                    && second.status(b).orElseThrow().state() == BfdState.UP);
            // Both Poll Sequences done: 200 ms each way, detection 3 x 200 ms.
            await("poll done", 3000, () -> manager.status(a).orElseThrow().transmitIntervalUs() == 200_000
                    && manager.status(a).orElseThrow().detectionTimeUs() == 600_000
                    && second.status(b).orElseThrow().detectionTimeUs() == 600_000);
            assertThat(gauge("metallb_bfd_session_up")).isEqualTo(1);
            second.close(b);
            await("Down", 2000, () -> manager.status(a).orElseThrow().state() == BfdState.DOWN);
            assertThat(changes.getLast().diagnostic()).isEqualTo(BfdDiagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN);
            // an administrative shutdown by the peer is a down event, but not a path failure (RFC 5882 §3.2)
            assertThat(changes.getLast().wentDown()).isTrue();
            assertThat(changes.getLast().peerAdminDown()).isTrue();
            assertThat(changes.getLast().pathFailed()).isFalse();
            assertThat(other).extracting(BfdStateChange::to).doesNotContain(BfdState.ADMIN_DOWN);
        }
    }

    @Test
    void multihopChecksThePeersMinimumTtl() throws Exception {
        BfdPeer key = BfdPeer.multihop(remote, local);
        try (ScriptedPeer peer = new ScriptedPeer(remote, 4784)) {
            manager.open(key, BfdProfile.of("mh", null, null, null, null, null, null, 250), changes::add);
            assertThat(peer.next().packet().state()).isEqualTo(BfdState.DOWN);
            BfdPacket down = BfdPacket.of(BfdDiagnostic.NONE, BfdState.DOWN, false, false, 3, 55, 0, 300_000,
                    300_000, 0);
            peer.send(down, 4784, 249);
            Thread.sleep(300);
            assertThat(manager.status(key).orElseThrow().state()).isEqualTo(BfdState.DOWN);
            peer.send(down, 3784, 255); // the single-hop port has no session for it
            Thread.sleep(300);
            assertThat(manager.status(key).orElseThrow().state()).isEqualTo(BfdState.DOWN);
            peer.send(down, 4784, 250);
            await("Init", 2000, () -> manager.status(key).orElseThrow().state() == BfdState.INIT);
            // Raising minimum-ttl takes effect on the socket at once.
            manager.update(key, BfdProfile.of("mh", null, null, null, null, null, null, 254));
            peer.send(BfdPacket.of(BfdDiagnostic.NONE, BfdState.INIT, false, false, 3, 55,
                    (int) manager.status(key).orElseThrow().localDiscriminator(), 300_000, 300_000, 0),
                    4784, 250);
            Thread.sleep(300);
            assertThat(manager.status(key).orElseThrow().state()).isEqualTo(BfdState.INIT);
        }
    }

    @Test
    void duplicateSessionsAndBlockingCallsFromListenersAreRefused() throws Exception {
        BfdPeer key = BfdPeer.singleHop(remote, local);
        manager.open(key, BfdProfile.defaults("d"), changes::add);
        assertThatThrownBy(() -> manager.open(key, BfdProfile.defaults("d"), changes::add))
                .isInstanceOf(BfdConfigException.class).hasMessageContaining("already exists");
        assertThatThrownBy(() -> manager.update(BfdPeer.singleHop(local, remote), BfdProfile.defaults("d")))
                .isInstanceOf(BfdConfigException.class).hasMessageContaining("no BFD session");
        // A listener that calls back into the manager gets an error instead of a deadlock.
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        BfdPeer other = BfdPeer.singleHop(local, remote);
        try (BfdSessionManager second = new BfdSessionManager(new SimpleMeterRegistry())) {
            second.open(other, BfdProfile.defaults("d"), c -> {
                try {
                    second.status(other);
                } catch (IllegalStateException e) {
                    errors.add(e);
                }
            });
            await("a state change reaches the listener", 5000, () -> !errors.isEmpty());
        }
        assertThat(errors.getFirst()).hasMessageContaining("must not be called from a BfdListener");
    }

    @Test
    void aLocalAddressThatIsNotOursFailsWithTheAddressInTheMessageAndLeavesNothingBehind() throws Exception {
        InetAddress notOurs = InetAddress.getByName("192.0.2.77"); // TEST-NET-1, on no interface
        BfdPeer key = BfdPeer.singleHop(remote, notOurs);
        assertThatThrownBy(() -> manager.open(key, BfdProfile.defaults("d"), changes::add))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("192.0.2.77").hasMessageContaining("3784");
        assertThat(manager.status(key)).isEmpty();
        assertThat(manager.sessions()).isEmpty();
        // The manager still works.
        manager.open(BfdPeer.singleHop(remote, local), BfdProfile.defaults("d"), changes::add);
        assertThat(manager.sessions()).hasSize(1);
    }
}
