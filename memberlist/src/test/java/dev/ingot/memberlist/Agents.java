package dev.ingot.memberlist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * Member processes for interop tests and the bench: Go agents built offline from Debian's memberlist package
 * (src/test/resources/go-agent), and Java agents ({@link AgentMain}) in their own JVM. Each prints its
 * membership events as JSON lines, collected here with their timestamps.
 */
final class Agents implements AutoCloseable {
    static final Path MEMBERLIST_SRC = Path.of("/usr/share/gocode/src/github.com/hashicorp/memberlist");
    private static final Pattern EVENT = Pattern.compile("\"event\":\"(\\w+)\"");
    private static final Pattern NODE = Pattern.compile("\"node\":\"([^\"]*)\"");
    private static final Pattern TS = Pattern.compile("\"ts\":(\\d+)");
    private static Path binary;

    record Event(String kind, String node, long ts) {}

    /** One running agent process. */
    static final class Agent {
        final String name;
        final Process process;
        final List<Event> events = new CopyOnWriteArrayList<>();
        final StringBuilder stderr = new StringBuilder();

        Agent(String name, Process p) {
            this.name = name;
            this.process = p;
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        Matcher e = EVENT.matcher(line), n = NODE.matcher(line), t = TS.matcher(line);
                        if (e.find() && n.find() && t.find()) events.add(new Event(e.group(1), n.group(1), Long.parseLong(t.group(1))));
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            });
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (stderr) {
                            if (stderr.length() < 20_000) stderr.append(line).append('\n');
                        }
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            });
        }

        /** The first event of {@code kind} about {@code node}, or -1. */
        long first(String kind, String node) {
            return events.stream().filter(e -> e.kind.equals(kind) && e.node.equals(node)).mapToLong(Event::ts).findFirst().orElse(-1);
        }

        boolean saw(String kind, String node) {
            return first(kind, node) >= 0;
        }

        void sigkill() {
            process.destroyForcibly(); // SIGKILL on Linux
        }

        void sigterm() {
            process.destroy(); // SIGTERM: the agent leaves gracefully
        }

        @Override public String toString() {
            return name + " events=" + events + " stderr=" + stderr;
        }
    }

    private final List<Agent> agents = new ArrayList<>();

    /** Builds the Go agent once per JVM into target/go-agent; skips (or fails under CI=true) without Go or the package. */
    static synchronized Path goBinary() throws IOException, InterruptedException {
        if (binary != null) return binary;
        boolean ci = "true".equals(System.getenv("CI"));
        boolean haveGo = Files.isExecutable(Path.of("/usr/bin/go")) || Files.isExecutable(Path.of("/usr/lib/go/bin/go"));
        String missing = !haveGo ? "golang-go" : !Files.isDirectory(MEMBERLIST_SRC) ? "golang-github-hashicorp-memberlist-dev" : null;
        if (missing != null) {
            String why = "the interop tests need Debian's " + missing + " (listed in .ci/apt-packages)";
            if (ci) throw new IllegalStateException(why);
            Assumptions.abort(why);
        }
        Path dir = Path.of(System.getProperty("basedir", "."), "target", "go-agent").toAbsolutePath();
        Files.createDirectories(dir);
        try (var in = Agents.class.getResourceAsStream("/go-agent/main.go")) {
            Files.write(dir.resolve("main.go"), in.readAllBytes());
        }
        ProcessBuilder pb = new ProcessBuilder("go", "build", "-o", "agent", "main.go").directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("GO111MODULE", "off");
        pb.environment().put("GOPATH", "/usr/share/gocode");
        pb.environment().put("GOPROXY", "off");
        pb.environment().put("GOFLAGS", "");
        pb.environment().put("GOCACHE", dir.resolve("cache").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("building the Go agent failed:\n" + out);
        }
        binary = dir.resolve("agent");
        return binary;
    }

    /** Starts a Go agent; {@code extra} are its flags (-join, -key, -metallb-secret, -meta, -proto, -compress). */
    Agent go(String name, String ip, int port, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(goBinary().toString(), "-name", name, "-bind", ip, "-port", String.valueOf(port)));
        cmd.addAll(List.of(extra));
        return add(new Agent(name, new ProcessBuilder(cmd).start()));
    }

    /** Starts a Java member in its own JVM ({@link AgentMain}). */
    Agent java(String name, String ip, int port, String join, String keyHex) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                AgentMain.class.getName(), name, ip, String.valueOf(port), join == null ? "-" : join, keyHex == null ? "-" : keyHex);
        return add(new Agent(name, new ProcessBuilder(cmd).start()));
    }

    private Agent add(Agent a) {
        agents.add(a);
        return a;
    }

    /** Waits (bounded) until {@code cond} holds; fails with every agent's output otherwise. */
    void await(String what, Duration max, java.util.function.BooleanSupplier cond) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out after " + max + " waiting for " + what + "\n" + agents);
            Thread.sleep(20);
        }
    }

    @Override public void close() {
        for (Agent a : agents) a.process.destroyForcibly();
        try {
            for (Agent a : agents) assertThat(a.process.waitFor(10, TimeUnit.SECONDS)).as("%s exited", a.name).isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
