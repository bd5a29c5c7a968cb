package dev.ingot.cli;

import dev.ingot.bgp.Advertisement;
import dev.ingot.bgp.Session;
import dev.ingot.bgp.SessionConfig;
import dev.ingot.bgp.SessionListener;
import dev.ingot.bgp.SessionManager;
import dev.ingot.bgp.SessionState;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.PathAttribute.LargeCommunity;
import dev.ingot.bgp.codec.Prefix;
import java.io.PrintWriter;
import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ingot bgp ...}: operator tools of the bgp module. */
@Command(name = "bgp", mixinStandardHelpOptions = true, description = "BGP tools.",
        subcommands = {BgpCommand.Announce.class})
public final class BgpCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
    }

    @Command(name = "announce", mixinStandardHelpOptions = true,
            description = {"Opens one BGP session and announces the given /32 (/128) routes, printing every state change "
                    + "and NOTIFICATION on one line, until interrupted or --duration ends (then Cease/Administrative Shutdown).",
                    "Use it to check a switch's configuration before installing anything."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:ended by --duration or interrupt", "1:error", "2:usage error"})
    static final class Announce implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Option(names = "--peer", required = true, paramLabel = "ADDR", description = "Peer address.")
        String peer;
        @Option(names = "--peer-asn", required = true, paramLabel = "N", description = "Peer ASN.")
        long peerAsn;
        @Option(names = "--my-asn", required = true, paramLabel = "N", description = "Our ASN.")
        long myAsn;
        @Option(names = "--port", defaultValue = "179", paramLabel = "P", description = "Peer port (default ${DEFAULT-VALUE}).")
        int port;
        @Option(names = "--source", paramLabel = "ADDR", description = "Local address to connect from.")
        String source;
        @Option(names = "--password", paramLabel = "KEY", description = "TCP MD5 key (RFC 2385).")
        String password;
        @Option(names = "--hold-time", defaultValue = "90", paramLabel = "S", description = "Hold time offered, seconds (default ${DEFAULT-VALUE}).")
        int holdTime;
        @Option(names = "--keepalive-time", paramLabel = "S", description = "Keepalive interval, seconds (default: hold/3).")
        Integer keepalive;
        @Option(names = "--router-id", paramLabel = "A.B.C.D", description = "BGP Identifier (default: the local address).")
        String routerId;
        @Option(names = "--community", paramLabel = "C", description = "Community ASN:value or well-known name; repeatable.")
        List<String> communities = new ArrayList<>();
        @Option(names = "--large-community", paramLabel = "G:L1:L2", description = "Large community; repeatable.")
        List<String> largeCommunities = new ArrayList<>();
        @Option(names = "--local-pref", paramLabel = "N", description = "LOCAL_PREF (sent to iBGP peers only).")
        Long localPref;
        @Option(names = "--ebgp-multihop", description = "Send with TTL 255 to an eBGP peer.")
        boolean multihop;
        @Option(names = "--count", paramLabel = "N", description = "Announce N consecutive host routes starting at --from.")
        Integer count;
        @Option(names = "--from", paramLabel = "PREFIX", description = "First host route for --count.")
        String from;
        @Option(names = "--duration", paramLabel = "S", description = "Stop after S seconds (default: until interrupted).")
        Integer duration;
        @Parameters(paramLabel = "PREFIX", description = "Routes to announce.")
        List<String> prefixes = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<Advertisement> advs;
            SessionConfig cfg;
            try {
                advs = advertisements();
                var b = SessionConfig.builder(InetAddress.getByName(literal(peer, "--peer")), peerAsn, myAsn).peerPort(port)
                        .holdTime(Duration.ofSeconds(holdTime)).password(password).ebgpMultihop(multihop);
                if (source != null) b.sourceAddress(InetAddress.getByName(literal(source, "--source")));
                if (keepalive != null) b.keepaliveTime(Duration.ofSeconds(keepalive));
                if (routerId != null) {
                    if (!(InetAddress.getByName(literal(routerId, "--router-id")) instanceof Inet4Address id)) {
                        throw new IllegalArgumentException("--router-id must be an IPv4 address");
                    }
                    b.routerId(id);
                }
                cfg = b.build();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            CountDownLatch done = new CountDownLatch(1);
            SessionManager m = SessionManager.builder().build();
            m.addListener(new SessionListener() {
                @Override public void stateChanged(Session s, SessionState from, SessionState to, String reason) {
                    line(out, "peer=" + s.peer() + " state=" + to + " from=" + from + " reason=\"" + reason + "\""
                            + (to == SessionState.ESTABLISHED ? " announcing=" + s.pendingPrefixes() : ""));
                }
                @Override public void notificationSent(Session s, Notification n) {
                    line(out, "peer=" + s.peer() + " notification_sent=\"" + n.describe() + "\"");
                }
                @Override public void notificationReceived(Session s, Notification n) {
                    line(out, "peer=" + s.peer() + " notification_received=\"" + n.describe() + "\"");
                }
            });
            Thread hook = new Thread(() -> {
                m.close("ingot bgp announce interrupted");
                done.countDown();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            m.setPeers(List.of(cfg));
            var conflicts = m.setAdvertisements(advs);
            conflicts.forEach(c -> line(out, "conflict prefix=" + c.prefix() + " decision=\"" + c.decision() + "\""));
            line(out, "peer=" + cfg.key() + " routes=" + advs.size() + " starting");
            if (duration != null) {
                if (!done.await(duration, TimeUnit.SECONDS)) {
                    m.close("ingot bgp announce: --duration " + duration + " s ended");
                    line(out, "peer=" + cfg.key() + " stopped after " + duration + " s");
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
            } else {
                done.await();
            }
            return 0;
        }

        private static void line(PrintWriter out, String s) {
            synchronized (out) {
                out.println(Instant.now() + " " + s);
                out.flush();
            }
        }

        private static String literal(String s, String flag) {
            if (!s.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException(flag + " must be an IP address, not \"" + s + "\"");
            return s;
        }

        private List<Advertisement> advertisements() {
            List<Long> comms = communities.stream().map(Advertisement::community).toList();
            List<LargeCommunity> large = largeCommunities.stream().map(LargeCommunity::parse).toList();
            List<Prefix> ps = new ArrayList<>();
            prefixes.forEach(p -> ps.add(Prefix.parse(p)));
            if ((count == null) != (from == null)) throw new IllegalArgumentException("--count and --from go together");
            if (count != null) {
                if (count < 1 || count > 10_000_000) throw new IllegalArgumentException("--count must be 1..10000000");
                Prefix start = Prefix.parse(from);
                int bits = start.addressBytes().length * 8;
                BigInteger a = new BigInteger(1, start.addressBytes());
                if (a.add(BigInteger.valueOf(count - 1)).bitLength() > bits) throw new IllegalArgumentException("--count runs past the end of the address space");
                for (int i = 0; i < count; i++) {
                    byte[] raw = a.add(BigInteger.valueOf(i)).toByteArray();
                    byte[] addr = new byte[bits / 8];
                    int n = Math.min(raw.length, addr.length);
                    System.arraycopy(raw, raw.length - n, addr, addr.length - n, n);
                    ps.add(Prefix.of(addr, bits));
                }
            }
            if (ps.isEmpty()) throw new IllegalArgumentException("give routes to announce: PREFIX... or --count N --from PREFIX");
            List<Advertisement> out = new ArrayList<>(ps.size());
            for (Prefix p : ps) out.add(new Advertisement(p, localPref, comms, large, List.of()));
            return out;
        }
    }
}
