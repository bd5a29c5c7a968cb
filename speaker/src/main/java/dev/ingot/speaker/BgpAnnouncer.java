package dev.ingot.speaker;

import dev.ingot.bgp.Advertisement;
import dev.ingot.bgp.Session;
import dev.ingot.bgp.SessionConfig;
import dev.ingot.bgp.SessionListener;
import dev.ingot.bgp.SessionManager;
import dev.ingot.bgp.SessionState;
import dev.ingot.bgp.codec.PathAttribute;
import dev.ingot.bgp.codec.Prefix;
import dev.ingot.config.Community;
import dev.ingot.config.IpAddresses;
import dev.ingot.config.Peer;
import dev.ingot.speaker.plan.Plan;
import java.time.Instant;
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
    private final Map<String, Instant> since = new ConcurrentHashMap<>();
    private final Map<String, String> lastError = new ConcurrentHashMap<>();
    private List<SessionConfig> inForce = List.of();

    BgpAnnouncer(SessionManager sessions) {
        this.sessions = sessions;
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
    static SessionConfig session(Peer p) {
        SessionConfig.Builder b = SessionConfig.builder(p.peerAddress(), p.peerAsn(), p.myAsn())
                .peerPort(p.peerPort()).holdTime(p.holdTime()).keepaliveTime(p.keepaliveTime())
                .ebgpMultihop(p.ebgpMultihop());
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
    public synchronized void apply(List<Peer> peers, List<Plan.Route> routes) {
        List<SessionConfig> want = peers.stream().map(BgpAnnouncer::session).toList();
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
            out.add(m);
        }
        return out;
    }

    @Override
    public void close() {
        sessions.close("Ingot speaker shutting down");
    }
}
