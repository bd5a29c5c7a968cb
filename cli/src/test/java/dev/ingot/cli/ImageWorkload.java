package dev.ingot.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What each image runs, and what it must have done before it counts as started: the same for the AOT cache's training
 * run and for {@link ImageIT}. Both components talk to a {@link MockCluster}; the speaker runs without a dataplane and
 * without memberlist, so that it needs no privilege and touches no network but loopback.
 */
enum ImageWorkload {
    /** {@code ingot controller}: it assigns the Service an IP. */
    CONTROLLER("controller") {
        @Override
        List<String> args(int port) {
            return List.of("--port=" + port, "--config=config", "--log-level=info");
        }

        @Override
        Map<String, String> env() {
            // as manifests/controller.yaml sets them
            return Map.of("METALLB_NAMESPACE", MockCluster.NS, "METALLB_ML_SECRET_NAME", "memberlist",
                    "METALLB_DEPLOYMENT", "controller", "METALLB_POD_NAME", "controller-0");
        }

        @Override
        void prepare(MockCluster cluster) {
        }

        @Override
        boolean worked(MockCluster cluster) {
            return !cluster.ingress().isEmpty();
        }
    },
    /** {@code ingot speaker}: it becomes ready with the Service (given an IP here) to announce. */
    SPEAKER("speaker") {
        @Override
        List<String> args(int port) {
            return List.of("--port=" + port, "--host=127.0.0.1", "--config=config", "--log-level=info",
                    "--dataplane=none");
        }

        @Override
        Map<String, String> env() {
            return Map.of("METALLB_NAMESPACE", MockCluster.NS, "METALLB_NODE_NAME", MockCluster.NODE);
        }

        @Override
        void prepare(MockCluster cluster) {
            if (cluster.ingress().isEmpty()) {
                cluster.assign("192.0.2.1");
            }
        }

        @Override
        boolean worked(MockCluster cluster) {
            return true; // readiness is the speaker's own report that it has read everything
        }
    };

    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String subcommand;

    ImageWorkload(String subcommand) {
        this.subcommand = subcommand;
    }

    /** The arguments after the subcommand (the image's entry point ends with it), as the manifests pass them. */
    abstract List<String> args(int port);

    /** The environment the manifests give it. */
    abstract Map<String, String> env();

    /** Prepares the cluster before the start. */
    abstract void prepare(MockCluster cluster);

    /** Whether it has done its work in the cluster. */
    abstract boolean worked(MockCluster cluster);

    /** The status of GET http://127.0.0.1:PORT/PATH, or -1 when nothing answers. */
    static int status(int port, String path) {
        return get(port, path).statusCode();
    }

    /** GET http://127.0.0.1:PORT/PATH; a response with status -1 and an empty body when nothing answers. */
    static Reply get(int port, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            return new Reply(-1, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Reply(-1, "");
        }
    }

    record Reply(int statusCode, String body) {}

    /**
     * Waits (bounded by {@link #START_TIMEOUT}) until the process answers /healthz, and returns the milliseconds from
     * {@code startNanos}; throws if it exits or the time runs out.
     */
    static long awaitHealthy(Process p, int port, long startNanos) throws InterruptedException {
        long deadline = startNanos + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (status(port, "/healthz") == 200) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("exited with status " + p.exitValue() + " before answering /healthz");
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("no answer on /healthz within " + START_TIMEOUT);
    }

    /** Waits (bounded) until /readyz answers 200 and the workload has done its work. */
    void awaitWorked(Process p, int port, MockCluster cluster) throws InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (status(port, "/readyz") == 200 && worked(cluster)) {
                return;
            }
            if (!p.isAlive()) {
                throw new IllegalStateException("exited with status " + p.exitValue());
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(subcommand + " not ready, or its work not done, within " + START_TIMEOUT);
    }

    /** SIGTERM, as the kubelet stops a container; then SIGKILL if it has not exited within {@code grace}. */
    static void stop(ProcessHandle p, Duration grace) throws InterruptedException {
        p.destroy();
        try {
            p.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            p.destroyForcibly();
        }
    }
}
