package dev.ingot.bgp.bfd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The state machine against a second instance of itself over a simulated link, on a fake clock. */
class BfdSessionTest {
    private static final long MS = 1_000_000L;
    private static final BfdSession.Parameters P300x3 = new BfdSession.Parameters(300_000, 300_000, 3, false);

    /** A fake clock, a one-millisecond link that can be cut, and two sessions. */
    static final class Sim {
        long now;
        boolean linkUp = true;
        final PriorityQueue<long[]> inFlight = new PriorityQueue<>((x, y) -> Long.compare(x[0], y[0]));
        final List<BfdPacket> packets = new ArrayList<>(); // delivered-or-not, in send order
        final List<Sent> sent = new ArrayList<>();
        final List<Change> changes = new ArrayList<>();
        final BfdSession[] s = new BfdSession[2];

        record Sent(int from, long at, BfdPacket p) {
        }

        record Change(int who, long at, BfdState from, BfdState to, BfdDiagnostic diag) {
        }

        Sim(BfdSession.Parameters a, BfdSession.Parameters b) {
            this(a, b, true);
        }

        Sim(BfdSession.Parameters a, BfdSession.Parameters b, boolean linkUp) {
            this.linkUp = linkUp;
            s[0] = new BfdSession(0x1111, a, new Random(1), fx(0), 0);
            s[1] = new BfdSession(0x2222, b, new Random(2), fx(1), 0);
        }

        BfdSession.Effects fx(int who) {
            return new BfdSession.Effects() {
                @Override
                public void send(BfdPacket p) {
                    BfdPacket wire = ((BfdCodec.Valid) BfdCodec.decode(BfdCodec.encode(p))).packet();
                    sent.add(new Sent(who, now, wire));
                    if (linkUp) {
                        packets.add(wire);
                        inFlight.add(new long[] {now + MS, 1 - who, packets.size() - 1});
                    }
                }

                @Override
                public void stateChanged(BfdState from, BfdState to, BfdDiagnostic diag) {
                    changes.add(new Change(who, now, from, to, diag));
                }
            };
        }

        /** Runs events until {@code until} (nanoseconds), bounded in steps. */
        void runUntil(long until) {
            for (int steps = 0; steps < 1_000_000; steps++) {
                long next = Math.min(Math.min(s[0].nextDeadlineNanos(), s[1].nextDeadlineNanos()),
                        inFlight.isEmpty() ? Long.MAX_VALUE : inFlight.peek()[0]);
                if (next > until) {
                    now = until;
                    return;
                }
                now = Math.max(now, next);
                if (!inFlight.isEmpty() && inFlight.peek()[0] <= now) {
                    long[] e = inFlight.poll();
                    s[(int) e[1]].receive(packets.get((int) e[2]), now);
                } else {
                    for (BfdSession x : s) {
                        if (x.nextDeadlineNanos() <= now) {
                            x.tick(now);
                        }
                    }
                }
            }
            throw new AssertionError("simulation did not settle");
        }

        long firstTime(Predicate<Change> p) {
            return changes.stream().filter(p).mapToLong(Change::at).findFirst().orElse(-1);
        }

        List<Long> gaps(int who, long from, long to) {
            List<Long> gaps = new ArrayList<>();
            long prev = -1;
            for (Sent x : sent) {
                if (x.from() == who && x.at() >= from && x.at() <= to && !x.p().fin()) {
                    if (prev >= 0) {
                        gaps.add(x.at() - prev);
                    }
                    prev = x.at();
                }
            }
            return gaps;
        }
    }

    @Test
    void threeWayHandshakeComesUpThenPollSpeedsUpToTheConfiguredRate() {
        Sim sim = new Sim(P300x3, P300x3);
        sim.runUntil(5_000 * MS);
        assertThat(sim.s[0].state()).isEqualTo(BfdState.UP);
        assertThat(sim.s[1].state()).isEqualTo(BfdState.UP);
        // Down -> Init -> Up on one side, Down -> Up on the other (it saw Init).
        assertThat(sim.changes).extracting(Sim.Change::to).containsOnly(BfdState.INIT, BfdState.UP);
        assertThat(sim.s[0].remoteDiscriminator()).isEqualTo(0x2222);
        assertThat(sim.s[1].remoteDiscriminator()).isEqualTo(0x1111);
        // The Poll Sequence that announced 300 ms is complete and both run at 300 ms.
        assertThat(sim.s[0].pollActive()).isFalse();
        assertThat(sim.s[0].transmitIntervalUs()).isEqualTo(300_000);
        assertThat(sim.s[0].detectionTimeUs()).isEqualTo(900_000);
        assertThat(sim.sent).anyMatch(x -> x.p().poll() && x.p().state() == BfdState.UP);
        assertThat(sim.sent).anyMatch(x -> x.p().fin() && !x.p().poll());
        long up = sim.firstTime(c -> c.to() == BfdState.UP && c.who() == 0);
        assertThat(up).isBetween(0L, 2_000 * MS);
        // Jitter: 75-100% of 300 ms once the Poll Sequence is over.
        assertThat(sim.gaps(0, up + 1_500 * MS, 5_000 * MS)).isNotEmpty()
                .allSatisfy(g -> assertThat(g).isBetween(225 * MS, 300 * MS));
    }

    @Test
    void slowOneSecondRateAndAdvertisedIntervalUntilUp() {
        // The link is cut from the start, so both stay Down.
        Sim sim = new Sim(P300x3, P300x3, false);
        sim.runUntil(20_000 * MS);
        assertThat(sim.s[0].state()).isEqualTo(BfdState.DOWN);
        List<Long> gaps = sim.gaps(0, 0, 20_000 * MS);
        assertThat(gaps).hasSizeGreaterThan(15).allSatisfy(g -> assertThat(g).isBetween(750 * MS, 1_000 * MS));
        assertThat(sim.sent).filteredOn(x -> x.from() == 0).allSatisfy(x -> {
            assertThat(x.p().desiredMinTxUs()).isEqualTo(1_000_000);
            assertThat(x.p().requiredMinRxUs()).isEqualTo(300_000);
            assertThat(x.p().yourDiscriminator()).isZero();
        });
    }

    @Test
    void jitterIsAtMostNinetyPercentWithDetectMultOne() {
        BfdSession.Parameters p = new BfdSession.Parameters(100_000, 100_000, 1, false);
        Sim sim = new Sim(p, p);
        sim.runUntil(10_000 * MS);
        assertThat(sim.s[0].state()).isEqualTo(BfdState.UP);
        List<Long> gaps = sim.gaps(0, 4_000 * MS, 10_000 * MS);
        assertThat(gaps).hasSizeGreaterThan(50).allSatisfy(g -> assertThat(g).isBetween(75 * MS, 90 * MS));
        assertThat(gaps.stream().mapToLong(Long::longValue).min().orElseThrow()).isLessThan(78 * MS);
        assertThat(gaps.stream().mapToLong(Long::longValue).max().orElseThrow()).isGreaterThan(87 * MS);
    }

    @Test
    void silenceForTheDetectionTimeTakesTheSessionDownAndForgetsThePeer() {
        Sim sim = new Sim(P300x3, P300x3);
        sim.runUntil(5_000 * MS);
        long lastFromB = sim.sent.stream().filter(x -> x.from() == 1).mapToLong(Sim.Sent::at).max().orElseThrow();
        sim.linkUp = false;
        sim.runUntil(8_000 * MS);
        Sim.Change down = sim.changes.stream().filter(c -> c.who() == 0 && c.to() == BfdState.DOWN)
                .findFirst().orElseThrow();
        assertThat(down.diag()).isEqualTo(BfdDiagnostic.CONTROL_DETECTION_TIME_EXPIRED);
        // Detection time 3 x 300 ms after the last packet that arrived (sent 1 ms before it arrived).
        assertThat(down.at()).isEqualTo(lastFromB + MS + 900 * MS);
        assertThat(sim.s[0].remoteDiscriminator()).isZero();
        assertThat(sim.s[0].advertisedDesiredMinTxUs()).isEqualTo(1_000_000);
        assertThat(sim.sent).filteredOn(x -> x.from() == 0 && x.at() > down.at() + MS)
                .isNotEmpty().allSatisfy(x -> assertThat(x.p().yourDiscriminator()).isZero());
        // Heal: both come back Up.
        sim.linkUp = true;
        sim.runUntil(12_000 * MS);
        assertThat(sim.s[0].state()).isEqualTo(BfdState.UP);
        assertThat(sim.s[1].state()).isEqualTo(BfdState.UP);
    }

    @Test
    void adminDownPeerTakesUsDownWithNeighborSignaledDiag() {
        Sim sim = new Sim(P300x3, P300x3);
        sim.runUntil(5_000 * MS);
        sim.s[1].adminDown(sim.now);
        sim.runUntil(6_000 * MS);
        assertThat(sim.s[1].state()).isEqualTo(BfdState.ADMIN_DOWN);
        assertThat(sim.s[0].state()).isEqualTo(BfdState.DOWN);
        assertThat(sim.s[0].localDiagnostic()).isEqualTo(BfdDiagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN);
        assertThat(sim.sent).anyMatch(x -> x.from() == 1 && x.p().state() == BfdState.ADMIN_DOWN
                && x.p().diagnostic() == BfdDiagnostic.ADMINISTRATIVELY_DOWN);
        // An AdminDown session discards what it receives and stays there; adminUp resumes.
        BfdPacket up = BfdPacket.of(BfdDiagnostic.NONE, BfdState.UP, false, false, 3, 0x1111, 0x2222,
                300_000, 300_000, 0);
        assertThat(sim.s[1].receive(up, sim.now)).isEqualTo(BfdDiscard.SESSION_ADMIN_DOWN);
        sim.s[1].adminUp(sim.now);
        sim.runUntil(10_000 * MS);
        assertThat(sim.s[0].state()).isEqualTo(BfdState.UP);
        assertThat(sim.s[1].state()).isEqualTo(BfdState.UP);
    }

    @Test
    void passiveSideSendsNothingUntilItHearsItsPeer() {
        BfdSession.Parameters passive = new BfdSession.Parameters(300_000, 300_000, 3, true);
        Sim both = new Sim(passive, passive);
        both.runUntil(10_000 * MS);
        assertThat(both.sent).isEmpty();
        assertThat(both.s[0].nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);

        Sim one = new Sim(passive, P300x3);
        long firstFromActive = one.sent.stream().filter(x -> x.from() == 1).mapToLong(Sim.Sent::at).min()
                .orElseThrow();
        one.runUntil(5_000 * MS);
        long firstFromPassive = one.sent.stream().filter(x -> x.from() == 0).mapToLong(Sim.Sent::at).min()
                .orElseThrow();
        assertThat(firstFromPassive).isGreaterThan(firstFromActive);
        assertThat(one.s[0].state()).isEqualTo(BfdState.UP);
        assertThat(one.s[1].state()).isEqualTo(BfdState.UP);
    }

    @Test
    void pollSequenceDefersATxIncreaseAndAnRxDecreaseUntilTheFinal() {
        Sim sim = new Sim(P300x3, P300x3);
        sim.runUntil(5_000 * MS);
        BfdSession a = sim.s[0];
        sim.linkUp = false; // hold the Final back
        a.reconfigure(new BfdSession.Parameters(500_000, 100_000, 3, false), sim.now);
        assertThat(a.pollActive()).isTrue();
        assertThat(a.advertisedDesiredMinTxUs()).isEqualTo(500_000);
        assertThat(a.transmitIntervalUs()).as("TX increase waits").isEqualTo(300_000);
        assertThat(a.detectionTimeUs()).as("RX decrease waits").isEqualTo(900_000);
        int before = sim.sent.size();
        sim.runUntil(sim.now + 600 * MS);
        assertThat(sim.sent.subList(before, sim.sent.size())).filteredOn(x -> x.from() == 0)
                .isNotEmpty().allSatisfy(x -> assertThat(x.p().poll()).isTrue());
        sim.linkUp = true;
        sim.runUntil(sim.now + 2_000 * MS);
        assertThat(a.state()).isEqualTo(BfdState.UP);
        assertThat(a.pollActive()).isFalse();
        assertThat(a.transmitIntervalUs()).isEqualTo(500_000);
        assertThat(a.detectionTimeUs()).isEqualTo(900_000); // 3 x max(100 ms, peer's 300 ms TX)
        assertThat(sim.s[1].detectionTimeUs()).isEqualTo(1_500_000); // 3 x max(300 ms, our 500 ms)
        assertThat(sim.gaps(0, sim.now - 1_000 * MS, sim.now)).allSatisfy(
                g -> assertThat(g).isBetween(375 * MS, 500 * MS));
    }

    @Test
    void answersAPollWithAFinalAtOnceAndNeverSetsCDOrEcho() {
        List<BfdPacket> out = new ArrayList<>();
        BfdSession s = new BfdSession(7, P300x3, new Random(3), new BfdSession.Effects() {
            @Override
            public void send(BfdPacket p) {
                out.add(p);
            }

            @Override
            public void stateChanged(BfdState from, BfdState to, BfdDiagnostic d) {
            }
        }, 0);
        out.clear();
        BfdPacket poll = BfdPacket.of(BfdDiagnostic.NONE, BfdState.DOWN, true, false, 3, 99, 0, 1_000_000,
                300_000, 0);
        assertThat(s.receive(poll, 10 * MS)).isNull();
        assertThat(out).anyMatch(p -> p.fin() && !p.poll());
        assertThat(out).allSatisfy(p -> {
            assertThat(p.controlPlaneIndependent()).isFalse();
            assertThat(p.demand()).isFalse();
            assertThat(p.requiredMinEchoRxUs()).isZero();
            assertThat(p.yourDiscriminator()).isEqualTo(99);
        });
        // A packet with the A bit is discarded without touching the session.
        BfdPacket withAuth = new BfdPacket(0, BfdState.INIT, false, false, false, false, false, 3, 99, 7,
                1_000_000, 300_000, 0, java.util.Optional.of(new BfdPacket.Authentication(
                BfdPacket.AuthType.KEYED_MD5, new byte[22])));
        assertThat(s.receive(withAuth, 20 * MS)).isEqualTo(BfdDiscard.AUTHENTICATION_NOT_CONFIGURED);
        assertThat(s.state()).isEqualTo(BfdState.INIT);
    }

    @Test
    void remoteRequiredMinRxZeroOrDemandModeStopsPeriodicTransmission() {
        List<BfdPacket> out = new ArrayList<>();
        BfdSession s = new BfdSession(7, P300x3, new Random(3), new BfdSession.Effects() {
            @Override
            public void send(BfdPacket p) {
                out.add(p);
            }

            @Override
            public void stateChanged(BfdState from, BfdState to, BfdDiagnostic d) {
            }
        }, 0);
        s.receive(BfdPacket.of(BfdDiagnostic.NONE, BfdState.DOWN, false, false, 3, 99, 0, 1_000_000, 0, 0),
                MS);
        assertThat(s.state()).isEqualTo(BfdState.INIT);
        out.clear();
        s.tick(2_000 * MS);
        assertThat(out).isEmpty();
        // Remote in Demand mode, both Up: the remote asks for silence (RFC 5880 §6.6).
        BfdSession d = new BfdSession(8, P300x3, new Random(4), new BfdSession.Effects() {
            @Override
            public void send(BfdPacket p) {
                out.add(p);
            }

            @Override
            public void stateChanged(BfdState from, BfdState to, BfdDiagnostic x) {
            }
        }, 0);
        d.receive(BfdPacket.of(BfdDiagnostic.NONE, BfdState.INIT, false, false, 3, 99, 8, 300_000, 300_000, 0),
                MS);
        assertThat(d.state()).isEqualTo(BfdState.UP);
        d.receive(new BfdPacket(0, BfdState.UP, false, true, false, true, false, 3, 99, 8, 300_000, 300_000, 0,
                java.util.Optional.empty()), 2 * MS);
        out.clear();
        d.tick(500 * MS);
        assertThat(out).isEmpty();
    }

    /**
     * FRR advertises Required Min RX 1 s until Up and 300 ms after; the packet already scheduled 1 s
     * out must move forward, or FRR (detection 3 x 300 ms) declares us down. Found against FRR 8.4.
     */
    @Test
    void aPeerLoweringItsRequiredMinRxPullsTheNextPacketForward() {
        List<Long> sentAt = new ArrayList<>();
        long[] clock = {0};
        BfdSession s = new BfdSession(7, P300x3, new Random(5), new BfdSession.Effects() {
            @Override
            public void send(BfdPacket p) {
                sentAt.add(clock[0]);
            }

            @Override
            public void stateChanged(BfdState from, BfdState to, BfdDiagnostic d) {
            }
        }, 0);
        clock[0] = 10 * MS;
        s.receive(BfdPacket.of(BfdDiagnostic.NONE, BfdState.INIT, false, false, 3, 99, 7, 1_000_000, 1_000_000, 0),
                clock[0]);
        assertThat(s.state()).isEqualTo(BfdState.UP);
        long upSentAt = sentAt.getLast();
        assertThat(s.nextDeadlineNanos() - upSentAt).as("bound by the peer's 1 s Required Min RX")
                .isBetween(750 * MS, 1_000 * MS);
        clock[0] = 20 * MS;
        s.receive(BfdPacket.of(BfdDiagnostic.NONE, BfdState.UP, true, false, 3, 99, 7, 300_000, 300_000, 0),
                clock[0]);
        assertThat(s.nextDeadlineNanos() - upSentAt).as("one 300 ms interval after the last packet")
                .isBetween(225 * MS, 300 * MS);
    }
}
