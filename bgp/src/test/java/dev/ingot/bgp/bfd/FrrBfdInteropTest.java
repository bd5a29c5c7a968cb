package dev.ingot.bgp.bfd;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Ingot's BFD against FRR's bfdd (8.4, Debian) in two network namespaces joined by a veth pair:
 * {@code <prefix>-j} (Java, 10.199.0.1) and {@code <prefix>-f} (zebra + bfdd, 10.199.0.2). A
 * single-hop and a multihop IPv4 session and a single-hop IPv6 session come Up at 300 ms × 3; freezing bfdd (SIGSTOP) and downing the
 * link each take the Java side Down (the time is measured and printed, not asserted tightly); after
 * SIGCONT / link up both come back. FRR's own view ({@code show bfd peers json}) is checked.
 * Needs root, iproute2 and frr; fails without them when CI=true, skips otherwise.
 */
class FrrBfdInteropTest {
    private static final String JAVA_IP = "10.199.0.1";
    private static final String FRR_IP = "10.199.0.2";
    private static final String JAVA_IP6 = "fd00:199::1";
    private static final String FRR_IP6 = "fd00:199::2";

    private final String prefix = "ingot-bfd-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt())
            .substring(0, 6);
    private final String nsJava = prefix + "-j";
    private final String nsFrr = prefix + "-f";
    private final Path dir = Path.of("/run", prefix);

    @Test
    void sessionsWithFrrComeUpDetectFreezeAndLinkDownAndRecover() throws Exception {
        requirePrerequisites();
        List<String> created = new ArrayList<>();
        BfdSessionManager manager = null;
        Process capture = null;
        try {
            buildNamespaces(created);
            String pcap = System.getProperty("ingot.bfd.interop.pcap"); // debugging aid: capture FRR's side
            if (pcap != null) {
                capture = new ProcessBuilder("ip", "netns", "exec", nsFrr, "tcpdump", "-i", "eth0", "-n", "-U", "-w",
                        pcap, "udp").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                Thread.sleep(500);
            }
            startFrr();
            BlockingQueue<BfdStateChange> changes = new LinkedBlockingQueue<>();
            manager = new BfdSessionManager(new SimpleMeterRegistry());
            BfdPeer single = BfdPeer.singleHop(InetAddress.getByName(FRR_IP), InetAddress.getByName(JAVA_IP));
            BfdPeer multi = BfdPeer.multihop(InetAddress.getByName(FRR_IP), InetAddress.getByName(JAVA_IP));
            BfdPeer single6 = BfdPeer.singleHop(InetAddress.getByName(FRR_IP6), InetAddress.getByName(JAVA_IP6));
            BfdProfile profile = BfdProfile.of("tor", 300, 300, 3, null, null, null, 254);
            BfdSessionManager m = manager;
            long start = System.nanoTime();
            BfdListener log = c -> System.out.printf("bfd-interop: %6d ms %s %s -> %s (%s)%n", ms(start), c.peer(),
                    c.from(), c.to(), c.diagnostic().text());
            NetNs.call(nsJava, () -> {
                m.open(single, profile, c -> {
                    log.stateChanged(c);
                    changes.add(c);
                });
                m.open(multi, profile, log);
                m.open(single6, profile, log);
                return null;
            });

            long t0 = System.nanoTime();
            awaitState(manager, single, BfdState.UP, 15_000);
            awaitState(manager, multi, BfdState.UP, 15_000);
            System.out.printf("bfd-interop: up after %d ms%n", ms(t0));
            awaitState(manager, single6, BfdState.UP, 15_000);
            awaitFrr(JAVA_IP6, false, "up", 5_000);
            // FRR's view: both Up at the negotiated 300/300 x 3, and it knows our discriminator.
            awaitFrr(JAVA_IP, false, "up", 5_000);
            awaitFrr(JAVA_IP, true, "up", 5_000);
            String peers = vtysh("show bfd peers json");
            System.out.println("bfd-interop: FRR show bfd peers json: " + peers.replaceAll("\\s+", " "));
            String frrSingle = frrPeer(peers, JAVA_IP, false);
            assertThat(intField(frrSingle, "receive-interval")).isEqualTo(300);
            assertThat(intField(frrSingle, "transmit-interval")).isEqualTo(300);
            assertThat(intField(frrSingle, "detect-multiplier")).isEqualTo(3);
            assertThat(intField(frrSingle, "remote-receive-interval")).isEqualTo(300);
            assertThat(intField(frrSingle, "remote-transmit-interval")).isEqualTo(300);
            assertThat(intField(frrSingle, "remote-detect-multiplier")).isEqualTo(3);
            BfdSessionStatus ours = manager.status(single).orElseThrow();
            assertThat(intField(frrSingle, "remote-id")).isEqualTo(ours.localDiscriminator());
            assertThat(intField(frrSingle, "id")).isEqualTo(ours.remoteDiscriminator());
            awaitTrue("our side runs at 300 ms after the Poll Sequence", 5_000,
                    () -> m.status(single).orElseThrow().transmitIntervalUs() == 300_000
                            && m.status(single).orElseThrow().detectionTimeUs() == 900_000);
            changes.clear();

            // Each round: freeze bfdd, down the link, block our own BFD thread. -Dingot.bfd.interop.rounds=N repeats them to
            // collect detection times (docs/performance.md); the default run does one round.
            int rounds = Integer.getInteger("ingot.bfd.interop.rounds", 1);
            String bfddPid = Files.readString(dir.resolve("bfdd.pid")).trim();
            for (int round = 1; round <= rounds; round++) {
                // 1. bfdd frozen: no FIN, no AdminDown, just silence.
                awaitQuiet(manager, single, changes);
                long stopAt = System.nanoTime();
                run("kill", "-STOP", bfddPid);
                BfdStateChange down = changes.poll(10, TimeUnit.SECONDS);
                long freezeMs = ms(stopAt);
                assertThat(down).as("Down after SIGSTOP").isNotNull();
                assertThat(down.pathFailed()).isTrue();
                assertThat(down.diagnostic()).isEqualTo(BfdDiagnostic.CONTROL_DETECTION_TIME_EXPIRED);
                System.out.printf("bfd-interop: round %d: SIGSTOP bfdd -> Java Down after %d ms (detection time 900 ms)%n",
                        round, freezeMs);
                run("kill", "-CONT", bfddPid);
                long contAt = System.nanoTime();
                awaitState(manager, single, BfdState.UP, 20_000);
                System.out.printf("bfd-interop: SIGCONT -> Up again after %d ms%n", ms(contAt));
                awaitFrr(JAVA_IP, false, "up", 5_000);
                changes.clear();

                // 2. link down on FRR's side of the veth: the node vanishes.
                awaitQuiet(manager, single, changes);
                long linkAt = System.nanoTime();
                run("ip", "-n", nsFrr, "link", "set", "eth0", "down");
                down = changes.poll(10, TimeUnit.SECONDS);
                long linkMs = ms(linkAt);
                assertThat(down).as("Down after link down").isNotNull();
                assertThat(down.pathFailed()).isTrue();
                assertThat(down.diagnostic()).isEqualTo(BfdDiagnostic.CONTROL_DETECTION_TIME_EXPIRED);
                System.out.printf("bfd-interop: round %d: link down -> Java Down after %d ms (detection time 900 ms)%n",
                        round, linkMs);
                run("ip", "-n", nsFrr, "link", "set", "eth0", "up");
                long upAt = System.nanoTime();
                awaitState(manager, single, BfdState.UP, 20_000);
                System.out.printf("bfd-interop: link up -> Up again after %d ms%n", ms(upAt));
                awaitFrr(JAVA_IP, false, "up", 5_000);
                awaitState(manager, multi, BfdState.UP, 20_000);

                // 3. Ingot hung (its BFD thread blocked, as in a long GC pause or a frozen pod): the
                // switch's view. FRR must declare the session down on its own detection time.
                awaitQuiet(manager, single, changes);
                long hangAt = System.nanoTime();
                manager.eventLoop().execute(() -> {
                    try {
                        Thread.sleep(2_500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                awaitFrr(JAVA_IP, false, "down", 5_000);
                System.out.printf("bfd-interop: round %d: Ingot's BFD thread blocked -> FRR Down after %d ms"
                        + " (detection time 900 ms, polled via vtysh)%n", round, ms(hangAt));
                awaitState(manager, single, BfdState.UP, 20_000);
                awaitFrr(JAVA_IP, false, "up", 5_000);
                changes.clear();
            }

            String flaps = Files.readString(dir.resolve("bfdd.log")).lines()
                    .filter(l -> l.contains("mhop:no peer:" + JAVA_IP + " ") && l.contains("up -> down"))
                    .map(l -> l.replaceAll(".*reason:", "")).toList().toString();
            System.out.printf("bfd-interop: FRR's single-hop session left Up %s (expected 3 per round)%n", flaps);

            // 3. Closing our side tells FRR AdminDown; FRR reports the peer down, not a failure of its own.
            manager.close(single);
            awaitFrr(JAVA_IP, false, "down", 5_000);
            System.out.println("bfd-interop: FRR after our AdminDown: "
                    + frrPeer(vtysh("show bfd peers json"), JAVA_IP, false).replaceAll("\\s+", " "));
        } catch (Throwable t) {
            Path bfddLog = dir.resolve("bfdd.log");
            if (Files.exists(bfddLog)) {
                System.out.println("bfd-interop: bfdd.log:\n" + Files.readString(bfddLog));
            }
            throw t;
        } finally {
            if (manager != null) {
                manager.close();
            }
            String keepLog = System.getProperty("ingot.bfd.interop.bfdd-log"); // debugging aid
            if (keepLog != null && Files.exists(dir.resolve("bfdd.log"))) {
                Files.copy(dir.resolve("bfdd.log"), Path.of(keepLog), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            if (capture != null) {
                capture.destroy();
                capture.waitFor(5, TimeUnit.SECONDS);
            }
            cleanUp(created);
        }
    }

    // ---- lab ---------------------------------------------------------------------------------

    private void requirePrerequisites() throws Exception {
        List<String> missing = new ArrayList<>();
        if (!"0".equals(run("id", "-u").trim())) {
            missing.add("root");
        }
        for (String bin : List.of("/usr/sbin/ip", "/usr/lib/frr/zebra", "/usr/lib/frr/bfdd", "/usr/bin/vtysh")) {
            if (!Files.isExecutable(Path.of(bin)) && !(bin.endsWith("/ip") && Files.isExecutable(Path.of("/sbin/ip")))) {
                missing.add(bin);
            }
        }
        if (!missing.isEmpty()) {
            String why = "FRR BFD interop test needs " + String.join(", ", missing)
                    + " (Debian packages iproute2 and frr, run as root)";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
    }

    private void buildNamespaces(List<String> created) throws Exception {
        for (String ns : List.of(nsJava, nsFrr)) {
            run("ip", "netns", "add", ns);
            created.add(ns);
            run("ip", "-n", ns, "link", "set", "lo", "up");
        }
        run("ip", "-n", nsJava, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", nsFrr);
        run("ip", "-n", nsJava, "addr", "add", JAVA_IP + "/30", "dev", "eth0");
        run("ip", "-n", nsFrr, "addr", "add", FRR_IP + "/30", "dev", "eth0");
        run("ip", "-n", nsJava, "addr", "add", JAVA_IP6 + "/64", "dev", "eth0", "nodad");
        run("ip", "-n", nsFrr, "addr", "add", FRR_IP6 + "/64", "dev", "eth0", "nodad");
        run("ip", "-n", nsJava, "link", "set", "eth0", "up");
        run("ip", "-n", nsFrr, "link", "set", "eth0", "up");
    }

    private void startFrr() throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("zebra.conf"), "hostname " + prefix + "\n");
        Files.writeString(dir.resolve("bfdd.conf"), """
                frr defaults traditional
                hostname %1$s
                log file %2$s/bfdd.log debugging
                debug bfd peer
                debug bfd network
                debug bfd zebra
                !
                bfd
                 peer %3$s local-address %4$s
                  receive-interval 300
                  transmit-interval 300
                  detect-multiplier 3
                 exit
                 !
                 peer %3$s multihop local-address %4$s
                  receive-interval 300
                  transmit-interval 300
                  detect-multiplier 3
                 exit
                 !
                 peer %5$s local-address %6$s
                  receive-interval 300
                  transmit-interval 300
                  detect-multiplier 3
                 exit
                 !
                exit
                !
                """.formatted(prefix, dir, JAVA_IP, FRR_IP, JAVA_IP6, FRR_IP6));
        run("chown", "-R", "frr:frr", dir.toString());
        for (String d : List.of("zebra", "bfdd")) {
            List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", nsFrr, "/usr/lib/frr/" + d, "-d",
                    "-F", "traditional", "-f", dir + "/" + d + ".conf", "-i", dir + "/" + d + ".pid",
                    "-z", dir + "/zserv.api", "--vty_socket", dir.toString(), "-A", "127.0.0.1", "-P", "0",
                    "--log", "file:" + dir + "/" + d + ".log"));
            if (d.equals("zebra")) {
                cmd.addAll(List.of("-s", "16777216"));
            }
            run(cmd.toArray(String[]::new));
            awaitTrue(d + " pid file", 10_000, () -> Files.exists(dir.resolve(d + ".pid")));
        }
        awaitTrue("bfdd answers vtysh", 10_000, () -> {
            try {
                return vtysh("show bfd peers json").trim().startsWith("[");
            } catch (Exception e) {
                return false;
            }
        });
    }

    private void cleanUp(List<String> created) {
        for (String d : List.of("bfdd", "zebra")) {
            try {
                Path pidFile = dir.resolve(d + ".pid");
                if (Files.exists(pidFile)) {
                    String pid = Files.readString(pidFile).trim();
                    runQuietly("kill", "-CONT", pid);
                    runQuietly("kill", "-TERM", pid);
                    for (int i = 0; i < 50 && Files.exists(Path.of("/proc", pid)); i++) {
                        Thread.sleep(20);
                    }
                    runQuietly("kill", "-KILL", pid);
                }
            } catch (Exception e) {
                System.err.println("bfd-interop: cleanup of " + d + ": " + e);
            }
        }
        for (String ns : created) {
            try {
                for (String pid : run("ip", "netns", "pids", ns).split("\\s+")) {
                    if (!pid.isBlank()) {
                        runQuietly("kill", "-KILL", pid);
                    }
                }
            } catch (Exception e) {
                System.err.println("bfd-interop: pids of " + ns + ": " + e);
            }
            runQuietly("ip", "netns", "del", ns);
        }
        runQuietly("rm", "-rf", dir.toString());
    }

    // ---- FRR's view --------------------------------------------------------------------------

    private String vtysh(String command) throws Exception {
        return run("vtysh", "--vty_socket", dir.toString(), "-c", command);
    }

    /** The JSON object of one peer in {@code show bfd peers json} (a flat array of flat objects). */
    private static String frrPeer(String json, String peer, boolean multihop) {
        Matcher m = Pattern.compile("\\{[^{}]*}").matcher(json);
        while (m.find()) {
            String o = m.group();
            if (o.matches("(?s).*\"peer\"\\s*:\\s*\"" + Pattern.quote(peer) + "\".*")
                    && o.matches("(?s).*\"multihop\"\\s*:\\s*" + multihop + ".*")) {
                return o;
            }
        }
        return "";
    }

    private static long intField(String object, String field) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*(\\d+)").matcher(object);
        assertThat(m.find()).as(field + " in " + object).isTrue();
        return Long.parseLong(m.group(1));
    }

    private void awaitFrr(String peer, boolean multihop, String status, long timeoutMs) throws Exception {
        awaitTrue("FRR sees " + peer + (multihop ? " (multihop)" : "") + " " + status, timeoutMs, () -> {
            try {
                return frrPeer(vtysh("show bfd peers json"), peer, multihop)
                        .matches("(?s).*\"status\"\\s*:\\s*\"" + status + "\".*");
            } catch (Exception e) {
                return false;
            }
        });
    }

    // ---- helpers -----------------------------------------------------------------------------

    interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitTrue(String what, long timeoutMs, Check check) throws Exception {
        long end = System.nanoTime() + timeoutMs * 1_000_000;
        while (!check.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /**
     * Waits until the session has been Up with no state change for 1.5 s. bfdd re-evaluates its
     * sessions when zebra reports interface and address events (after its start and after link up)
     * and may flap a fresh session once; a failure round must start from a settled session.
     */
    private static void awaitQuiet(BfdSessionManager m, BfdPeer p, BlockingQueue<BfdStateChange> changes)
            throws Exception {
        for (int i = 0; i < 10; i++) {
            changes.clear();
            Thread.sleep(1_500);
            if (changes.isEmpty() && m.status(p).orElseThrow().state() == BfdState.UP) {
                return;
            }
            System.out.println("bfd-interop: not settled yet, changes: " + changes);
        }
        throw new AssertionError(p + " did not settle in Up for 1.5 s within 15 s");
    }

    private static void awaitState(BfdSessionManager m, BfdPeer p, BfdState s, long timeoutMs) throws Exception {
        awaitTrue(p + " " + s, timeoutMs, () -> m.status(p).orElseThrow().state() == s);
    }

    private static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", cmd));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private static void runQuietly(String... cmd) {
        try {
            run(cmd);
        } catch (Exception e) {
            // best effort during clean-up
        }
    }
}
