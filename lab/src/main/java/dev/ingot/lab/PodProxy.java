package dev.ingot.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API server's pod proxy ({@code GET /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH}), which fabric8's mock
 * server does not have: the lab's API server forwards such a GET to the pod's address, as kube-apiserver does, so
 * that {@code ingot status} and {@code ingot explain} take the same path in the lab as against a real cluster. Every
 * other request goes to the CRUD dispatcher. GET only; short time-outs, because the mock server dispatches on its
 * event loop.
 */
final class PodProxy extends Dispatcher {
    private static final Pattern PROXY = Pattern.compile(
            "/api/v1/namespaces/([^/]+)/pods/([^/:]+)(?::(\\d+))?/proxy(/[^?]*)?(\\?.*)?");
    private final Dispatcher crud;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final ObjectMapper json = new ObjectMapper();

    PodProxy(Dispatcher crud) {
        this.crud = crud;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        Matcher m = PROXY.matcher(request.getPath());
        if (!m.matches() || !"GET".equals(request.getMethod())) {
            return crud.dispatch(request);
        }
        MockResponse pod = crud.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET,
                "/api/v1/namespaces/" + m.group(1) + "/pods/" + m.group(2), Headers.builder().build(), new Buffer()));
        if (pod.code() != 200) {
            return pod;
        }
        try {
            JsonNode status = json.readTree(pod.getBody().readUtf8()).path("status");
            String ip = status.path("podIP").asText(status.path("hostIP").asText(""));
            if (ip.isEmpty()) {
                return new MockResponse().setResponseCode(503).setBody("pod " + m.group(2) + " has no address");
            }
            String host = ip.contains(":") ? "[" + ip + "]" : ip;
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":"
                    + (m.group(3) == null ? "80" : m.group(3)) + (m.group(4) == null ? "/" : m.group(4))
                    + (m.group(5) == null ? "" : m.group(5)))).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            MockResponse out = new MockResponse().setResponseCode(r.statusCode()).setBody(r.body());
            r.headers().firstValue("Content-Type").ifPresent(v -> out.setHeader("Content-Type", v));
            return out;
        } catch (IOException e) {
            return new MockResponse().setResponseCode(503).setBody("error trying to reach service: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MockResponse().setResponseCode(503).setBody("interrupted");
        }
    }

    @Override
    public void shutdown() {
        crud.shutdown();
    }
}
