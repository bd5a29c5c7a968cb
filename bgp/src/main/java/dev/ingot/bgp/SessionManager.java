package dev.ingot.bgp;

import dev.ingot.bgp.codec.BgpMessage.Notification;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the BGP sessions of one speaker. The caller hands it the whole set of peers ({@link #setPeers}) and of
 * advertisements ({@link #setAdvertisements}) whenever they change; the manager starts, stops and restarts sessions
 * to match, and every session sends only what changed. Sessions speak over Netty epoll (Linux).
 *
 * <p>A removed peer gets NOTIFICATION Cease/Administrative Shutdown with a message (RFC 8203); a peer whose
 * configuration changed gets Cease/Other Configuration Change and is reconnected with the new settings, keeping
 * its advertisements; {@link #close()} shuts every session down with Cease/Administrative Shutdown.
 */
public final class SessionManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger("dev.ingot.bgp");

    private final MeterRegistry registry;
    private final String nodeName;
    private final EventLoopGroup group;
    private final ChannelFactory<? extends SocketChannel> clientChannels;
    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<String, PeerSession> sessions = new LinkedHashMap<>();
    private volatile Map<InetAddress, PeerSession> byAddress = Map.of();
    private final Channel server;
    private List<Advertisement> allPeers;
    private boolean closed;

    private SessionManager(Builder b) {
        this.registry = b.registry;
        this.nodeName = b.nodeName;
        this.group = new MultiThreadIoEventLoopGroup(b.threads, new DefaultThreadFactory("ingot-bgp", true), EpollIoHandler.newFactory());
        this.clientChannels = b.clientChannels;
        Channel s = null;
        if (b.listen != null) {
            s = new ServerBootstrap().group(group).channelFactory(b.serverChannels)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new dev.ingot.bgp.codec.BgpFrameDecoder(), new dev.ingot.bgp.codec.BgpMessageDecoder(),
                                    new dev.ingot.bgp.codec.BgpMessageEncoder(), new PeerSession.Handler(SessionManager.this));
                        }
                    }).bind(b.listen).syncUninterruptibly().channel();
            log.info("event=listening address={}", s.localAddress());
        }
        this.server = s;
    }

    public static Builder builder() { return new Builder(); }

    /** Settings of a manager. */
    public static final class Builder {
        private MeterRegistry registry = new SimpleMeterRegistry();
        private String nodeName = "";
        private InetSocketAddress listen;
        private int threads = 1;
        private ChannelFactory<? extends SocketChannel> clientChannels = EpollSocketChannel::new;
        private ChannelFactory<? extends ServerChannel> serverChannels = EpollServerSocketChannel::new;

        /** Where the metrics go (default: a registry nobody reads). */
        public Builder meterRegistry(MeterRegistry r) { registry = Objects.requireNonNull(r); return this; }

        /** The node's name: the last resort for the router ID (CRC-32, as MetalLB). */
        public Builder nodeName(String n) { nodeName = Objects.requireNonNull(n); return this; }

        /** Accept connections from configured peers on this address (needed for passive peers); default: none. */
        public Builder listen(InetSocketAddress a) { listen = a; return this; }

        /** Event loop threads (default 1: BGP is not CPU-bound). */
        public Builder threads(int n) { threads = n; return this; }

        /** How sockets are created; tests use it to open them inside a network namespace. */
        Builder channelFactories(ChannelFactory<? extends SocketChannel> client, ChannelFactory<? extends ServerChannel> server) {
            clientChannels = client;
            serverChannels = server;
            return this;
        }

        public SessionManager build() { return new SessionManager(this); }
    }

    MeterRegistry registry() { return registry; }
    String nodeName() { return nodeName; }
    ChannelFactory<? extends SocketChannel> clientChannels() { return clientChannels; }
    List<SessionListener> listeners() { return listeners; }
    PeerSession passiveTarget(InetAddress remote) { return byAddress.get(remote); }

    public void addListener(SessionListener l) { listeners.add(l); }
    public void removeListener(SessionListener l) { listeners.remove(l); }

    /**
     * Makes the set of sessions equal to {@code peers}: new peers are started, removed ones shut down with
     * Cease/Administrative Shutdown, changed ones restarted.
     *
     * @throws IllegalArgumentException if two peers have the same address and port; nothing changes then
     */
    public synchronized void setPeers(Collection<SessionConfig> peers) {
        if (closed) throw new IllegalStateException("session manager is closed");
        Map<String, SessionConfig> want = new LinkedHashMap<>();
        for (SessionConfig c : peers) {
            if (want.put(c.key(), c) != null) throw new IllegalArgumentException("peer " + c.key() + " is configured twice");
        }
        for (var it = sessions.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            SessionConfig c = want.get(e.getKey());
            if (c == null) {
                log.info("event=peer_removed peer={}", e.getKey());
                e.getValue().stop(Notification.cease(Notification.CEASE_ADMIN_SHUTDOWN, "peer removed from the Ingot configuration"));
                it.remove();
            }
        }
        for (SessionConfig c : want.values()) {
            PeerSession old = sessions.get(c.key());
            if (old != null && old.config().equals(c)) continue;
            if (old != null) {
                log.info("event=peer_changed peer={}", c.key());
                // stopped first: it unregisters its meters, which the new session then registers afresh
                old.stop(Notification.cease(Notification.CEASE_OTHER_CONFIG_CHANGE, "peer configuration changed"));
            }
            PeerSession s = new PeerSession(this, c, group.next());
            if (old != null) {
                s.restoreDesired(old.desired());
            } else {
                log.info("event=peer_added peer={} peer_asn={} local_asn={} passive={}", c.key(), c.peerAsn(), c.localAsn(), c.passive());
                if (allPeers != null) s.restoreDesired(asMap(allPeers));
            }
            sessions.put(c.key(), s);
            s.start();
        }
        Map<InetAddress, PeerSession> idx = new HashMap<>();
        Map<InetAddress, byte[]> keys = new HashMap<>();
        for (PeerSession s : sessions.values()) {
            idx.put(s.config().peerAddress(), s);
            if (s.config().password() != null) keys.put(s.config().peerAddress(), s.config().password().getBytes(StandardCharsets.UTF_8));
        }
        byAddress = Map.copyOf(idx);
        if (server != null) server.config().setOption(EpollChannelOption.TCP_MD5SIG, keys);
    }

    private static Map<dev.ingot.bgp.codec.Prefix, Advertisement> asMap(List<Advertisement> l) {
        Map<dev.ingot.bgp.codec.Prefix, Advertisement> m = new HashMap<>();
        for (Advertisement a : l) m.putIfAbsent(a.prefix(), a);
        return m;
    }

    /** Announces the same {@code advertisements} to every peer, present and future. Returns the conflicts found. */
    public synchronized List<Session.Conflict> setAdvertisements(Collection<Advertisement> advertisements) {
        allPeers = List.copyOf(advertisements);
        List<Session.Conflict> conflicts = new ArrayList<>();
        for (PeerSession s : sessions.values()) {
            List<Session.Conflict> c = s.setAdvertisements(advertisements);
            if (conflicts.isEmpty()) conflicts.addAll(c);
        }
        return conflicts;
    }

    /** Announces {@code advertisements} to one peer ({@link SessionConfig#key()}). */
    public synchronized List<Session.Conflict> setAdvertisements(String peer, Collection<Advertisement> advertisements) {
        PeerSession s = sessions.get(peer);
        if (s == null) throw new IllegalArgumentException("no session for peer " + peer);
        return s.setAdvertisements(advertisements);
    }

    public synchronized Optional<Session> session(String peer) { return Optional.ofNullable(sessions.get(peer)); }

    public synchronized List<Session> sessions() { return List.copyOf(sessions.values()); }

    /** Shuts every session down with Cease/Administrative Shutdown and {@code message}, then stops the network threads. */
    public void close(String message) {
        synchronized (this) {
            if (closed) return;
            closed = true;
            for (PeerSession s : sessions.values()) s.stop(Notification.cease(Notification.CEASE_ADMIN_SHUTDOWN, message));
            sessions.clear();
            if (server != null) server.close();
        }
        // The quiet period lets the NOTIFICATIONs and closes queued above reach the wire.
        group.shutdownGracefully(200, 3000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }

    @Override
    public void close() { close("Ingot BGP speaker shutting down"); }

    /**
     * Stops every session for a planned restart (RFC 4724): connections close without a NOTIFICATION, so that peers
     * that negotiated Graceful Restart keep our routes until the restarted speaker sends them again and End-of-RIB.
     */
    public void closeForRestart() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            for (PeerSession s : sessions.values()) s.stopForRestart();
            sessions.clear();
            if (server != null) server.close();
        }
        group.shutdownGracefully(200, 3000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
