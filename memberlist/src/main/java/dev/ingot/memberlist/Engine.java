package dev.ingot.memberlist;

import dev.ingot.memberlist.wire.Codec;
import dev.ingot.memberlist.wire.Message;
import dev.ingot.memberlist.wire.Message.*;
import dev.ingot.memberlist.wire.Messages;
import dev.ingot.memberlist.wire.WireException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SWIM with Lifeguard, as hashicorp/memberlist runs it: the member list, probes, suspicion, gossip, push/pull and join
 * and leave. It holds no sockets and no threads: every method runs on its {@link Loop}, packets leave through
 * {@link Net}, and time is the loop's clock, so tests drive it with a virtual clock and an in-memory network.
 */
final class Engine {
    private static final Logger log = LoggerFactory.getLogger(Engine.class);
    private static final int COMPOUND_HEADER = 2, COMPOUND_PART = 2;

    private final MemberlistConfig cfg;
    private final MemberlistConfig.Timers t;
    private final Codec codec;
    private final Loop loop;
    private final Net net;
    private final RandomGenerator rnd;
    private final Metrics metrics;
    private final List<Consumer<MemberEvent>> listeners = new CopyOnWriteArrayList<>();
    private final InetAddress selfAddr;
    private final int selfPort;

    // The member list: a map by name and a shuffled probe order.
    private final Map<String, Node> nodes = new HashMap<>();
    private final List<Node> probeOrder = new ArrayList<>();
    private int probeIndex;
    private final Map<String, Suspicion> suspicions = new HashMap<>();
    private final Map<Long, AckHandler> acks = new HashMap<>();
    private final List<Broadcast> queue = new ArrayList<>();
    private long seqNo, broadcastIds, incarnation;
    private int awareness;
    private boolean left, stopped;
    private Loop.Timer probeTimer, gossipTimer, pushPullTimer;

    /** One entry of the member list. */
    private static final class Node {
        final String name;
        InetAddress addr;
        int port;
        byte[] meta;
        long incarnation;
        int state = Message.State.DEAD;
        byte[] vsn = new byte[6];
        long stateChange;

        Node(String name) { this.name = name; }

        boolean deadOrLeft() { return state == Message.State.DEAD || state == Message.State.LEFT; }

        int pmax() { return vsn.length > 1 ? vsn[1] : 0; }

        InetSocketAddress socket() { return new InetSocketAddress(addr, port); }

        Member snapshot() {
            return new Member(name, addr, port, meta, incarnation, Member.State.values()[Math.min(state, 3)]);
        }
    }

    private interface AckHandler {
        void ack();

        void nack();
    }

    private static final class Broadcast {
        final String key;
        final byte[] msg;
        final long id;
        final Runnable finished;
        int transmits;

        Broadcast(String key, byte[] msg, long id, Runnable finished) {
            this.key = key;
            this.msg = msg;
            this.id = id;
            this.finished = finished;
        }
    }

    Engine(MemberlistConfig cfg, InetSocketAddress advertise, Codec codec, Loop loop, Net net, RandomGenerator rnd, Metrics metrics) {
        this.cfg = cfg;
        this.t = cfg.timers();
        this.codec = codec;
        this.loop = loop;
        this.net = net;
        this.rnd = rnd;
        this.metrics = metrics;
        this.selfAddr = advertise.getAddress();
        this.selfPort = advertise.getPort();
    }

    // ------------------------------------------------------------------------------------------------ life cycle

    /** Puts ourselves in the list (incarnation 1) and starts the probe, gossip and push/pull timers. */
    void start() {
        incarnation = 1;
        aliveNode(new Alive(incarnation, cfg.name(), selfAddr, selfPort, cfg.meta(), cfg.vsn()), true);
        probeTimer = schedule(randomWithin(nanos(t.probeInterval())), this::probeTick);
        gossipTimer = schedule(randomWithin(nanos(t.gossipInterval())), this::gossipTick);
        if (!t.pushPullInterval().isZero()) pushPullTimer = schedule(randomWithin(nanos(t.pushPullInterval())), this::pushPullTick);
    }

    void subscribe(Consumer<MemberEvent> l) { listeners.add(l); }

    void unsubscribe(Consumer<MemberEvent> l) { listeners.remove(l); }

    /**
     * Broadcasts that we left and completes when that broadcast has been sent as often as gossip sends anything (or
     * at once when nobody else is alive).
     */
    CompletableFuture<Void> leave() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (left) {
            done.complete(null);
            return done;
        }
        left = true;
        Node self = nodes.get(cfg.name());
        deadNode(new Dead(self.incarnation, cfg.name(), cfg.name()), () -> done.complete(null));
        if (nodes.values().stream().noneMatch(n -> n != self && n.state == Message.State.ALIVE)) {
            done.complete(null);
        } else {
            gossip(); // at once rather than at the next tick, so that peers hand over without waiting
        }
        return done;
    }

    /** Stops every timer; the engine ignores all further input. */
    void stop() {
        stopped = true;
        for (Loop.Timer timer : new Loop.Timer[] {probeTimer, gossipTimer, pushPullTimer}) if (timer != null) timer.cancel();
        suspicions.values().forEach(Suspicion::cancel);
    }

    /** Updates our metadata and tells everyone, with a new incarnation (memberlist's UpdateNode). */
    void updateMeta(byte[] meta) {
        if (meta != null && meta.length > MemberlistConfig.MAX_META) throw new IllegalArgumentException("metadata above 512 bytes");
        incarnation++;
        aliveNode(new Alive(incarnation, cfg.name(), selfAddr, selfPort, meta, cfg.vsn()), true);
    }

    List<Member> members() {
        return nodes.values().stream().filter(n -> !n.deadOrLeft()).map(Node::snapshot).sorted(Comparator.comparing(Member::name)).toList();
    }

    Member self() { return nodes.get(cfg.name()).snapshot(); }

    int healthScore() { return awareness; }

    private Loop.Timer schedule(long delay, Runnable task) {
        return loop.schedule(delay, () -> {
            if (!stopped) task.run();
        });
    }

    // ------------------------------------------------------------------------------------------------ inbound UDP

    void onPacket(byte[] packet, InetSocketAddress from) {
        if (stopped) return;
        try {
            codec.openPacket(packet, m -> onMessage(m, from), e -> metrics.dropped(e.reason()));
        } catch (WireException e) {
            metrics.dropped(e.reason());
            log.debug("event=packet_dropped from={} reason={} detail=\"{}\"", from, e.reason(), e.getMessage());
        }
    }

    private void onMessage(Message m, InetSocketAddress from) {
        switch (m) {
            case Ping p -> {
                if (!p.node().isEmpty() && !p.node().equals(cfg.name())) {
                    log.debug("event=ping_ignored target={} from={}", p.node(), from);
                    return;
                }
                sendMsg(replyTo(p.sourceAddr(), p.sourcePort(), from), Messages.encode(new Ack(p.seqNo(), null)));
            }
            case IndirectPing r -> indirectPing(r, from);
            case Ack a -> {
                AckHandler h = acks.remove(a.seqNo());
                if (h != null) h.ack();
            }
            case Nack n -> {
                AckHandler h = acks.get(n.seqNo());
                if (h != null) h.nack();
            }
            case Alive a -> aliveNode(a, false);
            case Suspect s -> suspectNode(s);
            case Dead d -> deadNode(d, null);
            case User u -> log.debug("event=user_message_ignored bytes={}", u.payload().length);
            default -> metrics.dropped("unexpected");
        }
    }

    private static InetSocketAddress replyTo(InetAddress addr, int port, InetSocketAddress from) {
        return addr != null && port != 0 ? new InetSocketAddress(addr, port) : from;
    }

    /** Relays a probe for another member and answers with an ack, or a nack when asked for one. */
    private void indirectPing(IndirectPing r, InetSocketAddress from) {
        if (r.target() == null) {
            metrics.dropped("malformed");
            return;
        }
        InetSocketAddress requester = replyTo(r.sourceAddr(), r.sourcePort(), from);
        long seq = ++seqNo;
        boolean[] answered = {false};
        acks.put(seq, new AckHandler() {
            public void ack() {
                answered[0] = true;
                sendMsg(requester, Messages.encode(new Ack(r.seqNo(), null)));
            }

            public void nack() {}
        });
        loop.schedule(nanos(t.probeTimeout()), () -> {
            if (acks.remove(seq) != null && r.nack() && !answered[0] && !stopped) {
                sendMsg(requester, Messages.encode(new Nack(r.seqNo())));
            }
        });
        sendMsg(new InetSocketAddress(r.target(), r.port()),
                Messages.encode(new Ping(seq, r.node(), selfAddr, selfPort, cfg.name())));
    }

    // ------------------------------------------------------------------------------------------------ inbound TCP

    /** Handles a message read from a TCP connection and returns the reply to write, or null for none. */
    Message onStream(Message m) {
        if (stopped) return new Err("member is shut down");
        return switch (m) {
            case Ping p -> !p.node().isEmpty() && !p.node().equals(cfg.name()) ? null : new Ack(p.seqNo(), null);
            case PushPull pp -> {
                PushPull reply = localState(pp.join());
                mergeRemoteState(pp);
                yield reply;
            }
            case User u -> null;
            default -> new Err("unexpected message type " + m.type() + " on a stream");
        };
    }

    private PushPull localState(boolean join) {
        List<PushNodeState> states = new ArrayList<>(nodes.size());
        for (Node n : nodes.values()) {
            states.add(new PushNodeState(n.name, n.addr, n.port, n.meta, n.incarnation, n.state, n.vsn));
        }
        return new PushPull(join, states, null);
    }

    /** Applies a remote full state: alive as alive, left as left, dead or suspect only as suspect. */
    boolean mergeRemoteState(PushPull pp) {
        String err = verifyProtocol(pp.nodes());
        if (err != null) {
            log.warn("event=push_pull_rejected reason=\"{}\"", err);
            return false;
        }
        for (PushNodeState r : pp.nodes()) {
            switch (r.state()) {
                case Message.State.ALIVE -> aliveNode(new Alive(r.incarnation(), r.name(), r.addr(), r.port(), r.meta(), r.vsn()), false);
                case Message.State.LEFT -> deadNode(new Dead(r.incarnation(), r.name(), r.name()), null);
                default -> suspectNode(new Suspect(r.incarnation(), r.name(), cfg.name()));
            }
        }
        return true;
    }

    /** memberlist's verifyProtocol: every alive node's current versions must lie in everyone's [min, max]. */
    private String verifyProtocol(List<PushNodeState> remote) {
        int pmin = 0, pmax = 255, dmin = 0, dmax = 255;
        List<byte[]> vsns = new ArrayList<>();
        for (Node n : nodes.values()) if (n.state == Message.State.ALIVE) vsns.add(n.vsn);
        for (PushNodeState r : remote) if (r.state() == Message.State.ALIVE) vsns.add(r.vsn() == null ? new byte[0] : r.vsn());
        for (byte[] v : vsns) {
            if (v.length < 6) continue;
            pmin = Math.max(pmin, v[0]);
            pmax = Math.min(pmax, v[1]);
            dmin = Math.max(dmin, v[3]);
            dmax = Math.min(dmax, v[4]);
        }
        for (byte[] v : vsns) {
            int pcur = v.length >= 6 ? v[2] : 0, dcur = v.length >= 6 ? v[5] : 0;
            if (pcur < pmin || pcur > pmax) return "protocol version " + pcur + " is outside " + pmin + ".." + pmax;
            if (dcur < dmin || dcur > dmax) return "delegate protocol version " + dcur + " is outside " + dmin + ".." + dmax;
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ join, push/pull

    /** A join or anti-entropy exchange with one address; completes with whether it succeeded. */
    CompletableFuture<Void> pushPull(InetSocketAddress to, boolean join) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        net.exchange(to, localState(join), nanos(t.tcpTimeout()), (reply, err) -> {
            if (err != null) {
                done.completeExceptionally(err);
            } else if (reply instanceof PushPull pp) {
                if (mergeRemoteState(pp)) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(new IllegalStateException(to + " runs an incompatible protocol version"));
                }
            } else if (reply instanceof Err e) {
                done.completeExceptionally(new IllegalStateException(to + " refused the push/pull: " + e.error()));
            } else {
                done.completeExceptionally(new IllegalStateException(to + " answered a push/pull with message type " + reply.type()));
            }
        });
        return done;
    }

    private void pushPullTick() {
        List<Node> alive = new ArrayList<>();
        for (Node n : nodes.values()) if (n.state == Message.State.ALIVE && !n.name.equals(cfg.name())) alive.add(n);
        if (!alive.isEmpty()) {
            Node peer = alive.get(rnd.nextInt(alive.size()));
            pushPull(peer.socket(), false).whenComplete((v, e) -> {
                if (e != null) log.warn("event=push_pull_failed peer={} addr={} error=\"{}\"", peer.name, peer.snapshot().address(), e.getMessage());
            });
        }
        int n = nodes.size();
        long scale = n <= 32 ? 1 : (long) Math.ceil(Math.log(n) / Math.log(2) - 5) + 1;
        pushPullTimer = schedule(nanos(t.pushPullInterval()) * scale, this::pushPullTick);
    }

    // ------------------------------------------------------------------------------------------------ probing

    private void probeTick() {
        long start = loop.nanoTime();
        Node target = nextProbeTarget();
        if (target == null) {
            probeTimer = schedule(nanos(t.probeInterval()), this::probeTick);
            return;
        }
        probeNode(target, () -> {
            long next = Math.max(0, start + nanos(t.probeInterval()) - loop.nanoTime());
            probeTimer = schedule(next, this::probeTick);
        });
    }

    private Node nextProbeTarget() {
        for (int checked = 0; checked <= probeOrder.size(); ) {
            if (probeIndex >= probeOrder.size()) {
                resetNodes();
                probeIndex = 0;
                checked++;
                continue;
            }
            Node n = probeOrder.get(probeIndex++);
            if (n.name.equals(cfg.name()) || n.deadOrLeft()) {
                checked++;
                continue;
            }
            return n;
        }
        return null;
    }

    /** At the end of a probe round: forget nodes dead or left for longer than GossipToTheDeadTime, and reshuffle. */
    private void resetNodes() {
        long cutoff = loop.nanoTime() - nanos(t.gossipToTheDeadTime());
        probeOrder.removeIf(n -> {
            boolean reap = n.deadOrLeft() && n.stateChange < cutoff && !n.name.equals(cfg.name());
            if (reap) nodes.remove(n.name);
            return reap;
        });
        Collections.shuffle(probeOrder, rnd);
        metrics.members(members().size());
    }

    private void probeNode(Node target, Runnable finished) {
        long interval = nanos(t.probeInterval()) * (awareness + 1);
        long seq = ++seqNo;
        int[] nacks = {0};
        int[] expectedNacks = {0};
        boolean[] done = {false}, tcpOk = {false};
        List<Loop.Timer> own = new ArrayList<>();
        Runnable success = () -> {
            if (done[0]) return;
            done[0] = true;
            own.forEach(Loop.Timer::cancel);
            acks.remove(seq);
            applyAwareness(-1);
            finished.run();
        };
        acks.put(seq, new AckHandler() {
            public void ack() { success.run(); }

            public void nack() { nacks[0]++; }
        });
        byte[] ping = Messages.encode(new Ping(seq, target.name, selfAddr, selfPort, cfg.name()));
        if (target.state == Message.State.ALIVE) {
            sendMsg(target.socket(), ping);
        } else {
            byte[] suspect = Messages.encode(new Suspect(target.incarnation, target.name, cfg.name()));
            sendPacket(target.socket(), target, Codec.compound(List.of(ping, suspect)));
        }
        own.add(loop.schedule(nanos(t.probeTimeout()), () -> {
            if (done[0] || stopped) return;
            List<Node> relays = new ArrayList<>();
            for (Node n : nodes.values()) {
                if (n.state == Message.State.ALIVE && n != target && !n.name.equals(cfg.name())) relays.add(n);
            }
            Collections.shuffle(relays, rnd);
            for (Node relay : relays.subList(0, Math.min(t.indirectChecks(), relays.size()))) {
                boolean nack = relay.pmax() >= 4;
                if (nack) expectedNacks[0]++;
                sendMsg(relay.socket(), Messages.encode(new IndirectPing(seq, target.addr, target.port, target.name, nack,
                        selfAddr, selfPort, cfg.name())));
            }
            if (!t.disableTcpPings() && target.pmax() >= 3) {
                long remaining = Math.max(1, interval - nanos(t.probeTimeout()));
                net.exchange(target.socket(), new Ping(seq, target.name, selfAddr, selfPort, cfg.name()), remaining, (reply, err) -> {
                    if (reply instanceof Ack a && a.seqNo() == seq) tcpOk[0] = true;
                });
            }
        }));
        own.add(loop.schedule(interval, () -> {
            if (done[0] || stopped) return;
            done[0] = true;
            acks.remove(seq);
            if (tcpOk[0]) {
                log.warn("event=probe_udp_failed_tcp_ok node={} addr={} detail=\"was able to connect over TCP but other probes "
                        + "failed, network may be misconfigured\"", target.name, target.snapshot().address());
                finished.run();
                return;
            }
            metrics.probeFailed();
            applyAwareness(expectedNacks[0] > 0 ? Math.max(0, expectedNacks[0] - nacks[0]) : 1);
            log.info("event=probe_failed node={} addr={} nacks={}/{} health_score={}", target.name, target.snapshot().address(), nacks[0],
                    expectedNacks[0], awareness);
            Node current = nodes.get(target.name);
            if (current != null) suspectNode(new Suspect(current.incarnation, current.name, cfg.name()));
            finished.run();
        }));
    }

    private void applyAwareness(int delta) {
        awareness = Math.max(0, Math.min(t.awarenessMaxMultiplier() - 1, awareness + delta));
        metrics.health(awareness);
    }

    // ------------------------------------------------------------------------------------------------ state changes

    void aliveNode(Alive a, boolean bootstrap) {
        boolean self = a.node().equals(cfg.name());
        if (left && self) return;
        byte[] vsn = a.vsn() == null ? new byte[0] : a.vsn();
        if (vsn.length >= 3 && (vsn[0] == 0 || vsn[1] == 0 || (vsn[0] & 0xff) > (vsn[1] & 0xff))) {
            log.warn("event=alive_ignored node={} reason=\"invalid protocol versions {}\"", a.node(), Arrays.toString(vsn));
            return;
        }
        if (a.addr() == null) {
            metrics.dropped("malformed");
            return;
        }
        Node n = nodes.get(a.node());
        boolean updatesNode = false;
        if (n == null) {
            n = new Node(a.node());
            n.addr = a.addr();
            n.port = a.port();
            n.meta = a.meta();
            if (vsn.length >= 6) n.vsn = vsn.clone();
            nodes.put(n.name, n);
            int offset = probeOrder.isEmpty() ? 0 : rnd.nextInt(probeOrder.size() + 1);
            probeOrder.add(n);
            Collections.swap(probeOrder, offset, probeOrder.size() - 1);
        } else if (!n.addr.equals(a.addr()) || n.port != a.port()) {
            if (n.state == Message.State.LEFT) {
                log.info("event=address_updated node={} old={} new={}:{}", n.name, n.snapshot().address(), a.addr().getHostAddress(), a.port());
                updatesNode = true;
            } else {
                log.warn("event=address_conflict node={} known={} claimed={}:{} state={}", n.name, n.snapshot().address(),
                        a.addr().getHostAddress(), a.port(), n.state);
                return;
            }
        }
        if (a.incarnation() <= n.incarnation && !self && !updatesNode) return;
        if (a.incarnation() < n.incarnation && self) return;
        Suspicion s = suspicions.remove(a.node());
        if (s != null) s.cancel();
        int oldState = n.state;
        byte[] oldMeta = n.meta;
        if (!bootstrap && self) {
            if (a.incarnation() == n.incarnation && Arrays.equals(a.meta(), n.meta) && Arrays.equals(vsn, cfg.vsn())) return;
            log.warn("event=refute kind=alive node={} their_incarnation={}", a.node(), a.incarnation());
            refute(n, a.incarnation());
        } else {
            broadcast(a.node(), Messages.encode(a), null);
            if (vsn.length >= 6) n.vsn = vsn.clone();
            n.incarnation = a.incarnation();
            n.meta = a.meta();
            n.addr = a.addr();
            n.port = a.port();
            if (n.state != Message.State.ALIVE) {
                n.state = Message.State.ALIVE;
                n.stateChange = loop.nanoTime();
            }
        }
        if (oldState == Message.State.DEAD || oldState == Message.State.LEFT) {
            log.info("event=member_join node={} addr={} incarnation={}", n.name, n.snapshot().address(), n.incarnation);
            notify(MemberEvent.Kind.JOIN, n);
        } else if (!Arrays.equals(oldMeta, n.meta)) {
            log.info("event=member_update node={} addr={} incarnation={}", n.name, n.snapshot().address(), n.incarnation);
            notify(MemberEvent.Kind.UPDATE, n);
        }
    }

    void suspectNode(Suspect s) {
        Node n = nodes.get(s.node());
        if (n == null || s.incarnation() < n.incarnation) return;
        Suspicion existing = suspicions.get(s.node());
        if (existing != null) {
            if (existing.confirm(s.from())) broadcast(s.node(), Messages.encode(s), null);
            return;
        }
        if (n.state != Message.State.ALIVE) return;
        if (n.name.equals(cfg.name())) {
            log.warn("event=refute kind=suspect node={} from={} their_incarnation={}", s.node(), s.from(), s.incarnation());
            refute(n, s.incarnation());
            return;
        }
        broadcast(s.node(), Messages.encode(s), null);
        n.incarnation = s.incarnation();
        n.state = Message.State.SUSPECT;
        long changed = loop.nanoTime();
        n.stateChange = changed;
        log.info("event=member_suspect node={} from={} incarnation={}", n.name, s.from(), n.incarnation);
        int k = t.suspicionMult() - 2;
        int count = nodes.size();
        if (count - 2 < k) k = 0;
        long min = suspicionTimeout(t.suspicionMult(), count, nanos(t.probeInterval()));
        long max = t.suspicionMaxTimeoutMult() * min;
        suspicions.put(s.node(), new Suspicion(loop, s.from(), k, min, max, () -> {
            Node cur = nodes.get(s.node());
            if (!stopped && cur != null && cur.state == Message.State.SUSPECT && cur.stateChange == changed) {
                deadNode(new Dead(cur.incarnation, cur.name, cfg.name()), null);
            }
        }));
    }

    /** memberlist's suspicionTimeout: mult × max(1, log10(max(1, n))) × interval, with millisecond precision. */
    static long suspicionTimeout(int mult, int n, long intervalNanos) {
        double scale = Math.max(1.0, Math.log10(Math.max(1.0, n)));
        return mult * (long) (scale * 1000) * intervalNanos / 1000;
    }

    void deadNode(Dead d, Runnable leaveBroadcastDone) {
        Node n = nodes.get(d.node());
        if (n == null || d.incarnation() < n.incarnation) return;
        Suspicion s = suspicions.remove(d.node());
        if (s != null) s.cancel();
        if (n.deadOrLeft()) return;
        if (n.name.equals(cfg.name())) {
            if (!left) {
                log.warn("event=refute kind=dead node={} from={} their_incarnation={}", d.node(), d.from(), d.incarnation());
                refute(n, d.incarnation());
                return;
            }
            broadcast(d.node(), Messages.encode(d), leaveBroadcastDone);
        } else {
            broadcast(d.node(), Messages.encode(d), null);
        }
        n.incarnation = d.incarnation();
        n.state = d.node().equals(d.from()) ? Message.State.LEFT : Message.State.DEAD;
        n.stateChange = loop.nanoTime();
        log.info("event=member_leave node={} addr={} state={} from={}", n.name, n.snapshot().address(), n.state == Message.State.LEFT ? "left" : "dead", d.from());
        notify(MemberEvent.Kind.LEAVE, n);
    }

    private void refute(Node self, long accused) {
        incarnation++;
        if (accused >= incarnation) incarnation = accused + 1;
        self.incarnation = incarnation;
        applyAwareness(1);
        broadcast(self.name, Messages.encode(new Alive(incarnation, self.name, self.addr, self.port, self.meta, cfg.vsn())), null);
    }

    private void notify(MemberEvent.Kind kind, Node n) {
        metrics.members((int) nodes.values().stream().filter(x -> !x.deadOrLeft()).count());
        MemberEvent e = new MemberEvent(kind, n.snapshot());
        for (Consumer<MemberEvent> l : listeners) {
            try {
                l.accept(e);
            } catch (RuntimeException ex) {
                log.warn("event=listener_failed error=\"{}\"", ex.toString());
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ gossip

    private void broadcast(String key, byte[] msg, Runnable finished) {
        for (var it = queue.iterator(); it.hasNext(); ) {
            Broadcast b = it.next();
            if (b.key.equals(key)) {
                it.remove();
                if (b.finished != null) b.finished.run();
            }
        }
        queue.add(new Broadcast(key, msg, ++broadcastIds, finished));
    }

    /** Takes queued broadcasts that fit into {@code limit} bytes, counting {@code overhead} per message. */
    private List<byte[]> takeBroadcasts(int overhead, int limit) {
        if (queue.isEmpty()) return List.of();
        int transmitLimit = t.retransmitMult() * (int) Math.ceil(Math.log10(nodes.size() + 1));
        queue.sort(Comparator.<Broadcast>comparingInt(b -> b.transmits).thenComparing(b -> -b.msg.length).thenComparing(b -> -b.id));
        List<byte[]> out = new ArrayList<>();
        int used = 0;
        for (var it = queue.iterator(); it.hasNext(); ) {
            Broadcast b = it.next();
            if (used + overhead + b.msg.length > limit) continue;
            used += overhead + b.msg.length;
            out.add(b.msg);
            if (++b.transmits >= transmitLimit) {
                it.remove();
                if (b.finished != null) b.finished.run();
            }
        }
        return out;
    }

    private void gossipTick() {
        gossip();
        gossipTimer = schedule(nanos(t.gossipInterval()), this::gossipTick);
    }

    /** One gossip round: queued broadcasts to GossipNodes random members (alive, suspect, or recently dead). */
    private void gossip() {
        long deadCutoff = loop.nanoTime() - nanos(t.gossipToTheDeadTime());
        List<Node> candidates = new ArrayList<>();
        for (Node n : nodes.values()) {
            if (n.name.equals(cfg.name())) continue;
            if (n.state == Message.State.ALIVE || n.state == Message.State.SUSPECT
                    || (n.state == Message.State.DEAD && n.stateChange > deadCutoff)) candidates.add(n);
        }
        Collections.shuffle(candidates, rnd);
        int avail = t.udpBufferSize() - COMPOUND_HEADER - codec.packetOverhead();
        for (Node n : candidates.subList(0, Math.min(t.gossipNodes(), candidates.size()))) {
            List<byte[]> msgs = takeBroadcasts(COMPOUND_PART, avail);
            if (msgs.isEmpty()) break;
            if (msgs.size() == 1) {
                sendPacket(n.socket(), n, msgs.getFirst());
            } else {
                for (int i = 0; i < msgs.size(); i += 255) {
                    sendPacket(n.socket(), n, Codec.compound(msgs.subList(i, Math.min(msgs.size(), i + 255))));
                }
            }
        }
    }

    /** Sends a probe-path message with as many queued broadcasts piggybacked as fit (memberlist's sendMsg). */
    private void sendMsg(InetSocketAddress to, byte[] msg) {
        int avail = t.udpBufferSize() - msg.length - COMPOUND_HEADER - codec.packetOverhead();
        List<byte[]> extra = takeBroadcasts(COMPOUND_PART, avail);
        // memberlist looks the destination up by its IP string as a node name; only then does it add a CRC
        Node byIp = nodes.get(to.getAddress().getHostAddress());
        if (extra.isEmpty()) {
            sendPacket(to, byIp, msg);
            return;
        }
        List<byte[]> parts = new ArrayList<>(extra.size() + 1);
        parts.add(msg);
        parts.addAll(extra);
        for (int i = 0; i < parts.size(); i += 255) sendPacket(to, byIp, Codec.compound(parts.subList(i, Math.min(parts.size(), i + 255))));
    }

    private void sendPacket(InetSocketAddress to, Node node, byte[] payload) {
        net.sendPacket(to, codec.sealPacket(payload, node != null && node.pmax() >= 5));
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private long randomWithin(long nanos) {
        return nanos <= 0 ? 0 : rnd.nextLong(nanos);
    }

    static long nanos(java.time.Duration d) {
        return d.toNanos();
    }
}
