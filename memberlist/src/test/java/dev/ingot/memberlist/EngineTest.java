package dev.ingot.memberlist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.memberlist.wire.Codec;
import dev.ingot.memberlist.wire.Keyring;
import dev.ingot.memberlist.wire.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The protocol on a virtual clock and an in-memory network: each case is deterministic for its seed. */
class EngineTest {
    static final Duration S = Duration.ofSeconds(1);

    static List<Engine> cluster(FakeNet net, int n) {
        List<Engine> es = new ArrayList<>();
        for (int i = 1; i <= n; i++) es.add(net.add("n" + i, i));
        for (int i = 1; i < n; i++) es.get(i).pushPull(FakeNet.addr(1), true);
        net.loop.run(S.multipliedBy(3));
        for (Engine e : es) assertThat(e.members()).hasSize(n);
        return es;
    }

    static boolean sawLeave(FakeNet net, String observer, String node, Member.State state) {
        return net.events(observer).stream().anyMatch(e -> e.kind() == MemberEvent.Kind.LEAVE && e.member().name().equals(node)
                && e.member().state() == state);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void killedMemberOfThreeIsDeclaredDeadWithinMemberlistTiming(long seed) {
        FakeNet net = new FakeNet(seed);
        cluster(net, 3);
        net.kill(FakeNet.addr(3));
        Duration took = net.loop.runUntil(() -> sawLeave(net, "n1", "n3", Member.State.DEAD) && sawLeave(net, "n2", "n3", Member.State.DEAD),
                S.multipliedBy(30));
        // n = 3: no confirmations expected, so the suspicion lasts min = 4 s after a failed probe (≥ 1 s)
        assertThat(took).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(9));
        assertThat(net.registries.get("n1").get("ingot.memberlist.members").gauge().value()).isEqualTo(2.0);
    }

    @Test
    void confirmationsShrinkTheSuspicionOfALargerCluster() {
        FakeNet net = new FakeNet(11);
        cluster(net, 8);
        net.kill(FakeNet.addr(8));
        // k = 2 confirmations expected: the timer starts at 6 × 4 s = 24 s and shrinks to 4 s as others confirm
        Duration took = net.loop.runUntil(() -> sawLeave(net, "n1", "n8", Member.State.DEAD), S.multipliedBy(40));
        assertThat(took).isLessThan(Duration.ofSeconds(12));
        net.loop.run(S.multipliedBy(3));
        for (int i = 1; i <= 7; i++) assertThat(sawLeave(net, "n" + i, "n8", Member.State.DEAD)).as("n%d", i).isTrue();
    }

    @Test
    void suspicionTimeoutsFollowMemberlistsFormulas() {
        long sec = 1_000_000_000L;
        assertThat(Engine.suspicionTimeout(4, 3, sec)).isEqualTo(4 * sec);
        assertThat(Engine.suspicionTimeout(4, 10, sec)).isEqualTo(4 * sec);
        assertThat(Engine.suspicionTimeout(4, 20, sec)).isEqualTo(5_204_000_000L);
        assertThat(Engine.suspicionTimeout(4, 50, sec)).isEqualTo(6_792_000_000L);
        assertThat(Engine.suspicionTimeout(4, 100, sec)).isEqualTo(8 * sec);
        // k = 2, min 4 s, max 24 s: 0 confirmations → 24 s, 1 → 24 − 0.63 × 20, 2 → 4 s
        assertThat(Suspicion.remaining(1, 2, 0, 4 * sec, 24 * sec)).isEqualTo(11_381_000_000L);
        assertThat(Suspicion.remaining(2, 2, 0, 4 * sec, 24 * sec)).isEqualTo(4 * sec);
        assertThat(Suspicion.remaining(2, 2, 5 * sec, 4 * sec, 24 * sec)).isEqualTo(-sec);
    }

    @Test
    void gracefulLeaveIsSeenAtOnceAsLeft() {
        FakeNet net = new FakeNet(3);
        List<Engine> es = cluster(net, 3);
        var done = es.get(1).leave();
        Duration took = net.loop.runUntil(() -> sawLeave(net, "n1", "n2", Member.State.LEFT) && sawLeave(net, "n3", "n2", Member.State.LEFT),
                S);
        assertThat(took).isLessThan(Duration.ofMillis(5));
        net.loop.run(S);
        assertThat(done).isCompleted();
        assertThat(es.getFirst().members()).extracting(Member::name).containsExactly("n1", "n3");
        // a left node is not refuted back to life and is reaped after GossipToTheDeadTime
        net.loop.run(S.multipliedBy(40));
        assertThat(es.getFirst().members()).extracting(Member::name).containsExactly("n1", "n3");
        assertThat(net.events("n1")).filteredOn(e -> e.kind() == MemberEvent.Kind.JOIN && e.member().name().equals("n2")).hasSize(1);
    }

    @Test
    void aFalseSuspicionIsRefutedWithAHigherIncarnation() {
        FakeNet net = new FakeNet(4);
        List<Engine> es = cluster(net, 3);
        long inc = es.getFirst().self().incarnation();
        es.get(1).suspectNode(new Message.Suspect(inc, "n1", "n2"));
        int maxHealth = 0;
        for (int i = 0; i < 20; i++) {
            net.loop.run(Duration.ofMillis(50));
            maxHealth = Math.max(maxHealth, es.getFirst().healthScore());
        }
        assertThat(es.getFirst().self().incarnation()).isGreaterThan(inc);
        assertThat(maxHealth).isPositive();
        net.loop.run(S.multipliedBy(20));
        for (Engine e : es) {
            assertThat(e.members()).filteredOn(m -> m.name().equals("n1")).singleElement()
                    .satisfies(m -> assertThat(m.state()).isEqualTo(Member.State.ALIVE));
        }
        assertThat(net.events("n2")).noneMatch(e -> e.kind() == MemberEvent.Kind.LEAVE);
        assertThat(net.events("n3")).noneMatch(e -> e.kind() == MemberEvent.Kind.LEAVE);
    }

    @Test
    void indirectProbesKeepAMemberAliveWhenOneLinkIsCut() {
        FakeNet net = new FakeNet(5);
        List<Engine> es = cluster(net, 4);
        net.cut(FakeNet.addr(1), FakeNet.addr(4));
        net.loop.run(S.multipliedBy(60));
        assertThat(net.events("n1")).noneMatch(e -> e.kind() == MemberEvent.Kind.LEAVE);
        assertThat(es.getFirst().members()).hasSize(4);
    }

    @Test
    void tcpFallbackPingKeepsAMemberThatCannotReceiveUdpAlive() {
        FakeNet net = new FakeNet(6);
        List<Engine> es = cluster(net, 3);
        net.udpDown.add(FakeNet.addr(3));
        net.loop.run(S.multipliedBy(60));
        for (String n : List.of("n1", "n2", "n3")) assertThat(net.events(n)).noneMatch(e -> e.kind() == MemberEvent.Kind.LEAVE);
        assertThat(es.getFirst().members()).hasSize(3);
        assertThat(net.registries.get("n1").get("ingot.memberlist.probe.failures").counter().count()).isZero();
    }

    @Test
    void withoutTcpOrIndirectPathsTheProbeFailsAndIsCounted() {
        FakeNet net = new FakeNet(7);
        List<Engine> es = cluster(net, 2);
        net.kill(FakeNet.addr(2));
        net.loop.run(S.multipliedBy(10));
        assertThat(sawLeave(net, "n1", "n2", Member.State.DEAD)).isTrue();
        assertThat(net.registries.get("n1").get("ingot.memberlist.probe.failures").counter().count()).isPositive();
        assertThat(es.getFirst().healthScore()).isPositive();
    }

    @Test
    void aRestartedMemberRefutesItsDeathAndRejoins() {
        FakeNet net = new FakeNet(12);
        List<Engine> es = cluster(net, 3);
        net.kill(FakeNet.addr(3));
        net.loop.run(S.multipliedBy(15));
        assertThat(sawLeave(net, "n1", "n3", Member.State.DEAD)).isTrue();
        // the process comes back with the same name and address, starting again at incarnation 1
        net.revive(FakeNet.addr(3));
        net.events("n1").clear();
        Engine again = net.add("n3", 3);
        again.pushPull(FakeNet.addr(1), true);
        net.loop.run(S.multipliedBy(5));
        assertThat(again.self().incarnation()).isGreaterThan(1);
        assertThat(net.saw("n1", MemberEvent.Kind.JOIN, "n3")).isTrue();
        for (Engine e : List.of(es.get(0), es.get(1), again)) assertThat(e.members()).extracting(Member::name).containsExactly("n1", "n2", "n3");
    }

    @Test
    void metadataChangesAreGossipedAsUpdates() {
        FakeNet net = new FakeNet(8);
        List<Engine> es = cluster(net, 3);
        es.get(2).updateMeta("zone=b".getBytes(StandardCharsets.UTF_8));
        net.loop.run(S);
        for (String n : List.of("n1", "n2")) {
            assertThat(net.events(n)).anySatisfy(e -> {
                assertThat(e.kind()).isEqualTo(MemberEvent.Kind.UPDATE);
                assertThat(e.member().meta()).asString(StandardCharsets.UTF_8).isEqualTo("zone=b");
            });
        }
    }

    @Test
    void labelsSeparateClusters() {
        FakeNet net = new FakeNet(13);
        var a = MemberlistConfig.lan("a", FakeNet.addr(1).getAddress());
        var b = MemberlistConfig.lan("b", FakeNet.addr(2).getAddress());
        var c = MemberlistConfig.lan("c", FakeNet.addr(3).getAddress());
        Engine ea = net.add(a, new Codec(null, 1, "blue", true, true));
        Engine eb = net.add(b, new Codec(null, 1, "blue", true, true));
        Engine ec = net.add(c, new Codec(null, 1, "green", true, true));
        eb.pushPull(FakeNet.addr(1), true);
        var wrong = ec.pushPull(FakeNet.addr(1), true);
        net.loop.run(S.multipliedBy(10));
        assertThat(ea.members()).extracting(Member::name).containsExactly("a", "b");
        assertThat(wrong).isCompletedExceptionally();
        assertThat(ec.members()).extracting(Member::name).containsExactly("c");
    }

    @Test
    void aWrongKeyNeverJoins() {
        FakeNet net = new FakeNet(9);
        byte[] k1 = new byte[16], k2 = new byte[16];
        k2[0] = 1;
        var a = MemberlistConfig.lan("a", FakeNet.addr(1).getAddress());
        var b = MemberlistConfig.lan("b", FakeNet.addr(2).getAddress());
        Engine ea = net.add(a, new Codec(new Keyring(List.of(k1)), 1, "", true, true));
        Engine eb = net.add(b, new Codec(new Keyring(List.of(k2)), 1, "", true, true));
        var join = eb.pushPull(FakeNet.addr(1), true);
        net.loop.run(S.multipliedBy(10));
        assertThat(join).isCompletedExceptionally();
        assertThat(net.saw("a", MemberEvent.Kind.JOIN, "b")).isFalse();
        assertThat(ea.members()).extracting(Member::name).containsExactly("a");
    }

    @Test
    void encryptedClusterWithBothVersionsConverges() {
        FakeNet net = new FakeNet(10);
        byte[] key = new byte[32];
        var a = MemberlistConfig.lan("a", FakeNet.addr(1).getAddress());
        var b = MemberlistConfig.lan("b", FakeNet.addr(2).getAddress()).withProtocolVersion(1);
        Engine ea = net.add(a, new Codec(new Keyring(List.of(key)), 1, "", true, true));
        Engine eb = net.add(b, new Codec(new Keyring(List.of(key)), 0, "", false, true));
        eb.pushPull(FakeNet.addr(1), true);
        net.loop.run(S.multipliedBy(20));
        assertThat(ea.members()).hasSize(2);
        assertThat(eb.members()).hasSize(2);
        assertThat(net.events("a")).noneMatch(e -> e.kind() == MemberEvent.Kind.LEAVE);
    }
}
