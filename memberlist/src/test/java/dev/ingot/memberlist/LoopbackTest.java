package dev.ingot.memberlist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Two Java members over real UDP and TCP sockets on loopback (no Go needed): the facade and transport end to end. */
class LoopbackTest {
    @Test
    void twoMembersJoinGossipMetadataAndLeave() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        byte[] key = new byte[32];
        SimpleMeterRegistry regA = new SimpleMeterRegistry();
        try (Memberlist a = Memberlist.start(MemberlistConfig.lan("a", lo).withPort(0).withKeys(List.of(key)), regA);
             Memberlist b = Memberlist.start(MemberlistConfig.lan("b", lo).withPort(0).withKeys(List.of(key))
                     .withMeta("zone=b".getBytes(java.nio.charset.StandardCharsets.UTF_8)), new SimpleMeterRegistry())) {
            List<MemberEvent> seenByA = new CopyOnWriteArrayList<>();
            a.subscribe(seenByA::add);
            assertThat(b.join(List.of("127.0.0.1:" + a.address().getPort()))).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.members().size() == 2 && b.members().size() == 2);
            assertThat(seenByA).anySatisfy(e -> {
                assertThat(e.kind()).isEqualTo(MemberEvent.Kind.JOIN);
                assertThat(e.member().name()).isEqualTo("b");
                assertThat(e.member().meta()).asString().isEqualTo("zone=b");
            });
            assertThat(regA.get("ingot.memberlist.members").gauge().value()).isEqualTo(2.0);

            b.updateMeta("zone=c".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(5)).until(() -> seenByA.stream().anyMatch(e -> e.kind() == MemberEvent.Kind.UPDATE));

            Thread.sleep(3000); // a few probe rounds over real sockets: no suspicion
            assertThat(seenByA).noneMatch(e -> e.kind() == MemberEvent.Kind.LEAVE);
            assertThat(a.healthScore()).isZero();

            b.leave(Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(2)).until(() -> a.members().size() == 1);
            assertThat(seenByA).anySatisfy(e -> {
                assertThat(e.kind()).isEqualTo(MemberEvent.Kind.LEAVE);
                assertThat(e.member().state()).isEqualTo(Member.State.LEFT);
            });
        }
    }

    @Test
    void ipv6MembersJoin() throws Exception {
        InetAddress lo6 = InetAddress.getByName("::1");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/net/if_inet6")).contains(
                "00000000000000000000000000000001"), "no IPv6 on loopback");
        try (Memberlist a = Memberlist.start(MemberlistConfig.lan("a6", lo6).withPort(0), new SimpleMeterRegistry());
             Memberlist b = Memberlist.start(MemberlistConfig.lan("b6", lo6).withPort(0), new SimpleMeterRegistry())) {
            assertThat(b.join(List.of("[::1]:" + a.address().getPort()))).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> a.members().size() == 2 && b.members().size() == 2);
            assertThat(a.members()).filteredOn(m -> m.name().equals("b6")).singleElement()
                    .satisfies(m -> assertThat(m.address()).startsWith("[0:0:0:0:0:0:0:1]:"));
        }
    }
}
