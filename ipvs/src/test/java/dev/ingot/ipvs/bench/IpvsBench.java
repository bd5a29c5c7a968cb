package dev.ingot.ipvs.bench;

import dev.ingot.ipvs.ApplyResult;
import dev.ingot.ipvs.Dataplane;
import dev.ingot.ipvs.DataplaneOptions;
import dev.ingot.ipvs.Forwarding;
import dev.ingot.ipvs.Prefix;
import dev.ingot.ipvs.Protocol;
import dev.ingot.ipvs.RealServer;
import dev.ingot.ipvs.Scheduler;
import dev.ingot.ipvs.VirtualService;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The IPVS bench (run by ipvs/bench inside the kernel VM, in a fresh network namespace): apply N virtual services
 * with 3 real servers each from empty, then change 1% of them, through {@link Dataplane}; or write the same two steps
 * as ipvsadm -R restore files, so that ipvsadm can do the same work in the same guest.
 *
 * <p>usage: IpvsBench java|java-quick N | IpvsBench files N DIR (java-quick skips the full-read figures)
 */
public final class IpvsBench {
    private IpvsBench() {}

    static InetAddress v4(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    static InetAddress vip(int i) {
        return v4(172, 20, i / 256, i % 256);
    }

    static InetAddress backend(int i, int j) {
        int n = i * 3 + j;
        return v4(10, 233, n / 256 % 256, n % 256);
    }

    public static List<VirtualService> initial(int n) {
        List<VirtualService> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<RealServer> rs = new ArrayList<>(3);
            for (int j = 0; j < 3; j++) {
                rs.add(new RealServer(backend(i, j), 8080 + (i * 3 + j) / 65536, 1, Forwarding.MASQ));
            }
            out.add(VirtualService.of(Protocol.TCP, vip(i), 80, Scheduler.RR, rs));
        }
        return out;
    }

    /** Every 100th service: its first real server replaced by another, its second one weighted 5. */
    static List<VirtualService> changed(List<VirtualService> initial) {
        List<VirtualService> out = new ArrayList<>(initial);
        for (int i = 0; i < out.size(); i += 100) {
            VirtualService v = out.get(i);
            List<RealServer> rs = new ArrayList<>(v.realServers());
            RealServer first = rs.getFirst();
            rs.set(0, new RealServer(first.address(), first.port() + 1000, 1, Forwarding.MASQ));
            RealServer second = rs.get(1);
            rs.set(1, new RealServer(second.address(), second.port(), 5, Forwarding.MASQ));
            out.set(i, v.withRealServers(rs));
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "java";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        List<VirtualService> initial = initial(n);
        List<VirtualService> changed = changed(initial);
        if (mode.equals("files")) {
            writeFiles(initial, changed, Path.of(args[2]));
            return;
        }
        DataplaneOptions opts = DataplaneOptions.owning(List.of(Prefix.parse("172.20.0.0/16")));
        List<VirtualService> delta = new ArrayList<>();
        for (int i = 0; i < n; i += 100) {
            delta.add(changed.get(i));
        }
        List<VirtualService> deltaBack = new ArrayList<>();
        for (int i = 0; i < n; i += 100) {
            deltaBack.add(initial.get(i));
        }
        try (Dataplane dp = Dataplane.open(opts)) {
            report("java apply from empty", dp.apply(initial));
            // A daemon applies again and again: report the first run and the median of 7 (JIT-warm) runs.
            series("java 1% update, apply(all services)", () -> dp.apply(changed), () -> dp.apply(initial));
            series("java 1% update, update(changed only)", () -> dp.update(delta, List.of()),
                    () -> dp.update(deltaBack, List.of()));
            if (!mode.equals("java-quick")) {
                report("java no-op reconcile (full kernel read)", dp.reconcile(initial));
                report("java 1% update after a full read", dp.reconcile(changed));
            }
            report("java delete everything", dp.apply(List.of()));
        }
    }

    interface Step {
        ApplyResult run() throws Exception;
    }

    static void series(String what, Step forth, Step back) throws Exception {
        List<Long> times = new ArrayList<>();
        int changes = 0;
        for (int i = 0; i < 7; i++) {
            ApplyResult r = forth.run();
            times.add(r.nanos());
            changes = r.changes();
            back.run();
        }
        long first = times.getFirst();
        List<Long> sorted = new ArrayList<>(times);
        sorted.sort(null);
        System.out.printf(Locale.ROOT, "%-40s %8.3f s  %6d changes  (first run %.3f s, min %.3f s)%n", what,
                sorted.get(3) / 1e9, changes, first / 1e9, sorted.getFirst() / 1e9);
    }

    static void report(String what, ApplyResult r) {
        System.out.printf(Locale.ROOT, "%-40s %8.3f s  %6d changes%n", what, r.nanos() / 1e9, r.changes());
    }

    static void writeFiles(List<VirtualService> initial, List<VirtualService> changed, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("full.rules")))) {
            for (VirtualService v : initial) {
                String svc = v.address().getHostAddress() + ":" + v.port();
                w.println("-A -t " + svc + " -s rr");
                for (RealServer r : v.realServers()) {
                    w.println("-a -t " + svc + " -r " + r.address().getHostAddress() + ":" + r.port() + " -m -w "
                            + r.weight());
                }
            }
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve("update.rules")))) {
            for (int i = 0; i < initial.size(); i += 100) {
                VirtualService before = initial.get(i);
                VirtualService after = changed.get(i);
                String svc = before.address().getHostAddress() + ":" + before.port();
                RealServer gone = before.realServers().get(0);
                RealServer added = after.realServers().get(0);
                RealServer weighted = after.realServers().get(1);
                w.println("-d -t " + svc + " -r " + gone.address().getHostAddress() + ":" + gone.port());
                w.println("-a -t " + svc + " -r " + added.address().getHostAddress() + ":" + added.port()
                        + " -m -w 1");
                w.println("-e -t " + svc + " -r " + weighted.address().getHostAddress() + ":" + weighted.port()
                        + " -m -w 5");
            }
        }
    }
}
