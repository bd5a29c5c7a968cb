package dev.ingot.controller;

import static dev.ingot.controller.MockCluster.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The process as operators run it: MetalLB's flags, a kubeconfig, /metrics, /healthz and /readyz. */
@EnableKubernetesMockClient(crud = true, https = false)
class ControllerMainIT {
    KubernetesMockServer server;
    KubernetesClient client;

    @Test
    void runsWithMetalLbsFlags(@TempDir Path dir) throws Exception {
        config(client, pools("p 10.0.0.0/24"));
        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "%s", insecure-skip-tls-verify: true}
                users:
                - name: u
                  user: {token: test}
                contexts:
                - name: mock
                  context: {cluster: mock, user: u, namespace: default}
                current-context: mock
                """.formatted(client.getConfiguration().getMasterUrl()));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ControllerMain main = new ControllerMain();
        new CommandLine(main).parseArgs("--port=" + port, "--config=config", "--log-level=warn",
                "--namespace=" + NS, "--kubeconfig=" + kubeconfig, "--ml-secret-name=memberlist",
                "--deployment=controller", "--disable-leader-election", "--identity=test");
        // Its own thread, as in production: call() blocks until stopped, and the common pool is fabric8's.
        CompletableFuture<Integer> run = new CompletableFuture<>();
        Thread.ofPlatform().name("controller-main").start(() -> {
            try {
                run.complete(main.call());
            } catch (Exception e) {
                run.completeExceptionally(e);
            }
        });
        try (HttpClient http = HttpClient.newHttpClient()) {
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            create(client, svc("ns", "web", "10.96.0.1"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ingress(client, "ns", "web"))
                    .containsExactly("10.0.0.0"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                    .body()).contains("metallb_allocator_addresses_in_use_total{pool=\"p\"} 1")
                    .contains("metallb_k8s_client_config_loaded_bool 1.0"));
            assertThat(client.secrets().inNamespace(NS).withName("memberlist").get()).isNotNull();
        } finally {
            main.stop.countDown();
        }
        assertThat(run.get()).isZero();
    }
}
