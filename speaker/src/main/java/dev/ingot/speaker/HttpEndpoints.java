package dev.ingot.speaker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The speaker's HTTP port (7472 as MetalLB's): {@code /metrics} (Prometheus), {@code /healthz} (the process is
 * alive), {@code /readyz} (caches synced and the first plan applied) and {@code /status} (JSON for {@code ingot
 * status} and {@code ingot explain}).
 */
final class HttpEndpoints implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final HttpServer server;

    HttpEndpoints(InetSocketAddress address, PrometheusMeterRegistry registry, BooleanSupplier ready,
                  Supplier<Object> status) throws IOException {
        server = HttpServer.create(address, 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/metrics", x -> send(x, 200, "text/plain; version=0.0.4; charset=utf-8",
                registry.scrape()));
        server.createContext("/healthz", x -> send(x, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", x -> {
            boolean r = ready.getAsBoolean();
            send(x, r ? 200 : 503, "text/plain", r ? "ready\n" : "not ready\n");
        });
        server.createContext("/status", x -> send(x, 200, "application/json",
                JSON.writeValueAsString(status.get()) + "\n"));
        server.start();
    }

    InetSocketAddress address() {
        return server.getAddress();
    }

    private static void send(HttpExchange x, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(code, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
