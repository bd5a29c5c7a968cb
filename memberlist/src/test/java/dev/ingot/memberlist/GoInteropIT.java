package dev.ingot.memberlist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.memberlist.wire.Keyring;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Interop with real hashicorp/memberlist agents (Debian's golang-github-hashicorp-memberlist-dev 0.2.2, the wire
 * protocol of MetalLB v0.9 to v0.16) on loopback addresses 127.77.x.y, port 7946. Detection must come within 15 s:
 * memberlist's own timing is 5 to 8 s for 3 members, and a broken suspicion timer would show as 24 s or never.
 */
class GoInteropIT {
    static final int PORT = 7946;
    static final String SECRET = "dGhpc2lzYXNlY3JldGtleQ"; // a MetalLB-style secret: 16 random bytes, unpadded base64
    static final Duration CONVERGE = Duration.ofSeconds(10), DETECT = Duration.ofSeconds(15);
    private static int subnet = 10 + (int) (ProcessHandle.current().pid() % 200);

    Agents agents;
    final List<Memberlist> javas = new CopyOnWriteArrayList<>();
    String net;

    @BeforeEach
    void setUp() throws Exception {
        Agents.goBinary();
        agents = new Agents();
        net = "127.77." + (subnet++ % 250) + ".";
    }

    @AfterEach
    void tearDown() {
        javas.forEach(Memberlist::close);
        agents.close();
    }

    String ip(int i) {
        return net + i;
    }

    record Java(Memberlist ml, List<Agents.Event> events) {
        boolean saw(String kind, String node) {
            return first(kind, node) >= 0;
        }

        long first(String kind, String node) {
            return events.stream().filter(e -> e.kind().equals(kind) && e.node().equals(node)).mapToLong(Agents.Event::ts).findFirst().orElse(-1);
        }

        List<String> names() {
            return ml.members().stream().map(Member::name).toList();
        }
    }

    Java java(String name, int i, byte[] key) throws IOException {
        var cfg = MemberlistConfig.lan(name, InetAddress.getByName(ip(i))).withPort(PORT);
        if (key != null) cfg = cfg.withKeys(List.of(key));
        Memberlist ml = Memberlist.start(cfg, new SimpleMeterRegistry());
        javas.add(ml);
        List<Agents.Event> events = new CopyOnWriteArrayList<>();
        ml.subscribe(e -> events.add(new Agents.Event(e.kind().name().toLowerCase(java.util.Locale.ROOT), e.member().name(),
                System.currentTimeMillis())));
        return new Java(ml, events);
    }

    String addr(int i) {
        return ip(i) + ":" + PORT;
    }

    @Test
    void javaJoinsGoAndGoJoinsJava() throws Exception {
        Agents.Agent a = agents.go("a", ip(1), PORT, "-meta", "zone=a");
        agents.await("go a up", CONVERGE, () -> a.saw("join", "a"));
        Java b = java("b", 2, null);
        assertThat(b.ml().join(List.of(addr(1)))).isEqualTo(1);
        Agents.Agent c = agents.go("c", ip(3), PORT, "-join", addr(2));
        agents.await("all three members everywhere", CONVERGE, () -> b.names().equals(List.of("a", "b", "c"))
                && a.saw("join", "b") && a.saw("join", "c") && c.saw("join", "a") && c.saw("join", "b"));
        assertThat(b.ml().members()).filteredOn(m -> m.name().equals("a")).singleElement()
                .satisfies(m -> assertThat(new String(m.meta(), StandardCharsets.UTF_8)).isEqualTo("zone=a"));
        // several probe rounds in both directions: nobody is suspected or declared dead
        Thread.sleep(6000);
        assertThat(b.events()).noneMatch(e -> e.kind().equals("leave"));
        assertThat(a.events).noneMatch(e -> e.kind().equals("leave"));
        assertThat(c.events).noneMatch(e -> e.kind().equals("leave"));
        assertThat(b.ml().members()).allMatch(m -> m.state() == Member.State.ALIVE);
    }

    /** MetalLB ≤ 0.13 (16-byte key, here with a Go node on protocol 1: encryption v0) and ≥ 0.14 (32-byte key). */
    @ParameterizedTest
    @ValueSource(strings = {"0.13", "0.14"})
    void encryptedWithMetallbDerivedKey(String version) throws Exception {
        String len = version.equals("0.13") ? "16" : "32";
        Agents.Agent a = agents.go("a", ip(1), PORT, "-metallb-secret", SECRET, "-metallb-key-len", len);
        agents.await("go a up", CONVERGE, () -> a.saw("join", "a"));
        Java b = java("b", 2, Keyring.metallbKey(SECRET, version));
        b.ml().join(List.of(addr(1)));
        Agents.Agent c = version.equals("0.13")
                ? agents.go("c", ip(3), PORT, "-metallb-secret", SECRET, "-metallb-key-len", len, "-join", addr(2), "-proto", "1", "-compress=false")
                : agents.go("c", ip(3), PORT, "-metallb-secret", SECRET, "-metallb-key-len", len, "-join", addr(2));
        agents.await("all three members everywhere", CONVERGE, () -> b.names().equals(List.of("a", "b", "c"))
                && a.saw("join", "b") && a.saw("join", "c") && c.saw("join", "b"));
        Thread.sleep(4000);
        assertThat(b.events()).noneMatch(e -> e.kind().equals("leave"));
        assertThat(a.events).noneMatch(e -> e.kind().equals("leave"));
        assertThat(c.events).noneMatch(e -> e.kind().equals("leave"));
    }

    @Test
    void killedGoNodeIsReportedDeadByJava() throws Exception {
        Agents.Agent a = agents.go("a", ip(1), PORT);
        agents.await("go a up", CONVERGE, () -> a.saw("join", "a"));
        Java b = java("b", 2, null);
        b.ml().join(List.of(addr(1)));
        Agents.Agent c = agents.go("c", ip(3), PORT, "-join", addr(1));
        agents.await("three members", CONVERGE, () -> b.names().size() == 3 && a.saw("join", "c") && c.saw("join", "b"));
        Thread.sleep(1500);
        long killed = System.currentTimeMillis();
        c.sigkill();
        agents.await("java and go see c dead", DETECT, () -> b.saw("leave", "c") && a.saw("leave", "c"));
        long javaMs = b.first("leave", "c") - killed, goMs = a.first("leave", "c") - killed;
        System.out.printf("event=detected victim=go observer=java ms=%d; observer=go ms=%d%n", javaMs, goMs);
        assertThat(javaMs).isGreaterThan(3000); // it took failure detection, not a leave message
        assertThat(b.names()).containsExactly("a", "b");
    }

    @Test
    void killedJavaNodeIsReportedDeadByGo() throws Exception {
        Agents.Agent a = agents.go("a", ip(1), PORT);
        agents.await("go a up", CONVERGE, () -> a.saw("join", "a"));
        Agents.Agent c = agents.go("c", ip(3), PORT, "-join", addr(1));
        Agents.Agent x = agents.java("x", ip(2), PORT, addr(1), null);
        agents.await("three members", Duration.ofSeconds(30), () -> x.saw("join", "a") && x.saw("join", "c")
                && a.saw("join", "x") && c.saw("join", "x"));
        Thread.sleep(1500);
        long killed = System.currentTimeMillis();
        x.sigkill();
        assertThat(x.process.waitFor(5, TimeUnit.SECONDS)).isTrue();
        agents.await("go nodes see the java node dead", DETECT, () -> a.saw("leave", "x") && c.saw("leave", "x"));
        System.out.printf("event=detected victim=java observer=go ms=%d,%d%n", a.first("leave", "x") - killed, c.first("leave", "x") - killed);
        assertThat(a.first("leave", "x") - killed).isGreaterThan(3000);
    }

    @Test
    void gracefulLeaveIsSeenAtOnceBothWays() throws Exception {
        Agents.Agent a = agents.go("a", ip(1), PORT);
        agents.await("go a up", CONVERGE, () -> a.saw("join", "a"));
        Java b = java("b", 2, null);
        b.ml().join(List.of(addr(1)));
        Agents.Agent c = agents.go("c", ip(3), PORT, "-join", addr(1));
        agents.await("three members", CONVERGE, () -> b.names().size() == 3 && a.saw("join", "c") && c.saw("join", "b"));
        long t0 = System.currentTimeMillis();
        c.sigterm();
        agents.await("java sees c leave", Duration.ofSeconds(5), () -> b.saw("leave", "c"));
        assertThat(b.first("leave", "c") - t0).isLessThan(2000); // well below failure detection (≥ 5 s)
        assertThat(b.ml().members()).extracting(Member::name).containsExactly("a", "b");

        long t1 = System.currentTimeMillis();
        b.ml().leave(Duration.ofSeconds(1));
        agents.await("go sees b leave", Duration.ofSeconds(5), () -> a.saw("leave", "b"));
        assertThat(a.first("leave", "b") - t1).isLessThan(2000);
        System.out.printf("event=graceful_leave go_to_java_ms=%d java_to_go_ms=%d%n", b.first("leave", "c") - t0, a.first("leave", "b") - t1);
    }

    @Test
    void aWrongKeyNeverJoins() throws Exception {
        byte[] k1 = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f"), k2 = HexFormat.of().parseHex("0f0e0d0c0b0a09080706050403020100");
        Agents.Agent a = agents.go("a", ip(1), PORT, "-key", HexFormat.of().formatHex(k1));
        agents.await("go a up", CONVERGE, () -> a.saw("join", "a"));
        Java b = java("b", 2, k2);
        assertThatThrownBy(() -> b.ml().join(List.of(addr(1)))).isInstanceOf(IOException.class).hasMessageContaining("could not join");
        Java plain = java("p", 4, null);
        assertThatThrownBy(() -> plain.ml().join(List.of(addr(1)))).isInstanceOf(IOException.class);
        Agents.Agent d = agents.go("d", ip(3), PORT, "-key", HexFormat.of().formatHex(k1), "-join", addr(2));
        assertThat(d.process.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(d.process.exitValue()).isEqualTo(3); // the Go agent's "join failed"
        Thread.sleep(2000);
        assertThat(a.saw("join", "b")).isFalse();
        assertThat(a.saw("join", "p")).isFalse();
        assertThat(b.names()).containsExactly("b");
        assertThat(plain.names()).containsExactly("p");
    }
}
