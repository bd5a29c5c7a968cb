package dev.ingot.lab;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code lab/bench}: runs inside the switch's namespace, so that it sees the switch's kernel FIB directly. It creates
 * LoadBalancer Services with one endpoint per node through the lab's API and measures the time from the create call
 * to the /32 being in the switch's FIB with all its next hops: first one Service at a time, then many at once.
 */
final class Bench {
    private Bench() {}

    /** Writers creating the bulk's objects at once, as many clients (or a CI pipeline applying a directory) would. */
    static final int WRITERS = 16;

    static void run(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("bench KUBECONFIG SEQUENTIAL BULK NEXTHOPS");
        }
        int sequential = Integer.parseInt(args[2]);
        int bulk = Integer.parseInt(args[3]);
        int hops = Integer.parseInt(args[4]);
        // names unique to this run, so that the bench can run again on the same rack
        String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);
        Creator creator = new Creator(Config.fromKubeconfig(Files.readString(Path.of(args[1]))));
        try (KubernetesClient client = LabTool.client(args[1])) {
            List<Long> ms = new ArrayList<>();
            for (int i = 0; i < sequential; i++) {
                String name = "seq-" + run + "-" + i;
                long t0 = System.nanoTime();
                creator.create(name, i);
                String ip = awaitIp(client, name, 30_000);
                while (Routes.dump().hops(ip) < hops) {
                    if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(30)) {
                        throw new IllegalStateException(name + " (" + ip + ") did not reach " + hops
                                + " next hops in 30 s");
                    }
                    Thread.sleep(5);
                }
                ms.add((System.nanoTime() - t0) / 1_000_000);
            }
            if (!ms.isEmpty()) {
                List<Long> sorted = new ArrayList<>(ms);
                Collections.sort(sorted);
                System.out.printf("{\"bench\":\"service-to-fib\",\"services\":%d,\"nexthops\":%d,\"median_ms\":%d,"
                        + "\"worst_ms\":%d,\"best_ms\":%d,\"all_ms\":%s}%n", ms.size(), hops,
                        sorted.get(sorted.size() / 2), sorted.getLast(), sorted.getFirst(), ms);
            }
        }
        if (bulk > 0) {
            bulk(creator, "bulk-" + run + "-", bulk, hops, Path.of(args[1]).toAbsolutePath().getParent());
        }
    }

    /**
     * Creates {@code n} Services (each with its EndpointSlice) from {@link #WRITERS} threads and measures, from the
     * first create request, when every one of their /32s is in the switch's FIB with {@code hops} next hops. The FIB
     * is followed with {@code ip monitor route}: a full dump of 10,000 multipath routes costs about 60 ms of CPU, and
     * polling it every 100 ms would take half a core from what is measured.
     */
    static void bulk(Creator creator, String prefix, int n, int hops, Path state) throws Exception {
        try (FibMonitor fib = FibMonitor.start(hops)) {
            int before = fib.complete();
            AtomicLong lastCreate = new AtomicLong();
            Cpu cpu = new Cpu(state);
            long t0 = System.nanoTime();
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                int first = w;
                done.add(writers.submit(() -> {
                    for (int i = first; i < n; i += WRITERS) {
                        creator.create(prefix + i, 1000 + i);
                    }
                    lastCreate.accumulateAndGet(System.nanoTime(), Math::max);
                    return null;
                }));
            }
            writers.shutdown();
            for (Future<?> f : done) {
                f.get();
            }
            long created = (lastCreate.get() - t0) / 1_000_000;
            int complete;
            long report = System.nanoTime();
            while ((complete = fib.complete() - before) < n) {
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(600)) {
                    throw new IllegalStateException("bulk: only " + complete + " of " + n + " in 600 s");
                }
                if (System.nanoTime() - report > TimeUnit.SECONDS.toNanos(10)) {
                    System.err.printf("bulk: %d of %d in the FIB after %d s%n", complete, n,
                            (System.nanoTime() - t0) / 1_000_000_000L);
                    report = System.nanoTime();
                }
                Thread.sleep(10);
            }
            long all = (fib.lastCompletion() - t0) / 1_000_000;
            System.out.printf("{\"bench\":\"bulk-service-to-fib\",\"services\":%d,\"nexthops\":%d,\"writers\":%d,"
                    + "\"api_create_ms\":%d,\"all_in_fib_ms\":%d,\"fib_resyncs\":%d,%s}%n", n, hops, WRITERS,
                    created, all, fib.resyncs(), cpu.since());
        }
    }

    /**
     * Creates a Service and its EndpointSlice by POSTing their JSON, as kubectl would. The fabric8 client costs the
     * bench about a millisecond of CPU per object (as much as the API server spends on it), which on a small machine
     * would be measured as Ingot's time.
     */
    static final class Creator {
        private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        private final String base;
        private final String token;

        Creator(Config config) {
            String url = config.getMasterUrl();
            this.base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            this.token = config.getAutoOAuthToken();
        }

        void create(String name, int i) throws IOException, InterruptedException {
            String cip = "10.97." + (i / 250) + "." + (i % 250 + 1);
            StringBuilder endpoints = new StringBuilder();
            for (int node = 1; node <= 3; node++) {
                endpoints.append(node == 1 ? "" : ",").append("{\"addresses\":[\"10.244.").append(node)
                        .append(".10\"],\"nodeName\":\"node").append(node).append("\",\"conditions\":{\"ready\":true}}");
            }
            post("/apis/discovery.k8s.io/v1/namespaces/bench/endpointslices", """
                    {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"%s-1",\
                    "namespace":"bench","labels":{"kubernetes.io/service-name":"%s"}},"addressType":"IPv4",\
                    "ports":[{"name":"http","protocol":"TCP","port":8080}],"endpoints":[%s]}"""
                    .formatted(name, name, endpoints));
            post("/api/v1/namespaces/bench/services", """
                    {"apiVersion":"v1","kind":"Service","metadata":{"name":"%s","namespace":"bench"},\
                    "spec":{"type":"LoadBalancer","clusterIP":"%s","clusterIPs":["%s"],"ipFamilies":["IPv4"],\
                    "ports":[{"name":"http","protocol":"TCP","port":80}]}}""".formatted(name, cip, cip));
        }

        private void post(String path, String json) throws IOException, InterruptedException {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(java.time.Duration
                    .ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json));
            if (token != null && !token.isEmpty()) {
                b.header("Authorization", "Bearer " + token);
            }
            HttpRequest request = b.build();
            for (int attempt = 1; ; attempt++) {
                try {
                    int code = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    // 409 on a retry: the first attempt landed (names are unique to the run)
                    if (code == 201 || code == 200 || (attempt > 1 && code == 409)) {
                        return;
                    }
                    throw new IOException("POST " + path + " answered " + code);
                } catch (IOException e) {
                    if (attempt == 3) {
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * Where the CPU went: CPU seconds of each lab process (their pid files in the rack's state directory), of this
     * bench, and of the whole machine (others' work included), with the load average, since construction.
     */
    static final class Cpu {
        private final Map<String, Long> pids = new java.util.TreeMap<>();
        private final Map<String, Long> start = new HashMap<>();
        private final long machine;
        private final long self;
        private final String load;

        Cpu(Path state) throws IOException {
            for (Path dir : List.of(state, state.resolve("tor"))) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                        String name = f.getFileName().toString().replace(".pid", "");
                        if (!name.startsWith("pod")) {
                            pids.put(name, Long.parseLong(Files.readString(f).strip()));
                        }
                    }
                } catch (IOException | NumberFormatException e) {
                    // no such directory, or a pid file being rewritten: that process is left out
                }
            }
            pids.forEach((name, pid) -> start.put(name, ticks(pid)));
            machine = busy();
            self = selfNanos();
            load = load();
        }

        /** JSON members: cpu_s per process, bench_cpu_s, machine_busy_cpu_s, load averages at start and end. */
        String since() {
            StringBuilder b = new StringBuilder("\"cpu_s\":{");
            pids.forEach((name, pid) -> b.append(b.charAt(b.length() - 1) == '{' ? "" : ",").append('"').append(name)
                    .append("\":").append(String.format(java.util.Locale.ROOT, "%.1f",
                            (ticks(pid) - start.get(name)) / 100.0)));
            return b.append(String.format(java.util.Locale.ROOT, "},\"bench_cpu_s\":%.1f,\"machine_busy_cpu_s\":%.1f,"
                    + "\"cores\":%d,\"load_start\":\"%s\",\"load_end\":\"%s\"", (selfNanos() - self) / 1e9,
                    (busy() - machine) / 100.0, Runtime.getRuntime().availableProcessors(), load, load())).toString();
        }

        /** utime + stime in clock ticks (USER_HZ, 100 on Linux), 0 when the process is gone. */
        private static long ticks(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]);
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        /** Busy ticks of all CPUs (user, nice, system, irq, softirq, steal). */
        private static long busy() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
                return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                        + Long.parseLong(f[7]) + Long.parseLong(f[8]);
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        private static long selfNanos() {
            return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                    .getOperatingSystemMXBean()).getProcessCpuTime();
        }

        private static String load() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
                return f[0] + " " + f[1] + " " + f[2];
            } catch (IOException e) {
                return "";
            }
        }
    }

    static String awaitIp(KubernetesClient client, String name, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            Service s = client.services().inNamespace("bench").withName(name).get();
            if (s != null && s.getStatus() != null && s.getStatus().getLoadBalancer() != null
                    && s.getStatus().getLoadBalancer().getIngress() != null
                    && !s.getStatus().getLoadBalancer().getIngress().isEmpty()) {
                return s.getStatus().getLoadBalancer().getIngress().getFirst().getIp();
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException(name + " got no IP in " + timeoutMs + " ms");
    }

    /**
     * The switch's BGP routes, from {@code ip -o route} lines (a full dump, or {@code ip monitor route} messages):
     * destination to its number of next hops, and the routes that have {@code hops} of them.
     */
    static class Routes {
        private final int hops;
        private final Map<String, Integer> routes = new HashMap<>();
        private final Set<String> complete = new HashSet<>();
        private long lastCompletion;

        Routes(int hops) {
            this.hops = hops;
        }

        /** The switch's FIB now. */
        static Routes dump() throws IOException, InterruptedException {
            return dump(new Routes(Integer.MAX_VALUE));
        }

        static Routes dump(Routes into) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("ip", "-o", "-4", "route", "show", "proto", "bgp")
                    .redirectErrorStream(true).start();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    into.line(line, true);
                }
            }
            p.waitFor();
            return into;
        }

        /**
         * One route per line ({@code -o}); a monitor's deletions start with "Deleted". A dump filtered on BGP routes
         * does not say "proto bgp" on them; a monitor does.
         */
        synchronized void line(String line, boolean bgp) {
            boolean deleted = line.startsWith("Deleted ");
            String route = deleted ? line.substring(8) : line;
            if (!bgp && !route.contains(" proto bgp ")) {
                return;
            }
            String dst = route.split(" ", 2)[0];
            if (deleted) {
                routes.remove(dst);
                complete.remove(dst);
                return;
            }
            int n = route.split("nexthop via", -1).length - 1;
            set(dst, n > 0 ? n : route.contains(" via ") ? 1 : 0);
        }

        private void set(String dst, int n) {
            routes.put(dst, n);
            if (n < hops) {
                complete.remove(dst);
            } else if (complete.add(dst)) {
                lastCompletion = System.nanoTime();
            }
        }

        synchronized int hops(String dst) {
            return routes.getOrDefault(dst, 0);
        }

        /** Routes with all their next hops. */
        synchronized int complete() {
            return complete.size();
        }

        /** When the last route got all its next hops (System.nanoTime()). */
        synchronized long lastCompletion() {
            return lastCompletion;
        }
    }

    /**
     * The FIB followed live: one full dump once {@code ip monitor route} listens, then its messages. When the kernel
     * had to drop messages for a slow reader ({@code ip} says "No buffer space"), a full dump catches up.
     */
    static final class FibMonitor extends Routes implements AutoCloseable {
        private final Process process;
        private volatile boolean overrun;
        private int resyncs;

        private FibMonitor(int hops, Process process) {
            super(hops);
            this.process = process;
        }

        static FibMonitor start(int hops) throws IOException, InterruptedException {
            Process p = new ProcessBuilder("ip", "-rcvbuf", "67108864", "-o", "-4", "monitor", "route")
                    .redirectErrorStream(true).start();
            FibMonitor m = new FibMonitor(hops, p);
            Thread.ofPlatform().daemon().name("fib-monitor").start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        if (line.contains("No buffer space")) {
                            m.overrun = true;
                        } else {
                            m.line(line, false);
                        }
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            Thread.sleep(500); // let it subscribe: nothing is being created yet, so nothing slips in between
            dump(m);
            return m;
        }

        @Override
        synchronized int complete() {
            if (overrun) {
                overrun = false;
                resyncs++;
                try {
                    dump(this);
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException("cannot dump the FIB", e);
                }
            }
            return super.complete();
        }

        synchronized int resyncs() {
            return resyncs;
        }

        @Override
        public void close() {
            process.destroy();
        }
    }
}
