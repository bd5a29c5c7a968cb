package dev.ingot.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The training run of the images' AOT cache (JDK 25, JEP 483/514/515), run by {@code mvn -Pimage} before it builds
 * the controller and speaker images (docs/install.md#images).
 *
 * <p>It unpacks the image built without a cache, and runs each component from those very files (the JRE and the jars
 * that the final images hold, byte for byte and with the same modification times, which the JVM checks) against a
 * {@link MockCluster} until it has done its work, with {@code -XX:AOTCacheOutput}; SIGTERM then makes the JVM write
 * the cache, which the final image adds as {@code /app/ingot.aot}. The class path is the image's, below the unpacked
 * root: the JVM accepts a cache whose class path differs only in a common leading directory.
 *
 * <p>usage: {@code ImageTraining UNTRAINED_IMAGE_TAR IMAGE_DIR}: writes {@code IMAGE_DIR/aot-COMPONENT/app/ingot.aot}.
 */
public final class ImageTraining {
    private ImageTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]).toAbsolutePath();
        UnpackedImage image = UnpackedImage.unpack(Path.of(args[0]), dir.resolve("untrained"));
        try (MockCluster cluster = new MockCluster()) {
            Path kubeconfig = dir.resolve("training").resolve("kubeconfig");
            Files.createDirectories(kubeconfig.getParent());
            Files.writeString(kubeconfig, cluster.kubeconfig(Path.of(cluster.caPath())));
            for (ImageWorkload w : ImageWorkload.values()) {
                train(image, w, cluster, kubeconfig, dir.resolve("aot-" + w.subcommand).resolve("app")
                        .resolve("ingot.aot"), dir.resolve("training").resolve(w.subcommand + ".log"));
            }
        }
        System.exit(0); // the mock server's threads would keep the JVM alive
    }

    static void train(UnpackedImage image, ImageWorkload w, MockCluster cluster, Path kubeconfig, Path cache,
                      Path log) throws IOException, InterruptedException {
        Files.createDirectories(cache.getParent());
        Files.deleteIfExists(cache);
        Path root = image.rootfs();
        List<String> cmd = new ArrayList<>(List.of(root.resolve("opt/java/bin/java").toString(),
                "@" + root.resolve("app/jvm.options"), "-XX:AOTCacheOutput=" + cache, "-cp",
                relocated(root, Files.readString(root.resolve("app/jib-classpath-file")).strip()),
                Files.readString(root.resolve("app/jib-main-class-file")).strip(), w.subcommand,
                "--kubeconfig=" + kubeconfig));
        int port = freePort();
        cmd.addAll(w.args(port));
        w.prepare(cluster);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(w.env());
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            long healthy = ImageWorkload.awaitHealthy(p, port, t0);
            w.awaitWorked(p, port, cluster);
            if (!ImageWorkload.get(port, "/metrics").body().contains("metallb_")) {
                throw new IllegalStateException("no metallb_ metrics on /metrics");
            }
            System.out.printf("ImageTraining: %s healthy after %d ms, worked after %d ms; stopping it to write %s%n",
                    w.subcommand, healthy, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), cache);
            p.destroy(); // SIGTERM: the JVM writes the cache as it exits (a second JVM assembles it)
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("still writing the AOT cache after 5 minutes");
            }
        } catch (RuntimeException e) {
            System.err.println("ImageTraining: " + w.subcommand + " failed; its output (" + log + "):");
            System.err.println(Files.readString(log));
            throw e;
        } finally {
            ImageWorkload.stop(p.toHandle(), Duration.ofSeconds(5));
        }
        if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
            System.err.println(Files.readString(log));
            throw new IllegalStateException("no AOT cache written at " + cache);
        }
        System.out.printf("ImageTraining: %s: %s, %d MB%n", w.subcommand, cache, Files.size(cache) >> 20);
    }

    /** The image's class path (absolute paths in the image) below {@code root}. */
    static String relocated(Path root, String classpath) {
        return String.join(":", Arrays.stream(classpath.split(":")).map(e -> root + e).toList());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
