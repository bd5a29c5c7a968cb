package dev.ingot.speaker;

import dev.ingot.bgp.Advertisement;
import dev.ingot.bgp.Session;
import dev.ingot.bgp.SessionConfig;
import dev.ingot.bgp.SessionListener;
import dev.ingot.bgp.SessionManager;
import dev.ingot.bgp.SessionState;
import dev.ingot.bgp.bfd.BfdConfigException;
import dev.ingot.bgp.bfd.BfdPeer;
import dev.ingot.bgp.bfd.BfdProfile;
import dev.ingot.bgp.bfd.BfdSessionManager;
import dev.ingot.bgp.codec.PathAttribute;
import dev.ingot.bgp.codec.Prefix;
import dev.ingot.config.Community;
import dev.ingot.config.IpAddresses;
import dev.ingot.config.Peer;
import dev.ingot.speaker.plan.Plan;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Announces the plan's routes over the bgp module's sessions, one per selected peer. */
final class BgpAnnouncer implements Announcer {
    private static final Logger LOG = LoggerFactory.getLogger(BgpAnnouncer.class);

    private final SessionManager sessions;
    private final BfdSessionManager bfd;
    private final Map<BfdPeer, BfdProfile> bfdInForce = new ConcurrentHashMap<>();
    private final Map<BfdPeer, String> bfdOwner = new ConcurrentHashMap<>();
    private final ExecutorService bfdActions = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bfd-actions");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Instant> since = new ConcurrentHashMap<>();
    private final Map<String, String> lastError = new ConcurrentHashMap<>();
    private List<SessionConfig> inForce = List.of();
    private List<Plan.Route> routesInForce = List.of();
    private final Duration gracefulRestartTime;

    /** @param gracefulRestartTime restart time advertised in the Graceful Restart capability; zero: no GR */
    BgpAnnouncer(SessionManager sessions, BfdSessionManager bfd, Duration gracefulRestartTime) {
        this.sessions = sessions;
        this.gracefulRestartTime = gracefulRestartTime;
        this.bfd = bfd;
        sessions.addListener(new SessionListener() {
            @Override
            public void stateChanged(Session s, SessionState from, SessionState to, String reason) {
                since.put(s.peer(), Instant.now());
                LOG.info("event=bgpState peer={} from={} to={} reason={}", s.peer(), from, to,
                        Speaker.quote(reason));
            }

            @Override
            public void notificationReceived(Session s, dev.ingot.bgp.codec.BgpMessage.Notification n) {
                lastError.put(s.peer(), "received " + n);
            }

            @Override
            public void notificationSent(Session s, dev.ingot.bgp.codec.BgpMessage.Notification n) {
                lastError.put(s.peer(), "sent " + n);
            }
        });
    }

    /** The bgp module's view of a configured peer. */
    SessionConfig session(Peer p) {
        SessionConfig.Builder b = SessionConfig.builder(p.peerAddress(), p.peerAsn(), p.myAsn())
                .peerPort(p.peerPort()).holdTime(p.holdTime()).keepaliveTime(p.keepaliveTime())
                .ebgpMultihop(p.ebgpMultihop());
        if (!gracefulRestartTime.isZero()) {
            // R and F set for the whole life of the process: this speaker has (re)started and the node's forwarding
            // was kept; a peer that kept our routes as stale replaces them when our table and End-of-RIB arrive
            b.gracefulRestart(new SessionConfig.GracefulRestart(gracefulRestartTime, true));
        }
        p.sourceAddress().ifPresent(b::sourceAddress);
        p.routerId().ifPresent(b::routerId);
        p.password().ifPresent(s -> b.password(s.value()));
        return b.build();
    }

    /** A plan route as a bgp advertisement. LOCAL_PREF 0 means unset, as in MetalLB's FRR mode: the peer's default. */
    static Advertisement advertisement(Plan.Route r) {
        List<Long> standard = new ArrayList<>();
        List<PathAttribute.LargeCommunity> large = new ArrayList<>();
        for (Community c : r.communities()) {
            switch (c) {
                case Community.Standard s -> standard.add(s.value());
                case Community.Large l -> large.add(new PathAttribute.LargeCommunity(l.global(), l.local1(), l.local2()));
            }
        }
        return new Advertisement(Prefix.of(r.prefix().address(), r.prefix().prefixLength()),
                r.localPref() == 0 ? null : r.localPref(), standard, large, List.of());
    }

    @Override
    public synchronized void apply(List<Peer> peers, List<dev.ingot.config.BfdProfile> profiles,
                                   List<Plan.Route> routes) {
        applyBfd(peers, profiles);
        List<SessionConfig> want = peers.stream().map(this::session).toList();
        routesInForce = List.copyOf(routes);
        if (!want.equals(inForce)) {
            try {
                sessions.setPeers(want);
                inForce = want;
            } catch (IllegalArgumentException e) {
                LOG.warn("event=peersRejected error={} keeping=previousPeers", Speaker.quote(e.getMessage()));
            }
        }
        for (Session.Conflict c : sessions.setAdvertisements(routes.stream().map(BgpAnnouncer::advertisement).toList())) {
            LOG.warn("event=routeConflict prefix={} decision={}", c.prefix(), Speaker.quote(c.decision()));
        }
    }

    /**
     * One BFD session per peer that names a profile. When BFD goes Down the BGP session is torn down at once (Cease/BFD
     * Down) and held down; when BFD comes back Up it reconnects at once.
     */
    private void applyBfd(List<Peer> peers, List<dev.ingot.config.BfdProfile> profiles) {
        Map<BfdPeer, BfdProfile> want = new LinkedHashMap<>();
        Map<BfdPeer, String> owner = new LinkedHashMap<>();
        for (Peer p : peers) {
            if (p.bfdProfile().isEmpty()) {
                continue;
            }
            dev.ingot.config.BfdProfile c = profiles.stream().filter(b -> b.name().equals(p.bfdProfile().get()))
                    .findFirst().orElse(null);
            if (c == null) {
                continue;
            }
            try {
                InetAddress local = p.sourceAddress().orElse(localAddressTowards(p.peerAddress()));
                BfdPeer key = p.ebgpMultihop() ? BfdPeer.multihop(p.peerAddress(), local)
                        : BfdPeer.singleHop(p.peerAddress(), local);
                want.put(key, BfdProfile.of(c.name(), c.receiveIntervalMs(), c.transmitIntervalMs(),
                        c.detectMultiplier(), c.echoIntervalMs(), c.echoMode(), c.passiveMode(), c.minimumTtl()));
                owner.put(key, session(p).key());
            } catch (BfdConfigException | java.io.IOException e) {
                LOG.warn("event=bfdNotStarted peer={} error={}", IpAddresses.format(p.peerAddress()),
                        Speaker.quote(e.getMessage()));
            }
        }
        for (BfdPeer key : List.copyOf(bfdInForce.keySet())) {
            if (!want.containsKey(key)) {
                bfd.close(key);
                bfdInForce.remove(key);
                bfdOwner.remove(key);
            }
        }
        want.forEach((key, profile) -> {
            try {
                BfdProfile old = bfdInForce.get(key);
                bfdOwner.put(key, owner.get(key));
                if (old == null) {
                    bfd.open(key, profile, change -> {
                        String peer = bfdOwner.get(change.peer());
                        if (peer == null) {
                            return;
                        }
                        if (change.pathFailed()) {
                            bfdActions.execute(() -> sessions.session(peer).ifPresent(s -> s.forceDown(
                                    "BFD down: " + change.diagnostic(), Duration.ofDays(1))));
                        } else if (change.wentDown()) {
                            LOG.info("event=bfd peer={} state=down reason=peerAdminDown action=none "
                                    + "rule=\"RFC 5882 3.2: an administrative BFD shutdown is not a path failure\"",
                                    peer);
                        } else if (change.cameUp()) {
                            bfdActions.execute(() -> sessions.session(peer).ifPresent(Session::releaseHoldDown));
                        }
                    });
                } else if (!old.equals(profile)) {
                    bfd.update(key, profile);
                }
                bfdInForce.put(key, profile);
            } catch (BfdConfigException | java.io.IOException e) {
                LOG.warn("event=bfdNotStarted peer={} error={}", key, Speaker.quote(e.getMessage()));
            }
        });
    }

    /** The address the kernel would send from towards {@code peer} (a UDP connect sends nothing). */
    static InetAddress localAddressTowards(InetAddress peer) throws java.io.IOException {
        try (java.net.DatagramSocket s = new java.net.DatagramSocket()) {
            s.connect(peer, BfdPeer.SINGLE_HOP_PORT);
            return s.getLocalAddress();
        }
    }

    @Override
    public List<Map<String, Object>> sessions() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Session s : sessions.sessions()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("peer", s.peer());
            m.put("peerAsn", s.config().peerAsn());
            m.put("localAsn", s.config().localAsn());
            m.put("state", s.state().toString());
            m.put("since", String.valueOf(since.get(s.peer())));
            m.put("prefixesSent", s.announcedPrefixes());
            m.put("prefixesPending", s.pendingPrefixes());
            m.put("prefixesReceived", s.receivedPrefixes());
            m.put("lastError", lastError.getOrDefault(s.peer(), ""));
            m.put("peerAddress", IpAddresses.format(s.config().peerAddress()));
            bfdOwner.forEach((key, owner) -> {
                if (owner.equals(s.peer())) {
                    bfd.status(key).ifPresent(st -> m.put("bfd", st.state().toString().toLowerCase(
                            java.util.Locale.ROOT)));
                }
            });
            out.add(m);
        }
        return out;
    }

    @Override
    public void shutdown(boolean plannedRestart, Duration drainDelay) {
        if (plannedRestart) {
            LOG.info("event=shutdown mode=gracefulRestart restart_time_s={} reason=\"routes stay at the peers until "
                    + "this speaker is back\"", gracefulRestartTime.toSeconds());
            if (closed.compareAndSet(false, true)) {
                bfdActions.shutdownNow();
                sessions.closeForRestart();
                bfd.close();
            }
            return;
        }
        LOG.info("event=shutdown mode=drain drain_delay_ms={}", drainDelay.toMillis());
        List<Plan.Route> routes;
        synchronized (this) {
            routes = routesInForce;
        }
        try {
            // 1. RFC 8326: the switches prefer any other path; 2. withdraw; 3. Cease
            sessions.setAdvertisements(routes.stream().map(BgpAnnouncer::advertisement)
                    .map(a -> a.withCommunities(concat(a.communities(), Community.GRACEFUL_SHUTDOWN.value()))).toList());
            Thread.sleep(drainDelay.toMillis() / 2);
            sessions.setAdvertisements(List.of());
            Thread.sleep(drainDelay.toMillis() / 2);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    private static List<Long> concat(List<Long> l, long v) {
        List<Long> out = new ArrayList<>(l);
        out.add(v);
        return out;
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // BGP first (Cease/Administrative Shutdown), then BFD: a BFD AdminDown before the Cease would make the
        // switch tear the session down itself with Cease/BFD Down
        bfdActions.shutdownNow();
        sessions.close("Ingot speaker shutting down");
        bfd.close();
    }
}
