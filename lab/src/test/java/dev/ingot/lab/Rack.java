package dev.ingot.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Drives one rack through lab/rack, with its own state directory so that it never meets a demo rack. */
final class Rack implements AutoCloseable {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    final Path state;

    Rack(String name) {
        state = Path.of("/run", "ingot-lab-" + name + "-" + ProcessHandle.current().pid());
    }

    /** The result of one command. */
    record Result(int status, String out) {}

    Result run(long timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ROOT.resolve("lab/rack").toString());
        cmd.addAll(List.of(args));
        try {
            Path log = Files.createTempFile("rack", ".out");
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("INGOT_LAB_STATE", state.toString());
            pb.environment().put("INGOT_LAB_NO_BUILD", "1");
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("lab/rack " + String.join(" ", args) + " took more than "
                        + timeoutSeconds + " s:\n" + Files.readString(log));
            }
            String out = Files.readString(log, StandardCharsets.UTF_8);
            Files.deleteIfExists(log);
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String ok(long timeoutSeconds, String... args) {
        Result r = run(timeoutSeconds, args);
        if (r.status() != 0) {
            throw new IllegalStateException("lab/rack " + String.join(" ", args) + " failed (" + r.status() + "):\n"
                    + r.out());
        }
        return r.out();
    }

    /** Applies a YAML document to the lab's API. */
    void apply(String yaml) {
        try {
            Path f = Files.createTempFile("rack", ".yaml");
            Files.writeString(f, yaml);
            ok(60, "kubectl", "apply", f.toString());
            Files.delete(f);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    void delete(String yaml) {
        try {
            Path f = Files.createTempFile("rack", ".yaml");
            Files.writeString(f, yaml);
            run(60, "kubectl", "delete", f.toString());
            Files.delete(f);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The Service's first ingress IP, or "" when it has none. */
    String vip(String namespace, String name) {
        Result r = run(60, "kubectl", "get", "svc", namespace, name);
        for (String line : r.out().split("\n")) {
            String t = line.strip();
            if (t.startsWith("- ip:")) {
                return t.substring(5).strip().replace("\"", "");
            }
        }
        return "";
    }

    /** The switch's kernel next hops for a /32, as node addresses. */
    List<String> nextHops(String ip) {
        String out = run(30, "tor", "ip", "-j", "route", "show", ip + "/32").out().strip();
        List<String> hops = new ArrayList<>();
        try {
            for (JsonNode route : new ObjectMapper().readTree(out.isEmpty() ? "[]" : out)) {
                if (route.has("nexthops")) {
                    route.path("nexthops").forEach(n -> hops.add(n.path("gateway").asText()));
                } else if (route.has("gateway")) {
                    hops.add(route.path("gateway").asText());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read `ip -j route` output: " + out, e);
        }
        hops.sort(null);
        return hops;
    }

    /** The switch's BGP paths for a /32 (FRR JSON). */
    int bgpPaths(String ip) {
        String out = run(30, "tor", "vtysh", "-c", "show bgp ipv4 unicast " + ip + "/32 json").out();
        try {
            return new ObjectMapper().readTree(out).path("paths").size();
        } catch (IOException e) {
            return 0;
        }
    }

    String events(String namespace, String name) {
        return run(60, "kubectl", "get", "events", namespace, name).out();
    }

    @Override
    public void close() {
        run(120, "down");
    }
}
