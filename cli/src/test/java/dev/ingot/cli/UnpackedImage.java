package dev.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An image tarball as {@code jib:buildTar} writes it (OCI image layout, or {@code docker save} format), unpacked the
 * way a container runtime does: its layers extracted in order into one root file system, and its configuration.
 *
 * @param rootfs the root file system
 * @param names the names the tarball gives the image (e.g. {@code ingot/controller:0.1.0})
 * @param entrypoint the configured entry point
 * @param env the configured environment
 * @param user the configured user ({@code uid:gid}), root when empty
 * @param ports the exposed ports ({@code 7472/tcp})
 * @param compressedBytes the sum of the compressed layers' sizes: what a node pulls
 */
record UnpackedImage(Path rootfs, List<String> names, List<String> entrypoint, Map<String, String> env, String user,
                     java.util.Set<String> ports, long compressedBytes) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Unpacks {@code tarball} into {@code dir} (emptied first): {@code dir/rootfs} is the root file system. */
    static UnpackedImage unpack(Path tarball, Path dir) throws IOException, InterruptedException {
        delete(dir);
        Path blobs = Files.createDirectories(dir.resolve("tarball"));
        Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
        tar(blobs, "-xf", tarball.toAbsolutePath().toString());
        List<Path> layers = new ArrayList<>();
        List<String> names = new ArrayList<>();
        JsonNode config;
        long compressed = 0;
        if (Files.exists(blobs.resolve("index.json"))) { // OCI image layout
            JsonNode index = JSON.readTree(blobs.resolve("index.json").toFile()).get("manifests").get(0);
            names.add(index.path("annotations").path("org.opencontainers.image.ref.name").asText());
            JsonNode manifest = JSON.readTree(blob(blobs, index.get("digest").asText()).toFile());
            config = JSON.readTree(blob(blobs, manifest.get("config").get("digest").asText()).toFile());
            for (JsonNode l : manifest.get("layers")) {
                layers.add(blob(blobs, l.get("digest").asText()));
                compressed += l.get("size").asLong();
            }
        } else { // docker save
            JsonNode manifest = JSON.readTree(blobs.resolve("manifest.json").toFile()).get(0);
            manifest.get("RepoTags").forEach(t -> names.add(t.asText()));
            config = JSON.readTree(blobs.resolve(manifest.get("Config").asText()).toFile());
            for (JsonNode l : manifest.get("Layers")) {
                layers.add(blobs.resolve(l.asText()));
                compressed += Files.size(blobs.resolve(l.asText()));
            }
        }
        for (Path layer : layers) {
            // Jib's layers carry libarchive's creation-time records, which GNU tar does not know and need not
            tar(rootfs, "--warning=no-unknown-keyword", "--same-permissions", "-xf", layer.toString());
        }
        delete(blobs);
        JsonNode c = config.get("config");
        List<String> entrypoint = new ArrayList<>();
        c.path("Entrypoint").forEach(e -> entrypoint.add(e.asText()));
        c.path("Cmd").forEach(e -> entrypoint.add(e.asText()));
        Map<String, String> env = new LinkedHashMap<>();
        c.path("Env").forEach(e -> env.put(e.asText().substring(0, e.asText().indexOf('=')),
                e.asText().substring(e.asText().indexOf('=') + 1)));
        java.util.Set<String> ports = new java.util.TreeSet<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        return new UnpackedImage(rootfs, List.copyOf(names), List.copyOf(entrypoint), env, c.path("User").asText(""),
                ports, compressed);
    }

    /** The size of the unpacked root file system in bytes. */
    long unpackedBytes() throws IOException {
        try (Stream<Path> s = Files.walk(rootfs)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static Path blob(Path layout, String digest) {
        return layout.resolve("blobs").resolve(digest.substring(0, digest.indexOf(':')))
                .resolve(digest.substring(digest.indexOf(':') + 1));
    }

    private static void tar(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tar", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
