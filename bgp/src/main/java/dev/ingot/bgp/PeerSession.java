package dev.ingot.bgp;

import dev.ingot.bgp.codec.AfiSafi;
import dev.ingot.bgp.codec.BgpFrameDecoder;
import dev.ingot.bgp.codec.BgpMessage;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.BgpMessage.Update;
import dev.ingot.bgp.codec.BgpMessageDecoder;
import dev.ingot.bgp.codec.BgpMessageEncoder;
import dev.ingot.bgp.codec.BgpProtocolException;
import dev.ingot.bgp.codec.Capability;
import dev.ingot.bgp.codec.CodecOptions;
import dev.ingot.bgp.codec.PathAttribute;
import dev.ingot.bgp.codec.PathAttribute.LargeCommunity;
import dev.ingot.bgp.codec.Prefix;
import dev.ingot.bgp.fsm.Action;
import dev.ingot.bgp.fsm.Fsm;
import dev.ingot.bgp.fsm.FsmConfig;
import dev.ingot.bgp.fsm.Negotiated;
import dev.ingot.bgp.rib.UpdatePacker;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.unix.UnixChannel;
import io.netty.handler.codec.DecoderException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives one {@link Fsm} over Netty epoll channels: performs its actions, feeds it what the channels report, and
 * keeps the Adj-RIB-Out in step with the caller's desired advertisements. Every method runs under the session's
 * lock; channels may live on any event loop.
 */
final class PeerSession implements Session {
    /** Graceful Restart capability: the Forwarding State (F) bit of an address family. */
    private static final int FORWARDING_STATE = 0x80;
    private static final Logger log = LoggerFactory.getLogger("dev.ingot.bgp");
    static final int MAX_TRACKED_RECEIVED = 1_000_000;

    private final SessionManager manager;
    private final SessionConfig config;
    private final String peer;
    private final Fsm fsm;
    private final EventLoop loop;
    final SessionMetrics metrics;
    private final Map<Integer, Channel> channels = new HashMap<>();
    private final Map<Integer, ChannelFuture> pendingConnects = new HashMap<>();
    private ScheduledFuture<?> timer;
    private long timerAt = Long.MAX_VALUE;

    private int upConn = -1;
    private Negotiated negotiated;
    private InetAddress upLocal;
    private InetAddress linkLocal;
    private Map<Prefix, Advertisement> desired = new HashMap<>();
    /** The desired prefixes by attribute set, each list sorted; built when the advertisements change, so the
     *  initial table after Established only has to be encoded. */
    private Map<AttributeKey, List<Prefix>> desiredGroups = Map.of();
    private Map<Prefix, List<PathAttribute>> sent = new HashMap<>();
    private final Set<Prefix> received = new HashSet<>();
    private volatile SessionState state = SessionState.IDLE;
    private volatile int announced, pending, receivedCount;
    private boolean sourceWarned;

    PeerSession(SessionManager manager, SessionConfig config, EventLoop loop) {
        this.manager = manager;
        this.config = config;
        this.peer = config.key();
        this.loop = loop;
        List<Capability> caps = new ArrayList<>();
        caps.add(new Capability.Multiprotocol(AfiSafi.IPV4_UNICAST));
        caps.add(new Capability.Multiprotocol(AfiSafi.IPV6_UNICAST));
        caps.add(new Capability.RouteRefresh());
        caps.add(new Capability.ExtendedMessage());
        if (config.gracefulRestart() != null) {
            var gr = config.gracefulRestart();
            caps.add(new Capability.GracefulRestart(
                    (gr.restarting() ? Capability.GracefulRestart.RESTART_STATE : 0), (int) gr.restartTime().toSeconds(),
                    // F bit: a speaker restart leaves the node's forwarding (kernel routes, IPVS) in place, so
                    // after a restart the helper keeps the stale routes until End-of-RIB (RFC 4724 §4.2)
                    List.of(new Capability.GracefulRestart.Family(AfiSafi.IPV4_UNICAST, gr.restarting() ? FORWARDING_STATE : 0),
                            new Capability.GracefulRestart.Family(AfiSafi.IPV6_UNICAST, gr.restarting() ? FORWARDING_STATE : 0))));
        }
        int hold = (int) config.holdTime().toSeconds();
        this.fsm = new Fsm(new FsmConfig(config.localAsn(), config.peerAsn(), hold,
                config.keepaliveTime() == null ? 0 : (int) Math.max(1, config.keepaliveTime().toSeconds()),
                config.passive(), caps, Duration.ofSeconds(1), Duration.ofSeconds(120),
                Duration.ofSeconds(Math.max(60, 3L * hold)), Duration.ofMinutes(4)));
        this.metrics = new SessionMetrics(manager.registry(), this);
    }

    static long now() { return System.nanoTime() / 1_000_000; }

    // ------------------------------------------------------------------ Session

    @Override public SessionConfig config() { return config; }
    @Override public String peer() { return peer; }
    @Override public SessionState state() { return state; }
    @Override public int announcedPrefixes() { return announced; }
    @Override public int pendingPrefixes() { return pending; }
    @Override public int receivedPrefixes() { return receivedCount; }

    @Override
    public synchronized List<Conflict> setAdvertisements(Collection<Advertisement> advertisements) {
        Map<Prefix, Advertisement> next = HashMap.newHashMap(advertisements.size());
        Map<Prefix, LinkedHashSet<Advertisement>> offers = new LinkedHashMap<>(); // only prefixes offered differently
        for (Advertisement a : advertisements) {
            Advertisement prev = next.putIfAbsent(a.prefix(), a);
            if (prev != null && !prev.equals(a)) offers.computeIfAbsent(a.prefix(), k -> new LinkedHashSet<>(List.of(prev))).add(a);
        }
        List<Conflict> conflicts = new ArrayList<>();
        for (var e : offers.entrySet()) {
            next.remove(e.getKey());
            Advertisement before = desired.get(e.getKey());
            if (before != null) next.put(e.getKey(), before);
            Conflict c = new Conflict(e.getKey(), List.copyOf(e.getValue()),
                    before != null ? "kept the advertisement in force before" : "not announced until the conflict is resolved");
            conflicts.add(c);
            log.warn("event=advertisement_conflict peer={} prefix={} offers={} decision=\"{}\"", peer, e.getKey(), e.getValue().size(), c.decision());
        }
        setDesired(next);
        sync("advertisements changed");
        return conflicts;
    }

    @Override
    public synchronized void forceDown(String reason, Duration holdDown) {
        log.warn("event=force_down peer={} reason=\"{}\" hold_down_ms={}", peer, reason, holdDown.toMillis());
        fsm.forceDown(now(), new Notification(Notification.CEASE, Notification.CEASE_BFD_DOWN), holdDown.toMillis());
        run();
    }

    @Override
    public synchronized void releaseHoldDown() {
        fsm.releaseHoldDown(now());
        run();
    }

    // ------------------------------------------------------------------ lifecycle

    synchronized void start() {
        fsm.start(now());
        run();
    }

    synchronized void stopForRestart() {
        fsm.stopForRestart(now());
        run();
        if (timer != null) timer.cancel(false);
        timerAt = Long.MAX_VALUE;
        metrics.close();
    }

    synchronized void stop(Notification why) {
        fsm.stop(now(), why);
        run();
        if (timer != null) timer.cancel(false);
        timerAt = Long.MAX_VALUE;
        metrics.close();
    }

    synchronized Map<Prefix, Advertisement> desired() { return desired; }

    synchronized void restoreDesired(Map<Prefix, Advertisement> d) {
        setDesired(new HashMap<>(d));
    }

    private void setDesired(Map<Prefix, Advertisement> d) {
        desired = d;
        pending = d.size();
        Map<AttributeKey, List<Prefix>> g = new HashMap<>();
        for (Advertisement a : d.values()) g.computeIfAbsent(AttributeKey.of(a), k -> new ArrayList<>()).add(a.prefix());
        g.values().forEach(java.util.Collections::sort);
        desiredGroups = g;
    }

    // ------------------------------------------------------------------ events from channels

    synchronized void onConnected(int conn, Channel ch) {
        channels.put(conn, ch);
        applyTtl(ch);
        fsm.connected(now(), conn, routerId(ch));
        run();
    }

    /** Returns the connection id, or -1 if the FSM refuses the connection. */
    synchronized int onAccepted(Channel ch) {
        int conn = fsm.accepted(now(), routerId(ch));
        if (conn < 0) {
            log.info("event=connection_refused peer={} state={} reason=\"no inbound connection accepted in this state\"", peer, state);
            return -1;
        }
        channels.put(conn, ch);
        applyTtl(ch);
        run();
        return conn;
    }

    synchronized void onMessage(int conn, BgpMessage m) {
        metrics.received(m);
        fsm.received(now(), conn, m);
        run();
    }

    synchronized void onProtocolError(int conn, BgpProtocolException e) {
        log.warn("event=protocol_error peer={} code={} subcode={} error=\"{}\"", peer, e.code(), e.subcode(), e.getMessage());
        fsm.protocolError(now(), conn, e);
        run();
    }

    synchronized void onClosed(int conn) {
        if (channels.remove(conn) == null) return;
        fsm.closed(now(), conn);
        run();
    }

    private synchronized void onTimer() {
        timer = null;
        timerAt = Long.MAX_VALUE;
        fsm.tick(now());
        run();
    }

    // ------------------------------------------------------------------ actions

    private void run() {
        for (Action a : fsm.drain()) execute(a);
        long d = fsm.nextDeadline();
        if (d != timerAt) {
            if (timer != null) timer.cancel(false);
            timer = null;
            timerAt = d;
            if (d != Long.MAX_VALUE) timer = loop.schedule(this::onTimer, Math.max(0, d - now()), TimeUnit.MILLISECONDS);
        }
    }

    private void execute(Action a) {
        switch (a) {
            case Action.Connect c -> connect(c.conn(), true);
            case Action.Send s -> {
                Channel ch = channels.get(s.conn());
                if (ch == null) return;
                ch.writeAndFlush(s.message());
                metrics.sent(s.message());
                if (s.message() instanceof Notification n) {
                    log.warn("event=notification_sent peer={} notification=\"{}\"", peer, n.describe());
                    manager.listeners().forEach(l -> l.notificationSent(this, n));
                }
            }
            case Action.Close c -> {
                ChannelFuture f = pendingConnects.remove(c.conn());
                if (f != null) {
                    f.cancel(false);
                    f.channel().close();
                }
                Channel ch = channels.remove(c.conn());
                if (ch != null) ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            case Action.StateChange sc -> {
                SessionState from = SessionState.valueOf(sc.from().name()), to = SessionState.valueOf(sc.to().name());
                state = to;
                log.info("event=state_change peer={} from={} to={} reason=\"{}\"", peer, from, to, sc.reason());
                manager.listeners().forEach(l -> l.stateChanged(this, from, to, sc.reason()));
            }
            case Action.Up u -> up(u);
            case Action.Down d -> {
                upConn = -1;
                negotiated = null;
                sent = new HashMap<>();
                received.clear();
                announced = 0;
                receivedCount = 0;
            }
            case Action.Deliver d -> deliver(d.message());
            case Action.PeerNotification pn -> {
                log.warn("event=notification_received peer={} notification=\"{}\"", peer, pn.notification().describe());
                manager.listeners().forEach(l -> l.notificationReceived(this, pn.notification()));
            }
        }
    }

    private void connect(int conn, boolean withSource) {
        InetSocketAddress remote = new InetSocketAddress(config.peerAddress(), config.peerPort());
        Bootstrap b = new Bootstrap().group(loop).channelFactory(manager.clientChannels())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(initializer(conn));
        if (config.password() != null) {
            b.option(EpollChannelOption.TCP_MD5SIG, Map.of(config.peerAddress(), config.password().getBytes(StandardCharsets.UTF_8)));
        }
        boolean useSource = withSource && config.sourceAddress() != null;
        ChannelFuture f = useSource ? b.connect(remote, new InetSocketAddress(config.sourceAddress(), 0)) : b.connect(remote);
        pendingConnects.put(conn, f);
        f.addListener((ChannelFutureListener) fut -> {
            synchronized (PeerSession.this) {
                if (pendingConnects.remove(conn) == null || fut.isSuccess()) return;
                String why = String.valueOf(fut.cause() == null ? "cancelled" : fut.cause().getMessage());
                if (useSource && why.contains("Cannot assign requested address")) {
                    if (!sourceWarned) {
                        log.warn("event=source_address_not_local peer={} source={} action=\"connecting from the kernel's choice of address\"",
                                peer, config.sourceAddress().getHostAddress());
                        sourceWarned = true;
                    }
                    connect(conn, false);
                    return;
                }
                log.info("event=connect_failed peer={} error=\"{}\"{}", peer, why,
                        config.password() != null && why.contains("timed out") ? " hint=\"with TCP MD5 a wrong key looks like a time-out\"" : "");
                fsm.connectFailed(now(), conn, why);
                run();
            }
        });
    }

    private ChannelInitializer<Channel> initializer(int conn) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                applyTtl(ch);
                ch.pipeline().addLast(new BgpFrameDecoder(), new BgpMessageDecoder(), new BgpMessageEncoder(),
                        new Handler(PeerSession.this, conn));
            }
        };
    }

    /** RFC 4271 / common practice: single-hop eBGP with TTL 1, iBGP and multihop eBGP with 255. */
    private void applyTtl(Channel ch) {
        if (!(ch instanceof UnixChannel u) || !u.isOpen()) return;
        int ttl = config.ibgp() || config.ebgpMultihop() ? 255 : 1;
        try {
            Sockets.setTtl(u.fd().intValue(), config.peerAddress() instanceof Inet6Address, ttl);
        } catch (RuntimeException e) {
            log.warn("event=ttl_not_set peer={} ttl={} error=\"{}\"", peer, ttl, e.getMessage());
        }
    }

    private Inet4Address routerId(Channel ch) {
        InetAddress local = ch.localAddress() instanceof InetSocketAddress s ? s.getAddress() : null;
        return RouterIds.choose(config.routerId(), local, manager.nodeName());
    }

    private void up(Action.Up u) {
        upConn = u.conn();
        negotiated = u.negotiated();
        Channel ch = channels.get(upConn);
        upLocal = ch != null && ch.localAddress() instanceof InetSocketAddress s ? s.getAddress() : null;
        linkLocal = config.ebgpMultihop() ? null : linkLocalOf(upLocal);
        sent = new HashMap<>();
        sync("initial table");
        for (AfiSafi f : List.of(AfiSafi.IPV4_UNICAST, AfiSafi.IPV6_UNICAST)) {
            if (negotiated.families().contains(f)) send(Update.endOfRib(f));
        }
        flush();
        log.info("event=established peer={} hold={} keepalive={} families={} four_octet_as={} extended_messages={} peer_router_id={}",
                peer, negotiated.holdTime(), negotiated.keepaliveTime(), negotiated.families(), negotiated.fourOctetAs(),
                negotiated.extendedMessages(), negotiated.peerOpen().bgpIdentifier().getHostAddress());
    }

    private static InetAddress linkLocalOf(InetAddress local) {
        if (!(local instanceof Inet6Address) || local.isLinkLocalAddress()) return null;
        try {
            NetworkInterface nif = NetworkInterface.getByInetAddress(local);
            if (nif == null) return null;
            var it = nif.getInetAddresses();
            while (it.hasMoreElements()) {
                InetAddress a = it.nextElement();
                if (a instanceof Inet6Address && a.isLinkLocalAddress()) return InetAddress.getByAddress(a.getAddress());
            }
        } catch (Exception e) {
            return null;
        }
        return null;
    }

    /** Sends the difference between what the peer has and what the caller wants. */
    private void sync(String why) {
        if (upConn < 0) return;
        long t0 = System.nanoTime();
        if (sent.isEmpty()) {
            initialTable(why, t0);
            return;
        }
        Map<Prefix, List<PathAttribute>> want = HashMap.newHashMap(desired.size());
        Map<AttributeKey, Optional<List<PathAttribute>>> shared = new HashMap<>(); // one list per attribute set
        int skipped = 0;
        for (Advertisement a : desired.values()) {
            Optional<List<PathAttribute>> attrs = shared.computeIfAbsent(AttributeKey.of(a), k -> Optional.ofNullable(attributes(k)));
            if (attrs.isEmpty()) skipped++;
            else want.put(a.prefix(), attrs.get());
        }
        List<Prefix> withdraw = new ArrayList<>();
        for (Prefix p : sent.keySet()) if (!want.containsKey(p)) withdraw.add(p);
        Map<Prefix, List<PathAttribute>> announce = new HashMap<>();
        for (var e : want.entrySet()) if (!e.getValue().equals(sent.get(e.getKey()))) announce.put(e.getKey(), e.getValue());
        List<Update> updates = UpdatePacker.pack(withdraw, announce, negotiated.codecOptions());
        updates.forEach(this::send);
        flush();
        sent = want;
        announced = sent.size();
        if (!updates.isEmpty() || skipped > 0) {
            log.info("event=updates_sent peer={} why=\"{}\" updates={} announced={} withdrawn={} not_announceable={} duration_ms={}",
                    peer, why, updates.size(), announce.size(), withdraw.size(), skipped, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** What the attributes of an advertisement depend on, besides the session. */
    private record AttributeKey(boolean ipv4, Long localPref, List<Long> communities, List<LargeCommunity> large, List<Long> extended) {
        static AttributeKey of(Advertisement a) {
            return new AttributeKey(a.prefix().isIpv4(), a.localPref(), a.communities(), a.largeCommunities(), a.extendedCommunities());
        }
    }

    /**
     * The whole table to a peer that has nothing from us: the groups are ready, so this only encodes, writes and
     * flushes, and records what was sent once the bytes are on their way.
     */
    private void initialTable(String why, long t0) {
        List<Map.Entry<List<PathAttribute>, List<Prefix>>> ordered = new ArrayList<>();
        int skipped = 0;
        for (var e : desiredGroups.entrySet()) {
            List<PathAttribute> attrs = attributes(e.getKey());
            if (attrs == null) skipped += e.getValue().size();
            else ordered.add(Map.entry(attrs, e.getValue()));
        }
        ordered.sort(Map.Entry.comparingByValue((a, b) -> a.getFirst().compareTo(b.getFirst())));
        List<Update> updates = UpdatePacker.packGroups(ordered, negotiated.codecOptions());
        updates.forEach(this::send);
        flush();
        Map<Prefix, List<PathAttribute>> now = HashMap.newHashMap(desired.size());
        for (var e : ordered) for (Prefix p : e.getValue()) now.put(p, e.getKey());
        sent = now;
        announced = sent.size();
        if (!updates.isEmpty() || skipped > 0) {
            log.info("event=updates_sent peer={} why=\"{}\" updates={} announced={} withdrawn=0 not_announceable={} duration_ms={}",
                    peer, why, updates.size(), now.size(), skipped, (System.nanoTime() - t0) / 1_000_000);
        }
    }

    /** The attributes this session sends for an attribute set, or null when the session cannot carry its family. */
    private List<PathAttribute> attributes(AttributeKey a) {
        AfiSafi family = a.ipv4() ? AfiSafi.IPV4_UNICAST : AfiSafi.IPV6_UNICAST;
        if (!negotiated.families().contains(family)) return null;
        List<PathAttribute> l = new ArrayList<>(8);
        l.add(PathAttribute.Origin.IGP);
        l.add(config.ibgp() ? PathAttribute.AsPath.EMPTY : PathAttribute.AsPath.sequence(config.localAsn()));
        if (a.ipv4()) {
            if (!(upLocal instanceof Inet4Address)) return null;
            l.add(new PathAttribute.NextHop(upLocal));
        }
        if (config.ibgp()) l.add(new PathAttribute.LocalPref(a.localPref() == null ? Advertisement.DEFAULT_LOCAL_PREF : a.localPref()));
        if (!a.communities().isEmpty()) l.add(new PathAttribute.Communities(a.communities()));
        if (!a.ipv4()) {
            if (!(upLocal instanceof Inet6Address)) return null;
            l.add(new PathAttribute.MpReach(AfiSafi.IPV6_UNICAST, linkLocal == null ? List.of(upLocal) : List.of(upLocal, linkLocal), List.of()));
        }
        if (!a.extended().isEmpty()) l.add(new PathAttribute.ExtendedCommunities(a.extended()));
        if (!a.large().isEmpty()) l.add(new PathAttribute.LargeCommunities(a.large()));
        return l;
    }

    private void send(BgpMessage m) {
        Channel ch = channels.get(upConn);
        if (ch == null) return;
        ch.write(m);
        metrics.sent(m);
    }

    private void flush() {
        Channel ch = channels.get(upConn);
        if (ch != null) ch.flush();
    }

    private void deliver(BgpMessage m) {
        switch (m) {
            case Update u -> {
                List<Prefix> reach = new ArrayList<>(u.nlri());
                List<Prefix> unreach = new ArrayList<>(u.withdrawn());
                for (PathAttribute a : u.attributes()) {
                    if (a instanceof PathAttribute.MpReach r) reach.addAll(r.nlri());
                    if (a instanceof PathAttribute.MpUnreach r) unreach.addAll(r.withdrawn());
                }
                if (u.treatAsWithdraw() != null) {
                    metrics.treatAsWithdraw();
                    log.warn("event=treat_as_withdraw peer={} prefixes={} error=\"{}\"", peer, reach.size(), u.treatAsWithdraw());
                    unreach.addAll(reach);
                    reach.clear();
                }
                unreach.forEach(received::remove);
                for (Prefix p : reach) {
                    if (received.size() < MAX_TRACKED_RECEIVED || received.contains(p)) received.add(p);
                }
                receivedCount = received.size();
                u.endOfRibFamily().ifPresent(f -> log.info("event=end_of_rib_received peer={} family={} received_prefixes={}", peer, f, receivedCount));
            }
            case BgpMessage.RouteRefresh rr -> {
                if (!negotiated.families().contains(rr.family())) {
                    log.info("event=route_refresh_ignored peer={} family={} reason=\"family not negotiated\"", peer, rr.family());
                    return;
                }
                Map<Prefix, List<PathAttribute>> again = new HashMap<>();
                sent.forEach((p, attrs) -> { if (p.afiSafi().equals(rr.family())) again.put(p, attrs); });
                List<Update> updates = UpdatePacker.pack(List.of(), again, negotiated.codecOptions());
                updates.forEach(this::send);
                flush();
                log.info("event=route_refresh_answered peer={} family={} prefixes={} updates={}", peer, rr.family(), again.size(), updates.size());
            }
            default -> { }
        }
    }

    /** Netty's end of one connection: hands everything to the session. */
    static final class Handler extends ChannelInboundHandlerAdapter {
        private final PeerSession session;
        private final SessionManager manager;
        private int conn;

        Handler(PeerSession session, int conn) { // outbound
            this.session = session;
            this.manager = null;
            this.conn = conn;
        }

        Handler(SessionManager manager) { // inbound: the session is found from the peer's address
            this.session = null;
            this.manager = manager;
            this.conn = -1;
        }

        private PeerSession target;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (session != null) {
                target = session;
                session.onConnected(conn, ctx.channel());
            } else {
                InetAddress remote = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
                target = manager.passiveTarget(remote);
                conn = target == null ? -1 : target.onAccepted(ctx.channel());
                if (conn < 0) {
                    if (target == null) log.info("event=connection_refused remote={} reason=\"not a configured peer\"", remote.getHostAddress());
                    target = null;
                    ctx.close();
                }
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (target == null) return;
            if (msg instanceof BgpMessage.Open o) {
                // Applied here, in the pipeline, so the very next message is decoded with the negotiated options.
                boolean four = o.capability(Capability.FourOctetAs.class).isPresent();
                boolean ext = o.capability(Capability.ExtendedMessage.class).isPresent();
                CodecOptions opts = new CodecOptions(four, ext);
                ctx.pipeline().get(BgpMessageDecoder.class).setOptions(opts);
                ctx.pipeline().get(BgpMessageEncoder.class).setOptions(opts);
                if (ext) ctx.pipeline().get(BgpFrameDecoder.class).setMaxLength(BgpMessage.MAX_EXTENDED_LENGTH);
            }
            target.onMessage(conn, (BgpMessage) msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (target == null) {
                ctx.close();
                return;
            }
            Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
            if (c instanceof BgpProtocolException e) {
                target.onProtocolError(conn, e);
            } else {
                log.info("event=connection_error peer={} error=\"{}\"", target.peer(), c.toString());
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (target != null) target.onClosed(conn);
            ctx.fireChannelInactive();
        }
    }
}
