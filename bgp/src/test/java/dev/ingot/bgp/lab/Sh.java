package dev.ingot.bgp.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs lab commands (test code only: the product never runs ip, vtysh or the like). Bounded in time. */
public final class Sh {
    private Sh() {}

    public record Result(int exit, String out) {}

    public static Result run(List<String> cmd, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[][] out = new byte[1][];
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    out[0] = p.getInputStream().readAllBytes();
                } catch (IOException e) {
                    out[0] = new byte[0];
                }
            });
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + String.join(" ", cmd));
            }
            reader.join(5000);
            return new Result(p.exitValue(), new String(out[0] == null ? new byte[0] : out[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code sh -c script}; fails with its output when it exits non-zero. */
    public static String sh(String script) {
        Result r = run(List.of("sh", "-c", script), 30);
        if (r.exit() != 0) throw new IllegalStateException("exit " + r.exit() + ": " + script + "\n" + r.out());
        return r.out();
    }

    /** Like {@link #sh} but returns the output whatever the exit status. */
    public static String shQuiet(String script) {
        return run(List.of("sh", "-c", script), 30).out();
    }
}
