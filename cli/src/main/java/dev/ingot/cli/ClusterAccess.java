package dev.ingot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Option;

/** What {@code ingot status} and {@code ingot explain} read: the API, and every speaker's /status endpoint. */
final class ClusterAccess {
    @Option(names = "--kubeconfig", defaultValue = "${env:KUBECONFIG}",
            description = "Kubeconfig file (default: $KUBECONFIG, else ~/.kube/config or in-cluster).")
    String kubeconfig;

    @Option(names = {"-n", "--namespace"}, defaultValue = "metallb-system",
            description = "Namespace Ingot runs in (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--speaker-labels", defaultValue = "app=metallb,component=speaker",
            description = "Labels of the speaker pods (default: ${DEFAULT-VALUE}).")
    String speakerLabels;

    @Option(names = "--speaker-port", defaultValue = "7472", description = "Speakers' HTTP port (default: 7472).")
    int speakerPort;

    /** How the speakers' /status is reached. */
    enum Via { apiserver, direct }

    @Option(names = "--via", defaultValue = "apiserver", description = "How to reach the speakers' /status: "
            + "apiserver (the API server's pod proxy, like kubectl; needs get pods/proxy) or direct (HTTP to each "
            + "node's address; needs a route to the nodes). Default: ${DEFAULT-VALUE}.")
    Via via;

    KubernetesClient client() throws IOException {
        Config c = kubeconfig != null && !kubeconfig.isBlank()
                ? Config.fromKubeconfig(Files.readString(Path.of(kubeconfig))) : Config.autoConfigure(null);
        c.setRequestTimeout(10_000);
        c.setRequestRetryBackoffLimit(0); // an interactive command: report a 5xx (the pod proxy's 503) at once
        return new KubernetesClientBuilder().withConfig(c).build();
    }

    /** One speaker: its pod, node, address, and its status document (null with the reason when unreachable). */
    record Speaker(String pod, String node, String address, JsonNode status, String error) {}

    List<Speaker> speakers(KubernetesClient client) {
        java.util.Map<String, String> selector = new java.util.LinkedHashMap<>();
        for (String kv : speakerLabels.split(",")) {
            String[] p = kv.split("=", 2);
            selector.put(p[0].strip(), p.length > 1 ? p[1].strip() : "");
        }
        List<Pod> pods = new ArrayList<>(client.pods().inNamespace(namespace).withLabels(selector).list().getItems());
        pods.sort(Comparator.comparing(p -> p.getSpec() == null || p.getSpec().getNodeName() == null ? ""
                : p.getSpec().getNodeName()));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
        ObjectMapper json = new ObjectMapper();
        List<Speaker> out = new ArrayList<>();
        for (Pod p : pods) {
            String name = p.getMetadata().getName();
            String node = p.getSpec() == null ? "" : String.valueOf(p.getSpec().getNodeName());
            String address = p.getStatus() == null ? null
                    : p.getStatus().getHostIP() != null ? p.getStatus().getHostIP() : p.getStatus().getPodIP();
            if (address == null) {
                out.add(new Speaker(name, node, "", null, "the pod has no address yet"));
                continue;
            }
            try {
                int code;
                String body;
                if (via == Via.apiserver) {
                    // GET /api/v1/namespaces/NS/pods/NAME:PORT/proxy/status, authenticated as the kubeconfig's user
                    var h = client.getHttpClient();
                    var r = h.sendAsync(h.newHttpRequestBuilder().uri(client.getMasterUrl().toString()
                            .replaceAll("/+$", "") + "/api/v1/namespaces/" + namespace + "/pods/" + name + ":"
                            + speakerPort + "/proxy/status").build(), String.class).get(10, TimeUnit.SECONDS);
                    code = r.code();
                    body = r.body();
                } else {
                    String host = address.contains(":") ? "[" + address + "]" : address;
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":"
                            + speakerPort + "/status")).timeout(Duration.ofSeconds(5)).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    code = r.statusCode();
                    body = r.body();
                }
                out.add(code == 200 ? new Speaker(name, node, address, json.readTree(body), null)
                        : new Speaker(name, node, address, null, "HTTP " + code + (via == Via.apiserver
                        ? " from the API server's pod proxy (" + firstLine(body) + "; try --via direct)" : "")));
            } catch (IOException | ExecutionException | TimeoutException e) {
                out.add(new Speaker(name, node, address, null, "unreachable via " + via + ": " + e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.add(new Speaker(name, node, address, null, "interrupted"));
            }
        }
        return out;
    }

    private static String firstLine(String body) {
        String b = body == null ? "" : body.strip();
        int nl = b.indexOf('\n');
        b = nl < 0 ? b : b.substring(0, nl);
        return b.length() > 200 ? b.substring(0, 200) + "…" : b;
    }
}
