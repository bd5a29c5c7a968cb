package dev.ingot.cli;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's mock API server in CRUD mode over HTTPS on loopback, named {@code localhost} by its self-signed certificate,
 * holding what the controller and the speaker need to do their work: MetalLB's config ConfigMap (one pool, one BGP
 * peer on a loopback port where nothing listens), the controller Deployment, a Node and a LoadBalancer Service with an
 * EndpointSlice. Used by the images' AOT training run and by {@link ImageIT}.
 */
final class MockCluster implements AutoCloseable {
    static final String NS = "metallb-system";
    static final String NODE = "node1";
    static final String TOKEN = "ingot-image-test";
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    final KubernetesMockServer server;
    final KubernetesClient client;
    private final MockWebServer web = new MockWebServer();

    MockCluster() throws IOException {
        MOCK_LOG.setLevel(Level.WARNING); // it logs every request at INFO
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), web, responses,
                new KubernetesMixedDispatcher(responses), true);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig(Path.of(caPath()))))
                .build();
        seed();
    }

    int port() {
        return server.getPort();
    }

    /** The PEM file of the certificate authority (the server's self-signed certificate). */
    String caPath() {
        return web.getSelfSignedCertificate().certificatePath();
    }

    /** A kubeconfig for https://localhost:PORT that trusts {@code ca}, with a bearer token. */
    String kubeconfig(Path ca) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: mock
                  cluster: {server: "https://localhost:%d", certificate-authority: "%s"}
                contexts:
                - name: mock
                  context: {cluster: mock, user: mock, namespace: %s}
                current-context: mock
                users:
                - name: mock
                  user: {token: %s}
                """.formatted(port(), ca, NS, TOKEN);
    }

    /** What the kubelet mounts in a pod for in-cluster access: token, ca.crt and namespace, written into {@code dir}. */
    void serviceAccount(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("token"), TOKEN);
        Files.writeString(dir.resolve("namespace"), NS);
        Files.copy(Path.of(caPath()), dir.resolve("ca.crt"));
    }

    private void seed() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort(); // closed again at once: the speaker's BGP session keeps trying, as for a dead peer
        }
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("config")
                .withNamespace(NS).endMetadata().addToData("config", """
                        peers: [{my-asn: 64512, peer-asn: 64513, peer-address: 127.0.0.1, peer-port: %d}]
                        address-pools: [{name: default, protocol: bgp, addresses: [192.0.2.0/28]}]
                        """.formatted(closed)).build()).create();
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder().withNewMetadata()
                .withName("controller").withNamespace(NS).endMetadata().withNewSpec().endSpec().build()).create();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build()).create();
        client.services().inNamespace("demo").resource(new ServiceBuilder().withNewMetadata().withName("web")
                .withNamespace("demo").endMetadata().withNewSpec().withType("LoadBalancer").withClusterIP("10.96.0.10")
                .withClusterIPs("10.96.0.10").withIpFamilies("IPv4").addNewPort().withName("http").withProtocol("TCP")
                .withPort(80).endPort().endSpec().build()).create();
        client.discovery().v1().endpointSlices().inNamespace("demo").resource(new EndpointSliceBuilder()
                .withNewMetadata().withName("web-1").withNamespace("demo")
                .addToLabels("kubernetes.io/service-name", "web").endMetadata().withAddressType("IPv4")
                .addNewPort().withName("http").withProtocol("TCP").withPort(8080).endPort()
                .addNewEndpoint().withAddresses("10.244.1.10").withNodeName(NODE).endEndpoint().build()).create();
    }

    /** The Service's load-balancer IPs (empty until the controller assigns one). */
    List<String> ingress() {
        Service s = client.services().inNamespace("demo").withName("web").get();
        return s.getStatus() == null || s.getStatus().getLoadBalancer() == null
                || s.getStatus().getLoadBalancer().getIngress() == null ? List.of()
                : s.getStatus().getLoadBalancer().getIngress().stream().map(i -> i.getIp()).toList();
    }

    /** Gives the Service an IP as the controller would, so that a speaker alone has something to announce. */
    void assign(String ip) {
        Service s = client.services().inNamespace("demo").withName("web").get();
        client.services().inNamespace("demo").resource(new ServiceBuilder(s).withNewStatus().withNewLoadBalancer()
                .withIngress(new LoadBalancerIngressBuilder().withIp(ip).build()).endLoadBalancer().endStatus()
                .build()).updateStatus();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
