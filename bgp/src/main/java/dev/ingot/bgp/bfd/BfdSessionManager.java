package dev.ingot.bgp.bfd;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGeneratorFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BFD sessions over UDP with Netty's epoll transport: single-hop (RFC 5881) and multihop (RFC 5883),
 * asynchronous mode only. One instance serves a process; it runs every session on one event-loop
 * thread. Sessions are keyed by {@link BfdPeer} and configured from a {@link BfdProfile}; a
 * {@link BfdListener} hears every state change (tear the BGP session down on
 * {@link BfdStateChange#pathFailed()}).
 *
 * <p>On the wire: control packets go from a per-session socket bound to the local address (or any)
 * and a source port in 49152-65535 (RFC 5881 §4), with TTL/Hop Limit 255; they are received on UDP
 * 3784 (single-hop) or 4784 (multihop), on a socket per local address. The kernel drops received
 * packets whose TTL is below 255 (single-hop, RFC 5881 §5) or below the session's {@code minimum-ttl}
 * (multihop, RFC 5883 §5) through a socket filter ({@link TtlFilter}).
 *
 * <p>Sockets are created in the network namespace of the thread that calls {@link #open}. The
 * blocking methods ({@link #open}, {@link #update}, {@link #close(BfdPeer)}, {@link #status}) must
 * not be called from a {@link BfdListener}. The process needs {@code --enable-native-access} for the
 * one socket option set through the FFM API.
 */
public final class BfdSessionManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BfdSessionManager.class);
    private static final int SOURCE_PORT_MIN = 49152;
    private static final int SOURCE_PORT_MAX = 65535;
    private static final int TTL_MAX = 255;
    private static final IntegerUnixChannelOption IP_TTL = new IntegerUnixChannelOption("IP_TTL", 0, 2);
    private static final IntegerUnixChannelOption IPV6_UNICAST_HOPS =
            new IntegerUnixChannelOption("IPV6_UNICAST_HOPS", 41, 16);
    private static final IntegerUnixChannelOption IPV6_V6ONLY = new IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);
    private static final long CALL_TIMEOUT_S = 10;

    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop loop;
    private final BfdMetrics metrics;
    private final Object lock = new Object();
    /** Written under {@link #lock}, read on the loop. */
    private final Map<BfdPeer, Entry> sessions = new ConcurrentHashMap<>();
    private final Map<Integer, Entry> byDiscriminator = new ConcurrentHashMap<>();
    /** Guarded by {@link #lock}. */
    private final Map<ReceiverKey, Receiver> receivers = new HashMap<>();
    private boolean closed;

    /** Starts the event loop; metrics go to {@code registry}. */
    public BfdSessionManager(MeterRegistry registry) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("BFD needs Netty's epoll transport", Epoll.unavailabilityCause());
        }
        this.metrics = new BfdMetrics(Objects.requireNonNull(registry));
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("ingot-bfd", true),
                EpollIoHandler.newFactory());
        this.loop = group.next();
    }

    /**
     * Opens a session and starts sending (unless passive). Fails if a session to {@code peer} exists,
     * or if its sockets cannot be opened (the message names the address and port).
     */
    public void open(BfdPeer peer, BfdProfile profile, BfdListener listener) throws BfdConfigException, IOException {
        Objects.requireNonNull(peer);
        Objects.requireNonNull(profile);
        Objects.requireNonNull(listener);
        notOnLoop();
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("BFD session manager is closed");
            }
            if (sessions.containsKey(peer)) {
                throw new BfdConfigException("a BFD session to " + peer + " already exists");
            }
            ReceiverKey rkey = ReceiverKey.of(peer);
            Receiver receiver = receivers.get(rkey);
            if (receiver == null) {
                receiver = openReceiver(rkey);
                receivers.put(rkey, receiver);
            }
            Channel tx;
            try {
                tx = openTransmitter(peer);
            } catch (IOException e) {
                releaseReceiver(receiver);
                throw e;
            }
            int discr;
            do {
                discr = ThreadLocalRandom.current().nextInt();
            } while (discr == 0 || byDiscriminator.containsKey(discr));
            Entry e = new Entry(peer, profile, listener, tx, receiver, discr, metrics.acquire(peer.peer().getHostAddress()));
            receiver.entries.add(e);
            sessions.put(peer, e);
            byDiscriminator.put(discr, e);
            refreshFilter(receiver);
            LOG.info("event=bfd_session_open peer={} local={} multihop={} profile={} local_discr={} src_port={}"
                            + " rx_ms={} tx_ms={} detect_mult={} passive={} min_ttl={}",
                    peer.peer().getHostAddress(), local(peer), peer.multihop(), profile.name(),
                    Integer.toUnsignedString(discr), ((InetSocketAddress) tx.localAddress()).getPort(),
                    profile.receiveIntervalMs(), profile.transmitIntervalMs(), profile.detectMultiplier(),
                    profile.passiveMode(), peer.multihop() ? profile.minimumTtl() : TTL_MAX);
            call(() -> {
                e.start();
                return null;
            });
        }
    }

    /** Applies a new profile to a session; interval changes of an Up session go through a Poll Sequence. */
    public void update(BfdPeer peer, BfdProfile profile) throws BfdConfigException {
        notOnLoop();
        synchronized (lock) {
            Entry e = sessions.get(peer);
            if (e == null) {
                throw new BfdConfigException("no BFD session to " + peer);
            }
            call(() -> {
                e.profile = profile;
                e.session.reconfigure(profile.parameters(), System.nanoTime());
                e.reschedule();
                return null;
            });
            refreshFilter(e.receiver);
            LOG.info("event=bfd_session_update peer={} local={} profile={} rx_ms={} tx_ms={} detect_mult={}"
                            + " passive={} min_ttl={}", peer.peer().getHostAddress(), local(peer), profile.name(),
                    profile.receiveIntervalMs(), profile.transmitIntervalMs(), profile.detectMultiplier(),
                    profile.passiveMode(), profile.minimumTtl());
        }
    }

    /**
     * Closes a session: the peer is told AdminDown (RFC 5880 §6.8.16) so that it does not count this
     * as a failure, and the sockets are released. The listener hears nothing more. No-op if absent.
     */
    public void close(BfdPeer peer) {
        notOnLoop();
        synchronized (lock) {
            Entry e = sessions.remove(peer);
            if (e != null) {
                closeEntry(e);
            }
        }
    }

    /** A snapshot of a session, if it exists. */
    public Optional<BfdSessionStatus> status(BfdPeer peer) {
        notOnLoop();
        Entry e = sessions.get(peer);
        return e == null ? Optional.empty() : Optional.ofNullable(call(() -> e.session == null ? null : e.status()));
    }

    /** Snapshots of every session. */
    public List<BfdSessionStatus> sessions() {
        notOnLoop();
        List<Entry> all = List.copyOf(sessions.values());
        return call(() -> all.stream().filter(e -> e.session != null).map(Entry::status).toList());
    }

    /** Closes every session (each peer is told AdminDown) and stops the event loop. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            for (Entry e : List.copyOf(sessions.values())) {
                sessions.remove(e.peer);
                closeEntry(e);
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The event loop, for tests that simulate a hung speaker by blocking it. */
    EventLoop eventLoop() {
        return loop;
    }

    // ---- sessions on the loop ----------------------------------------------------------------

    private final class Entry implements BfdSession.Effects {
        final BfdPeer peer;
        final BfdListener listener;
        final Channel tx;
        final Receiver receiver;
        final int discriminator;
        final BfdMetrics.PeerMeters meters;
        final InetSocketAddress destination;
        volatile BfdProfile profile;
        BfdSession session;
        ScheduledFuture<?> timer;
        long timerAt;
        boolean closing;

        Entry(BfdPeer peer, BfdProfile profile, BfdListener listener, Channel tx, Receiver receiver, int discr,
              BfdMetrics.PeerMeters meters) {
            this.peer = peer;
            this.profile = profile;
            this.listener = listener;
            this.tx = tx;
            this.receiver = receiver;
            this.discriminator = discr;
            this.meters = meters;
            this.destination = new InetSocketAddress(peer.peer(), peer.port());
        }

        void start() {
            session = new BfdSession(discriminator, profile.parameters(),
                    RandomGeneratorFactory.getDefault().create(), this, System.nanoTime());
            reschedule();
        }

        @Override
        public void send(BfdPacket packet) {
            meters.output.incrementAndGet();
            tx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(BfdCodec.encode(packet)), destination))
                    .addListener(f -> {
                        if (!f.isSuccess()) {
                            LOG.debug("event=bfd_send_failed peer={} local={} error=\"{}\"",
                                    peer.peer().getHostAddress(), local(peer), f.cause().toString());
                        }
                    });
        }

        @Override
        public void stateChanged(BfdState from, BfdState to, BfdDiagnostic diagnostic) {
            BfdStateChange change = new BfdStateChange(peer, from, to, diagnostic,
                    session != null && session.remoteState() == BfdState.ADMIN_DOWN);
            if (change.cameUp()) {
                meters.up.incrementAndGet();
                meters.upEvents.incrementAndGet();
            } else if (change.wentDown()) {
                meters.up.decrementAndGet();
                meters.downEvents.incrementAndGet();
            }
            String msg = "event=bfd_session_state peer={} local={} multihop={} from={} to={} diag=\"{}\""
                    + " local_discr={} remote_discr={} detect_time_ms={}";
            Object[] args = {peer.peer().getHostAddress(), local(peer), peer.multihop(), from, to, diagnostic.text(),
                    Integer.toUnsignedString(discriminator),
                    session == null ? "0" : Integer.toUnsignedString(session.remoteDiscriminator()),
                    session == null ? 0 : session.detectionTimeUs() / 1000.0};
            if (change.wentDown()) {
                LOG.warn(msg, args);
            } else {
                LOG.info(msg, args);
            }
            if (closing) {
                return;
            }
            try {
                listener.stateChanged(change);
            } catch (RuntimeException ex) {
                LOG.error("event=bfd_listener_failed peer={} local={} error=\"{}\"", peer.peer().getHostAddress(),
                        local(peer), ex.toString(), ex);
            }
        }

        void received(BfdPacket p) {
            meters.input.incrementAndGet();
            BfdDiscard why = session.receive(p, System.nanoTime());
            if (why != null) {
                discarded(peer.peer(), why);
            }
            reschedule();
        }

        void reschedule() {
            if (session == null) {
                return;
            }
            long d = session.nextDeadlineNanos();
            if (d == Long.MAX_VALUE) {
                cancelTimer();
                return;
            }
            if (timer != null && !timer.isDone() && timerAt <= d) {
                return; // an earlier wake-up is pending; it reschedules after its tick
            }
            cancelTimer();
            timerAt = d;
            timer = loop.schedule(() -> {
                timer = null;
                session.tick(System.nanoTime());
                reschedule();
            }, Math.max(0, d - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        void cancelTimer() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
        }

        BfdSessionStatus status() {
            BfdSession s = session;
            return new BfdSessionStatus(peer, s.state(), s.remoteState(), s.localDiagnostic(),
                    Integer.toUnsignedLong(s.localDiscriminator()), Integer.toUnsignedLong(s.remoteDiscriminator()),
                    s.transmitIntervalUs(), s.detectionTimeUs(), s.remoteDesiredMinTxUs(), s.remoteRequiredMinRxUs(),
                    s.remoteDetectMult());
        }
    }

    /** Called under the lock; the entry is already out of {@link #sessions}. */
    private void closeEntry(Entry e) {
        byDiscriminator.remove(e.discriminator);
        try {
            call(() -> {
                e.closing = true;
                if (e.session != null) {
                    e.session.adminDown(System.nanoTime()); // sends AdminDown at once
                }
                e.cancelTimer();
                return null;
            });
        } finally {
            e.tx.close().awaitUninterruptibly(CALL_TIMEOUT_S, TimeUnit.SECONDS);
            e.receiver.entries.remove(e);
            releaseReceiver(e.receiver);
            metrics.release(e.meters);
            LOG.info("event=bfd_session_close peer={} local={} multihop={}", e.peer.peer().getHostAddress(),
                    local(e.peer), e.peer.multihop());
        }
    }

    // ---- sockets -----------------------------------------------------------------------------

    /** The local address (null: wildcard), port and family a receive socket is bound to. */
    private record ReceiverKey(InetAddress local, boolean multihop, boolean ipv6) {
        static ReceiverKey of(BfdPeer p) {
            return new ReceiverKey(p.local(), p.multihop(), p.peer() instanceof Inet6Address);
        }

        int port() {
            return multihop ? BfdPeer.MULTIHOP_PORT : BfdPeer.SINGLE_HOP_PORT;
        }
    }

    private final class Receiver extends SimpleChannelInboundHandler<DatagramPacket> {
        final ReceiverKey key;
        final List<Entry> entries = new ArrayList<>(); // guarded by lock
        EpollDatagramChannel channel;

        Receiver(ReceiverKey key) {
            this.key = key;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket dgram) {
            InetAddress from = dgram.sender().getAddress();
            byte[] bytes = ByteBufUtil.getBytes(dgram.content());
            switch (BfdCodec.decode(bytes)) {
                case BfdCodec.Discarded(BfdDiscard reason) -> discarded(from, reason);
                case BfdCodec.Valid(BfdPacket p) -> {
                    Entry e;
                    if (p.yourDiscriminator() != 0) {
                        e = byDiscriminator.get(p.yourDiscriminator());
                        if (e != null && (!e.peer.peer().equals(from) || e.peer.multihop() != key.multihop())) {
                            e = null;
                        }
                    } else {
                        e = sessions.get(new BfdPeer(from, key.local(), key.multihop()));
                    }
                    if (e == null || e.session == null || e.closing) {
                        discarded(from, BfdDiscard.NO_SESSION);
                    } else {
                        e.received(p);
                    }
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warn("event=bfd_receive_error local={} port={} error=\"{}\"", addr(key.local()), key.port(),
                    cause.toString());
        }
    }

    private Receiver openReceiver(ReceiverKey key) throws IOException {
        Receiver r = new Receiver(key);
        InetAddress bindAddr = key.local() != null ? key.local() : wildcard(key.ipv6());
        EpollDatagramChannel ch = newChannel(key.ipv6());
        try {
            ch.config().setOption(ChannelOption.SO_REUSEADDR, true);
            if (key.ipv6() && key.local() == null) {
                ch.config().setOption(IPV6_V6ONLY, 1);
            }
            // Until the sessions' filter is in place, accept nothing below the strictest TTL.
            LinuxSockets.attachFilter(ch.fd().intValue(), TtlFilter.minimumTtl(key.ipv6(), TTL_MAX));
            ch.pipeline().addLast(r);
            await(loop.register(ch), "register");
            await(ch.bind(new InetSocketAddress(bindAddr, key.port())), "bind " + addr(bindAddr) + " port "
                    + key.port());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("cannot open the BFD receive socket on " + addr(bindAddr) + " UDP " + key.port()
                    + ": " + e.getMessage(), e);
        }
        r.channel = ch;
        return r;
    }

    private void releaseReceiver(Receiver r) {
        if (r.entries.isEmpty()) {
            receivers.remove(r.key);
            r.channel.close().awaitUninterruptibly(CALL_TIMEOUT_S, TimeUnit.SECONDS);
        } else {
            refreshFilter(r);
        }
    }

    /** Single-hop: TTL 255 from anyone. Multihop: each peer's own minimum-ttl, nothing from others. */
    private void refreshFilter(Receiver r) {
        if (!r.key.multihop()) {
            return; // the 255 filter attached at open is final
        }
        Map<InetAddress, Integer> minTtl = new HashMap<>();
        for (Entry e : r.entries) {
            minTtl.merge(e.peer.peer(), e.profile.minimumTtl(), Math::min);
        }
        try {
            LinuxSockets.attachFilter(r.channel.fd().intValue(), TtlFilter.perPeer(r.key.ipv6(), minTtl));
        } catch (IOException e) {
            throw new IllegalStateException("cannot update the multihop TTL filter: " + e.getMessage(), e);
        }
    }

    private Channel openTransmitter(BfdPeer peer) throws IOException {
        boolean ipv6 = peer.peer() instanceof Inet6Address;
        InetAddress bindAddr = peer.local() != null ? peer.local() : wildcard(ipv6);
        int span = SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1;
        int first = ThreadLocalRandom.current().nextInt(span);
        IOException last = null;
        for (int i = 0; i < 64; i++) {
            int port = SOURCE_PORT_MIN + (first + i * 7919) % span; // 7919 is prime: a walk over the range
            EpollDatagramChannel ch = newChannel(ipv6);
            try {
                ch.config().setOption(ipv6 ? IPV6_UNICAST_HOPS : IP_TTL, TTL_MAX);
                ch.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket msg) {
                        // Nothing is expected on the source port; drop it.
                    }
                });
                await(loop.register(ch), "register");
                await(ch.bind(new InetSocketAddress(bindAddr, port)), "bind " + addr(bindAddr) + " port " + port);
                return ch;
            } catch (IOException | RuntimeException e) {
                ch.close();
                last = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
            }
        }
        throw new IOException("cannot bind a BFD source port in 49152-65535 on " + addr(bindAddr) + ": "
                + (last == null ? "" : last.getMessage()), last);
    }

    private static EpollDatagramChannel newChannel(boolean ipv6) {
        // The socket is created here, in the calling thread's network namespace.
        return new EpollDatagramChannel(ipv6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET);
    }

    private static void await(io.netty.util.concurrent.Future<?> f, String what) throws IOException {
        if (!f.awaitUninterruptibly(CALL_TIMEOUT_S, TimeUnit.SECONDS)) {
            throw new IOException(what + " timed out");
        }
        if (!f.isSuccess()) {
            throw new IOException(what + ": " + f.cause().getMessage(), f.cause());
        }
    }

    // ---- helpers -----------------------------------------------------------------------------

    private void discarded(InetAddress from, BfdDiscard reason) {
        metrics.discarded(reason);
        LOG.debug("event=bfd_packet_discarded from={} reason={} rule=\"{}\"", from.getHostAddress(), reason,
                reason.rule());
    }

    private <T> T call(java.util.concurrent.Callable<T> task) {
        Future<T> f = loop.submit(task);
        try {
            return f.get(CALL_TIMEOUT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the BFD event loop did not answer within " + CALL_TIMEOUT_S + " s", e);
        }
    }

    private void notOnLoop() {
        if (loop.inEventLoop()) {
            throw new IllegalStateException("BfdSessionManager's blocking methods must not be called from a"
                    + " BfdListener (the BFD event loop); hand the work to another thread");
        }
    }

    private static InetAddress wildcard(boolean ipv6) {
        try {
            return InetAddress.getByAddress(new byte[ipv6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static String local(BfdPeer p) {
        return p.local() == null ? "any" : p.local().getHostAddress();
    }

    private static String addr(InetAddress a) {
        return a == null ? "any" : a.getHostAddress();
    }
}
