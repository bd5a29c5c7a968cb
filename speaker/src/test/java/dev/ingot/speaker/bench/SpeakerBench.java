package dev.ingot.speaker.bench;

import dev.ingot.bgp.Session;
import dev.ingot.bgp.SessionConfig;
import dev.ingot.bgp.SessionListener;
import dev.ingot.bgp.SessionManager;
import dev.ingot.bgp.SessionState;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Start-up time and memory of the real speaker ({@code ingot speaker} from the CLI jar, a process of its own, run as
 * production runs it) with a large cluster: N LoadBalancer Services with an ingress IP each, their EndpointSlices, one
 * BGP peer. The bench process holds the Kubernetes API ({@link BenchApi}) and the BGP peer (the bgp module's
 * SessionManager, passive, on loopback), and measures, per run:
 * <ul>
 *   <li>process start to {@code /readyz} answering 200, and to the peer holding all N prefixes;</li>
 *   <li>after a settle time: VmRSS and VmHWM from /proc, the heap after a full GC ({@code jcmd GC.heap_info}), and
 *   with {@code NMT=1} the JVM's native memory summary, with {@code HISTO=1} the top of the class histogram.</li>
 * </ul>
 * With {@code AOT=1} a first, unmeasured run records an AOT cache (JDK 25, {@code -XX:AOTCacheOutput}) that the
 * measured runs then use. It prints numbers and asserts nothing. Run it with {@code speaker/bench}.
 */
public final class SpeakerBench {
    private static final String BENCH_ADDRESS = "127.83.0.1";
    private static final String SPEAKER_ADDRESS = "127.83.0.2";
    private static final Path JAVA_BIN = Path.of(System.getProperty("java.home"), "bin");
    /** The speaker's JVM flags unless SPEAKER_JAVA_OPTS says otherwise: docs/performance.md, ## speaker. */
    static final String DEFAULT_OPTS = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx96m -Dio.netty.jfr.enabled=false";

    public static void main(String[] args) throws Exception {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.getLogger("dev.ingot.bgp").setLevel(ch.qos.logback.classic.Level.WARN);
        }
        int runs = arg(args, 0, 3);
        int services = arg(args, 1, 10_000);
        int endpoints = arg(args, 2, 30_000);
        int nodes = arg(args, 3, 10);
        String opts = env("SPEAKER_JAVA_OPTS", DEFAULT_OPTS);
        boolean aot = !env("AOT", "").isEmpty();
        int settle = Integer.parseInt(env("SETTLE_S", "20"));
        boolean nmt = !env("NMT", "").isEmpty();
        boolean histo = !env("HISTO", "").isEmpty();
        Path jar = Path.of(env("INGOT_JAR", "cli/target/ingot.jar")).toAbsolutePath();
        Path work = Files.createTempDirectory("speaker-bench-");
        int bgpPort = freePort(BENCH_ADDRESS);
        BenchApi.Shape shape = new BenchApi.Shape(services, Math.max(1, endpoints / services), nodes,
                Math.max(1, services / 100), "node-0", SPEAKER_ADDRESS, BENCH_ADDRESS, bgpPort, "10.100.0.0/16");

        long g0 = System.nanoTime();
        try (BenchApi api = new BenchApi(shape, InetAddress.getByName(BENCH_ADDRESS))) {
            Path kubeconfig = api.kubeconfig(work.resolve("kubeconfig"));
            System.out.printf("cluster services=%d endpoints=%d slices=%d nodes=%d namespaces=%d "
                            + "service_list_mib=%.1f slice_list_mib=%.1f generated_in_ms=%d api=%s%n", services,
                    shape.endpoints(), services, nodes, shape.namespaces(), api.serviceListBytes() / 1048576.0,
                    api.sliceListBytes() / 1048576.0, (System.nanoTime() - g0) / 1_000_000, api.url());
            System.out.printf("speaker java=%s opts=\"%s\" jar=%s nmt=%s settle_s=%d%n", Runtime.version(), opts, jar,
                    nmt, settle);
            if (aot) {
                Path cache = work.resolve("speaker.aot");
                run(0, shape, api, kubeconfig, jar, opts + " -XX:AOTCacheOutput=" + cache, false, false, 1, work);
                opts = opts + " -XX:AOTCache=" + cache;
                System.out.printf("aot cache=%s size_mib=%.1f (run 0 recorded it; the runs below use it)%n", cache,
                        Files.size(cache) / 1048576.0);
            }
            List<Map<String, Double>> results = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                api.resetCounters();
                try {
                    results.add(run(run, shape, api, kubeconfig, jar, opts, nmt, histo, settle, work));
                } catch (IllegalStateException e) {
                    System.out.printf("run=%d failed: %s%n", run, e.getMessage());
                }
            }
            if (!results.isEmpty()) {
                summary(results);
            }
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Map<String, Double> run(int run, BenchApi.Shape shape, BenchApi api, Path kubeconfig, Path jar,
                                           String opts, boolean nmt, boolean histo, int settle, Path work)
            throws Exception {
        Map<String, Double> r = new LinkedHashMap<>();
        String load = Files.readString(Path.of("/proc/loadavg")).strip();
        int httpPort = freePort(SPEAKER_ADDRESS);
        int mlPort = freePort(SPEAKER_ADDRESS);
        long[] established = {0};
        try (SessionManager peer = SessionManager.builder().nodeName("bench-tor")
                .listen(new InetSocketAddress(InetAddress.getByName(BENCH_ADDRESS), shape.peerPort())).build()) {
            peer.setPeers(List.of(SessionConfig.builder(InetAddress.getByName(SPEAKER_ADDRESS), 65211, 65210)
                    .passive(true).build()));
            Session session = peer.sessions().getFirst();
            peer.addListener(new SessionListener() {
                @Override
                public void stateChanged(Session s, SessionState from, SessionState to, String reason) {
                    if (to == SessionState.ESTABLISHED && established[0] == 0) {
                        established[0] = System.nanoTime();
                    }
                }
            });
            List<String> cmd = new ArrayList<>();
            cmd.add(JAVA_BIN.resolve("java").toString());
            cmd.addAll(Arrays.asList(opts.trim().split("\\s+")));
            if (nmt) {
                cmd.add("-XX:NativeMemoryTracking=summary");
            }
            cmd.addAll(List.of("-jar", jar.toString(), "speaker", "--node-name", shape.speakerNode(),
                    "--kubeconfig", kubeconfig.toString(), "--namespace", BenchApi.NAMESPACE,
                    "--host", SPEAKER_ADDRESS, "--port", String.valueOf(httpPort), "--dataplane", "none",
                    "--ml-bindaddr", SPEAKER_ADDRESS, "--ml-bindport", String.valueOf(mlPort),
                    "--ml-labels", BenchApi.SPEAKER_LABELS, "--ml-secret-key", "speaker-bench-secret"));
            Path log = Path.of(env("KEEP_LOGS", work.toString())).resolve("speaker-" + run + ".log");
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().remove("JAVA_TOOL_OPTIONS");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            URI readyz = URI.create("http://" + SPEAKER_ADDRESS + ":" + httpPort + "/readyz");
            long t0 = System.nanoTime();
            Process p = pb.start();
            long pid = p.pid();
            long ready = 0;
            long routes = 0;
            double cpuReady = 0;
            double cpuRoutes = 0;
            try {
                long deadline = t0 + TimeUnit.SECONDS.toNanos(300);
                while (ready == 0 || routes == 0) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("speaker exited with " + p.exitValue() + "; log:\n"
                                + tail(log, 40));
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("not ready/announced after 300 s (ready=" + (ready != 0)
                                + ", prefixes=" + session.receivedPrefixes() + "); log:\n" + tail(log, 40));
                    }
                    if (routes == 0 && session.receivedPrefixes() >= shape.services()) {
                        routes = System.nanoTime();
                        cpuRoutes = cpuSeconds(pid);
                    }
                    if (ready == 0 && ready(http, readyz)) {
                        ready = System.nanoTime();
                        cpuReady = cpuSeconds(pid);
                    }
                    Thread.sleep(5);
                }
                r.put("ready_ms", ms(ready - t0));
                r.put("established_ms", established[0] == 0 ? -1 : ms(established[0] - t0));
                r.put("all_prefixes_ms", ms(routes - t0));
                r.put("cpu_s_at_ready", cpuReady);
                r.put("cpu_s_at_prefixes", cpuRoutes);
                Thread.sleep(settle * 1000L);
                Map<String, Long> st = procStatus(pid);
                r.put("rss_mib", st.get("VmRSS") / 1024.0);
                r.put("hwm_mib", st.get("VmHWM") / 1024.0);
                r.put("rss_anon_mib", st.get("RssAnon") / 1024.0);
                r.put("rss_file_mib", st.get("RssFile") / 1024.0);
                r.put("threads", (double) st.get("Threads"));
                Heap before = heap(pid);
                r.put("heap_used_mib_before_gc", before.used() / 1024.0);
                r.put("heap_committed_mib", before.committed() / 1024.0);
                jcmd(pid, "GC.run");
                Heap after = heap(pid);
                r.put("heap_used_mib_after_gc", after.used() / 1024.0);
                r.put("rss_mib_after_gc", procStatus(pid).get("VmRSS") / 1024.0);
                r.put("prefixes_received", (double) session.receivedPrefixes());
                r.put("events_created", (double) api.eventsCreated());
                r.put("list_requests", (double) api.listsServed());
                System.out.printf("run=%d load=\"%s\" %s%n", run, load, format(r));
                if (nmt) {
                    System.out.println(nmtSummary(jcmd(pid, "VM.native_memory", "summary")));
                }
                if (histo) {
                    jcmd(pid, "GC.class_histogram").lines().limit(Integer.parseInt(env("HISTO_LINES", "28"))).forEach(l -> System.out.println("  " + l));
                }
            } finally {
                p.destroy();
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
        }
        return r;
    }

    private static boolean ready(HttpClient http, URI readyz) {
        try {
            return http.send(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Heap figures in KiB from GC.heap_info: the sum over its "total NK, used NK" lines (the generations). */
    record Heap(long used, long committed) {}

    static Heap heap(long pid) throws Exception {
        long used = 0;
        long total = 0;
        Matcher m = Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(jcmd(pid, "GC.heap_info"));
        while (m.find()) {
            total += Long.parseLong(m.group(1));
            used += Long.parseLong(m.group(2));
        }
        return new Heap(used, total);
    }

    static String jcmd(long pid, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(JAVA_BIN.resolve("jcmd").toString(), String.valueOf(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** The total and the biggest categories of the NMT summary, committed KiB. */
    static String nmtSummary(String text) {
        StringBuilder sb = new StringBuilder("  nmt committed_mib:");
        Matcher total = Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(text);
        if (total.find()) {
            sb.append(" total=").append(mib(total.group(1)));
        }
        Matcher m = Pattern.compile("-\\s+([A-Za-z ]+?) \\(reserved=\\d+KB, committed=(\\d+)KB\\)").matcher(text);
        while (m.find()) {
            if (Long.parseLong(m.group(2)) >= 1024) {
                sb.append(' ').append(m.group(1).strip().replace(' ', '_')).append('=').append(mib(m.group(2)));
            }
        }
        return sb.toString();
    }

    private static String mib(String kib) {
        return "%.1f".formatted(Long.parseLong(kib) / 1024.0);
    }

    static Map<String, Long> procStatus(long pid) throws IOException {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            String[] kv = line.split(":\\s+", 2);
            if (kv.length == 2 && kv[1].matches("\\d+( kB)?")) {
                m.put(kv[0], Long.parseLong(kv[1].replace(" kB", "")));
            }
        }
        return m;
    }

    /** utime + stime of the process, in seconds (USER_HZ = 100). */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException e) {
            return -1;
        }
    }

    private static void summary(List<Map<String, Double>> results) {
        System.out.println("summary over " + results.size() + " runs: min / median / max");
        for (String k : results.getFirst().keySet()) {
            double[] v = results.stream().mapToDouble(r -> r.get(k)).sorted().toArray();
            System.out.printf("  %-26s %10.1f %10.1f %10.1f%n", k, v[0], v[v.length / 2], v[v.length - 1]);
        }
    }

    private static String format(Map<String, Double> r) {
        StringBuilder sb = new StringBuilder();
        r.forEach((k, v) -> sb.append(k).append('=').append(v == Math.rint(v) ? String.valueOf(v.longValue())
                : "%.1f".formatted(v)).append(' '));
        return sb.toString().strip();
    }

    private static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    static int freePort(String address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(address))) {
            return s.getLocalPort();
        }
    }

    private static int arg(String[] args, int i, int dflt) {
        return args.length > i ? Integer.parseInt(args[i]) : dflt;
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }
}
