package dev.ingot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The controller and speaker images ({@code mvn -Pimage}), run as a container runtime runs them: the tarball's layers
 * unpacked into a root file system, mounted read-only (as {@code readOnlyRootFilesystem: true} in the manifests, and
 * with no writable /tmp), with /proc, a minimal /dev and the files the kubelet mounts (service account token, CA,
 * /etc/hosts); the image's entry point, user and environment, in new mount and PID namespaces, chrooted. Each talks to
 * a {@link MockCluster} over HTTPS with in-cluster configuration, must answer /healthz, /readyz and /metrics and do its
 * work, and must use the image's AOT cache ({@code -XX:AOTMode=on} fails the start otherwise).
 *
 * <p>It prints each image's size, start time (process start to /healthz answering) and resident memory. With
 * {@code -Dingot.image.bench=N} it starts each image N times with and N times without its AOT cache and prints the
 * medians (docs/performance.md#images).
 */
class ImageIT {
    static final Path JIB = Path.of("target", "jib");
    static final Path WORK = Path.of("target", "image", "it").toAbsolutePath();
    static final String TAG = System.getProperty("ingot.image.tag", "");
    static final int BENCH_RUNS = Integer.getInteger("ingot.image.bench", 0);
    static final KubernetesSerialization YAML = new KubernetesSerialization();

    @BeforeAll
    static void root() {
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                    "running an image needs root (mount namespace, chroot); CI runs it as root");
        }
    }

    @Test
    void controllerImageAssignsAnIpOverTls() throws Exception {
        runImage(ImageWorkload.CONTROLLER);
    }

    @Test
    void speakerImageLoadsEpollFromAReadOnlyRootAndBecomesReady() throws Exception {
        runImage(ImageWorkload.SPEAKER);
    }

    @Test
    void manifestsNameTheImagesThisBuildMakes() throws Exception {
        assertThat(TAG).as("-Dingot.image.tag (set by the image profile)").isNotEmpty();
        Map<?, ?> kustomization;
        try (InputStream in = Files.newInputStream(Path.of("..", "manifests", "kustomization.yaml"))) {
            kustomization = YAML.unmarshal(in, Map.class);
        }
        Map<String, String> tags = new TreeMap<>();
        for (Object o : (List<?>) kustomization.get("images")) {
            Map<?, ?> m = (Map<?, ?>) o;
            tags.put((String) m.get("name"), String.valueOf(m.get("newTag")));
        }
        assertThat(tags).containsEntry("ingot/controller", TAG).containsEntry("ingot/speaker", TAG);
        assertThat(one(load("controller.yaml"), Deployment.class).getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getImage()).isEqualTo("ingot/controller");
        assertThat(one(load("speaker.yaml"), DaemonSet.class).getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getImage()).isEqualTo("ingot/speaker");
        for (ImageWorkload w : ImageWorkload.values()) {
            UnpackedImage image = UnpackedImage.unpack(tarball(w), WORK.resolve("names-" + w.subcommand));
            assertThat(image.names()).containsExactly("ingot/" + w.subcommand + ":" + TAG);
            UnpackedImage.delete(WORK.resolve("names-" + w.subcommand));
        }
    }

    /** cli/Dockerfile cannot be built here (no Docker): its final stages must at least configure what Jib's do. */
    @Test
    void dockerfileStagesConfigureWhatTheJibImagesDo() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("Dockerfile"));
        for (ImageWorkload w : ImageWorkload.values()) {
            UnpackedImage image = UnpackedImage.unpack(tarball(w), WORK.resolve("docker-" + w.subcommand));
            int from = lines.indexOf("FROM scratch AS " + w.subcommand);
            assertThat(from).as("stage " + w.subcommand).isNotNegative();
            List<String> stage = lines.subList(from + 1, lines.size()).stream()
                    .takeWhile(l -> !l.startsWith("FROM ")).toList();
            assertThat(stage).contains("COPY --from=build /src/cli/target/image/untrained/rootfs/ /",
                    "COPY --from=build /src/cli/target/image/aot-" + w.subcommand + "/ /");
            assertThat(instruction(stage, "ENTRYPOINT")).isEqualTo(image.entrypoint());
            assertThat(instruction(stage, "USER")).isEqualTo(image.user());
            Map<String, String> env = new TreeMap<>();
            for (String kv : instruction(stage, "ENV").toString().split(" ")) {
                env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            }
            assertThat(env).isEqualTo(new TreeMap<>(image.env()));
            assertThat(java.util.Arrays.stream(instruction(stage, "EXPOSE").toString().split(" "))
                    .map(p -> p.contains("/") ? p : p + "/tcp").collect(java.util.stream.Collectors.toSet()))
                    .isEqualTo(image.ports());
            UnpackedImage.delete(WORK.resolve("docker-" + w.subcommand));
        }
    }

    /** The argument of a Dockerfile instruction in a stage: a list for JSON form, a string otherwise ("" if absent). */
    private static Object instruction(List<String> stage, String name) throws IOException {
        String arg = stage.stream().filter(l -> l.startsWith(name + " ")).map(l -> l.substring(name.length() + 1))
                .findFirst().orElse("");
        return arg.startsWith("[") ? new com.fasterxml.jackson.databind.ObjectMapper().readValue(arg, List.class) : arg;
    }

    static Path tarball(ImageWorkload w) {
        return JIB.resolve("ingot-" + w.subcommand + ".tar");
    }

    private static List<HasMetadata> load(String file) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("..", "manifests", file))) {
            return ((List<?>) YAML.unmarshal(in)).stream().map(HasMetadata.class::cast).toList();
        }
    }

    private static <T> T one(List<HasMetadata> objs, Class<T> kind) {
        return objs.stream().filter(kind::isInstance).map(kind::cast).findFirst().orElseThrow();
    }

    /** One start of an image: milliseconds to /healthz and to ready with its work done, RSS then and 10 s later. */
    record Run(long healthzMillis, long readyMillis, long rssKiB, long settledRssKiB, String load) {}

    private void runImage(ImageWorkload w) throws Exception {
        UnpackedImage image = UnpackedImage.unpack(tarball(w), WORK.resolve(w.subcommand));
        assertThat(image.entrypoint()).as("entry point").endsWith(w.subcommand)
                .contains("-XX:AOTCache=/app/ingot.aot");
        assertThat(image.rootfs().resolve("app/ingot.aot")).isNotEmptyFile();
        System.out.printf(Locale.ROOT, "ImageIT: image=%s compressed_mib=%.1f unpacked_mib=%.1f aot_cache_mib=%.1f%n",
                w.subcommand, image.compressedBytes() / 1048576.0, image.unpackedBytes() / 1048576.0,
                Files.size(image.rootfs().resolve("app/ingot.aot")) / 1048576.0);
        try (MockCluster cluster = new MockCluster()) {
            prepare(image, cluster);
            Run first = start(image, w, cluster, true, true, false);
            print(w, true, 1, first);
            if (BENCH_RUNS > 0) {
                Map<Boolean, List<Run>> runs = new TreeMap<>();
                for (int i = 1; i <= BENCH_RUNS; i++) {
                    for (boolean aot : new boolean[] {true, false}) {
                        Run r = start(image, w, cluster, aot, false, true);
                        print(w, aot, i, r);
                        runs.computeIfAbsent(aot, k -> new ArrayList<>()).add(r);
                    }
                }
                runs.forEach((aot, rs) -> System.out.printf(Locale.ROOT,
                        "ImageIT: bench image=%s aot=%s runs=%d median healthz_ms=%d ready_ms=%d rss_mib=%.1f "
                                + "rss_10s_mib=%.1f%n", w.subcommand, aot ? "on" : "off", rs.size(),
                        median(rs.stream().map(Run::healthzMillis)), median(rs.stream().map(Run::readyMillis)),
                        median(rs.stream().map(Run::rssKiB)) / 1024.0,
                        median(rs.stream().map(Run::settledRssKiB)) / 1024.0));
            }
        }
    }

    private static long median(java.util.stream.Stream<Long> values) {
        List<Long> v = values.sorted().toList();
        return v.get(v.size() / 2);
    }

    private static void print(ImageWorkload w, boolean aot, int run, Run r) {
        System.out.printf(Locale.ROOT, "ImageIT: image=%s aot=%s run=%d healthz_ms=%d ready_ms=%d rss_mib=%.1f "
                + "rss_10s_mib=%s loadavg=%s%n", w.subcommand, aot ? "on" : "off", run, r.healthzMillis(),
                r.readyMillis(), r.rssKiB() / 1024.0, r.settledRssKiB() < 0 ? "-"
                        : String.format(Locale.ROOT, "%.1f", r.settledRssKiB() / 1024.0), r.load());
    }

    /** What the kubelet adds to a container's file system, and the mount points; the image itself stays untouched. */
    private static void prepare(UnpackedImage image, MockCluster cluster) throws IOException {
        Path r = image.rootfs();
        for (String d : List.of("proc", "dev")) {
            Files.createDirectories(r.resolve(d));
        }
        cluster.serviceAccount(r.resolve("var/run/secrets/kubernetes.io/serviceaccount"));
        Files.writeString(r.resolve("etc/hosts"), "127.0.0.1 localhost\n");
    }

    /** Mounts as a container runtime does, then runs the rest of the arguments: {@code sh -c SCRIPT sh ROOT CMD...}. */
    private static final String CONTAINER = """
            set -e
            root=$1; shift
            mount --bind "$root" "$root"
            mount -o remount,bind,ro "$root"
            mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
            mount -t tmpfs -o nosuid,mode=755,size=64k tmpfs "$root/dev"
            mknod -m 666 "$root/dev/null" c 1 3
            mknod -m 666 "$root/dev/zero" c 1 5
            mknod -m 666 "$root/dev/random" c 1 8
            mknod -m 666 "$root/dev/urandom" c 1 9
            exec "$@"
            """;

    /**
     * Starts the image's entry point as a container, waits for it to answer and to do its work, measures, and stops
     * it with SIGTERM (SIGKILL after 30 s). {@code aot}: whether its AOT cache must be used ({@code AOTMode=on}: the
     * start fails if it cannot be) or must not ({@code off}); {@code checks}: assert what the image must do;
     * {@code settle}: measure RSS again 10 s after ready.
     */
    private Run start(UnpackedImage image, ImageWorkload w, MockCluster cluster, boolean aot, boolean checks,
                      boolean settle) throws Exception {
        int port = ImageTraining.freePort();
        Path log = WORK.resolve(w.subcommand + ".log");
        List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork", "--kill-child", "--",
                "sh", "-c", CONTAINER, "sh", image.rootfs().toString(), "/usr/bin/env", "-i"));
        Map<String, String> env = new TreeMap<>(image.env());
        env.putAll(w.env());
        env.put("KUBERNETES_SERVICE_HOST", "localhost");
        env.put("KUBERNETES_SERVICE_PORT", String.valueOf(cluster.port()));
        env.put("JAVA_TOOL_OPTIONS", "-XX:AOTMode=" + (aot ? "on" : "off"));
        env.forEach((k, v) -> cmd.add(k + "=" + v));
        cmd.add(chroot());
        if (!image.user().isEmpty()) {
            cmd.add("--userspec=" + image.user());
        }
        cmd.add(image.rootfs().toString());
        cmd.addAll(image.entrypoint());
        cmd.addAll(w.args(port));
        w.prepare(cluster);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ProcessHandle java = null;
        try {
            long healthz = ImageWorkload.awaitHealthy(p, port, t0);
            w.awaitWorked(p, port, cluster);
            long ready = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            java = p.toHandle().children().findFirst().orElseThrow();
            long rss = statusField(java.pid(), "VmRSS");
            if (checks) {
                assertThat(ImageWorkload.get(port, "/metrics").body()).contains("metallb_");
                assertThat(statusLine(java.pid(), "Uid").split("\\s+")[1]).as("uid")
                        .isEqualTo(image.user().isEmpty() ? "0" : image.user().split(":")[0]);
                String out = Files.readString(log);
                assertThat(out).as("output").contains("Picked up JAVA_TOOL_OPTIONS: -XX:AOTMode=on")
                        .doesNotContain("restricted method", "Exception", "level=ERROR");
                // warnings are Ingot's own events (no memberlist here, say), never a library's complaint
                assertThat(out.lines().filter(l -> l.contains("level=WARN"))).as("warnings")
                        .allSatisfy(l -> assertThat(l).contains(" event="));
            }
            String load = Files.readString(Path.of("/proc/loadavg")).strip();
            long settled = -1;
            if (settle) {
                Thread.sleep(10_000);
                settled = statusField(java.pid(), "VmRSS");
            }
            return new Run(healthz, ready, rss, settled, load);
        } catch (RuntimeException | AssertionError e) {
            System.err.println("ImageIT: " + w.subcommand + " output (" + log + "):\n" + Files.readString(log));
            throw e;
        } finally {
            if (java != null) {
                ImageWorkload.stop(java, Duration.ofSeconds(30));
            }
            ImageWorkload.stop(p.toHandle(), Duration.ofSeconds(5)); // --kill-child: the namespace goes with it
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String chroot() {
        for (String d : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            if (Files.isExecutable(Path.of(d, "chroot"))) {
                return d + "/chroot";
            }
        }
        throw new IllegalStateException("no chroot command");
    }

    private static String statusLine(long pid, String field) throws IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith(field + ":")).findFirst().orElseThrow();
    }

    /** A "kB" field of /proc/PID/status. */
    private static long statusField(long pid, String field) throws IOException {
        return Long.parseLong(statusLine(pid, field).split("\\s+")[1]);
    }
}
