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

    KubernetesClient client() throws IOException {
        Config c = kubeconfig != null && !kubeconfig.isBlank()
                ? Config.fromKubeconfig(Files.readString(Path.of(kubeconfig))) : Config.autoConfigure(null);
        c.setRequestTimeout(10_000);
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
            String node = p.getSpec() == null ? "" : String.valueOf(p.getSpec().getNodeName());
            String address = p.getStatus() == null ? null
                    : p.getStatus().getHostIP() != null ? p.getStatus().getHostIP() : p.getStatus().getPodIP();
            if (address == null) {
                out.add(new Speaker(p.getMetadata().getName(), node, "", null, "the pod has no address yet"));
                continue;
            }
            String host = address.contains(":") ? "[" + address + "]" : address;
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":"
                        + speakerPort + "/status")).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                out.add(r.statusCode() == 200 ? new Speaker(p.getMetadata().getName(), node, address,
                        json.readTree(r.body()), null) : new Speaker(p.getMetadata().getName(), node, address, null,
                        "HTTP " + r.statusCode()));
            } catch (IOException e) {
                out.add(new Speaker(p.getMetadata().getName(), node, address, null, "unreachable: " + e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.add(new Speaker(p.getMetadata().getName(), node, address, null, "interrupted"));
            }
        }
        return out;
    }
}
