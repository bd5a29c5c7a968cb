package dev.ingot.speaker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.bgp.SessionManager;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ingot speaker}: the node agent. Flags and environment variables are MetalLB's speaker's (docs/reference.md),
 * so existing DaemonSets and overlays keep working; Ingot's own flags follow.
 */
@Command(name = "speaker", mixinStandardHelpOptions = true,
        description = "Run the node agent: announce LoadBalancer IPs over BGP, bind them and balance with IPVS.")
public final class SpeakerMain implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(SpeakerMain.class);
    static final String SA_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    @Option(names = "--node-name", defaultValue = "${env:METALLB_NODE_NAME}", required = true,
            description = "This node's name (env METALLB_NODE_NAME).")
    String nodeName;

    @Option(names = "--host", defaultValue = "${env:METALLB_HOST}",
            description = "Address for the HTTP port (env METALLB_HOST; default: all addresses).")
    String host;

    @Option(names = "--port", defaultValue = "7472", description = "HTTP port: /metrics, /healthz, /readyz, /status.")
    int port;

    @Option(names = "--config", defaultValue = "config", description = "Name of the config ConfigMap.")
    String configName;

    @Option(names = "--namespace", defaultValue = "${env:METALLB_NAMESPACE}",
            description = "Namespace of the ConfigMap (env METALLB_NAMESPACE; default: the pod's own).")
    String namespace;

    @Option(names = "--kubeconfig", defaultValue = "${env:KUBECONFIG}",
            description = "Kubeconfig file (default: in-cluster configuration).")
    String kubeconfig;

    @Option(names = "--ml-bindaddr", defaultValue = "${env:METALLB_ML_BIND_ADDR}",
            description = "memberlist bind address (env METALLB_ML_BIND_ADDR).")
    String mlBindAddr;

    @Option(names = "--ml-bindport", defaultValue = "${env:METALLB_ML_BIND_PORT:-7946}",
            description = "memberlist port, TCP and UDP (env METALLB_ML_BIND_PORT).")
    int mlBindPort;

    @Option(names = "--ml-labels", defaultValue = "${env:METALLB_ML_LABELS}",
            description = "Label selector of the speaker pods to join (env METALLB_ML_LABELS).")
    String mlLabels;

    @Option(names = "--ml-secret-key", defaultValue = "${env:METALLB_ML_SECRET_KEY}",
            description = "memberlist encryption secret (env METALLB_ML_SECRET_KEY).")
    String mlSecretKey;

    @Option(names = "--ml-metallb-key-version", defaultValue = "${env:INGOT_ML_KEY_VERSION:-0.13}",
            description = "How the memberlist key is derived from the secret, as MetalLB 0.13 and older (first 16 "
                    + "bytes) or 0.14 and newer (32 bytes): match the MetalLB speakers you gossip with.")
    String mlKeyVersion;

    @Option(names = "--graceful-restart-time", defaultValue = "${env:INGOT_GRACEFUL_RESTART_TIME:-120}",
            description = "Restart time (s) advertised in the BGP Graceful Restart capability; 0 turns graceful "
                    + "restart off. A restarting speaker's routes stay at the switches that long (docs/failover.md).")
    int gracefulRestartSeconds;

    @Option(names = "--drain-delay", defaultValue = "${env:INGOT_DRAIN_DELAY:-5}",
            description = "Seconds a draining speaker keeps its sessions after re-announcing with GRACEFUL_SHUTDOWN "
                    + "and withdrawing, for the switches to move traffic, before it sends Cease.")
    int drainDelaySeconds;

    @Option(names = "--log-level", defaultValue = "info",
            description = "all, debug, info, warn, error or none.")
    String logLevel;

    @Option(names = "--dataplane", defaultValue = "${env:INGOT_DATAPLANE:-auto}",
            description = "ipvs: bind VIPs to kube-ipvs0 and program IPVS; none: leave them to kube-proxy, as "
                    + "MetalLB; auto: ipvs when the kernel has it, else none with a warning.")
    String dataplane;

    @Option(names = "--lb-class", defaultValue = "${env:METALLB_LB_CLASS}",
            description = "The spec.loadBalancerClass served; default: Services without a class.")
    String lbClass;

    @Option(names = {"--disable-epslices", "--enable-pprof"}, hidden = true,
            description = "MetalLB flags accepted for compatibility; Ingot always uses EndpointSlices, has no pprof.")
    boolean ignored;

    @Override
    public Integer call() throws Exception {
        setLogLevel(logLevel);
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("event=stopping node={}", nodeName);
            stop.countDown();
            try {
                done.await(drainDelaySeconds + 10L, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "speaker-shutdown"));
        try (Running running = start()) {
            stop.await();
            running.shutdown();
        } finally {
            done.countDown();
        }
        return 0;
    }

    /**
     * Starts a speaker from these options, wired exactly as {@link #call()} runs it, and returns once it is ready
     * (caches synced, first plan applied). {@code call()} is this plus waiting for SIGTERM; tests start several in
     * one JVM with it.
     */
    Running start() throws Exception {
        String ns = namespace != null && !namespace.isBlank() ? namespace
                : Files.isReadable(Path.of(SA_NAMESPACE)) ? Files.readString(Path.of(SA_NAMESPACE)).strip()
                : "metallb-system";
        Config kc = kubeconfig != null && !kubeconfig.isBlank()
                ? Config.fromKubeconfig(Files.readString(Path.of(kubeconfig))) : Config.autoConfigure(null);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LOG.info("event=starting node={} namespace={} config={} dataplane={} java={}", nodeName, ns, configName,
                dataplane, Runtime.version());
        if (ignored) {
            LOG.warn("event=flagIgnored flags=\"--disable-epslices/--enable-pprof\" reason=\"not needed by Ingot\"");
        }
        Running r = new Running();
        try {
            KubernetesClient client = r.own(new KubernetesClientBuilder().withConfig(kc)
                    .withKubernetesSerialization(serialization()).build());
            SessionManager bgp = r.own(SessionManager.builder().nodeName(nodeName).meterRegistry(registry).build());
            r.announcer = r.own(new BgpAnnouncer(bgp, new dev.ingot.bgp.bfd.BfdSessionManager(registry),
                    java.time.Duration.ofSeconds(gracefulRestartSeconds)));
            Dataplane plane = r.own(Dataplanes.open(dataplane));
            r.speaker = r.own(new Speaker(client, new Speaker.Settings(nodeName, ns, configName,
                    Optional.ofNullable(lbClass).filter(s -> !s.isBlank()), 50), r.announcer, plane,
                    r::deadNodes, registry, Clock.systemUTC()));
            r.membership = startMembership(client, ns, registry, r.speaker);
            if (r.membership != null) {
                r.own(r.membership);
            }
            r.http = r.own(new HttpEndpoints(new InetSocketAddress(host == null || host.isBlank() ? "0.0.0.0"
                    : host, port), registry, r.speaker::ready, r.speaker::status));
            r.speaker.start();
            LOG.info("event=ready node={} http={}", nodeName, r.http.address());
            return r;
        } catch (Exception | Error e) {
            r.close();
            throw e;
        }
    }

    /**
     * A started speaker: its Kubernetes client, BGP sessions, dataplane, planning loop, memberlist and HTTP port.
     * {@link #shutdown()} is what SIGTERM does before {@link #close()}; {@code close()} alone stops everything (with a
     * memberlist leave) without the BGP goodbye.
     */
    final class Running implements AutoCloseable {
        private final Deque<AutoCloseable> resources = new ArrayDeque<>();
        private volatile Membership membership;
        private Speaker speaker;
        private BgpAnnouncer announcer;
        private HttpEndpoints http;

        private <T extends AutoCloseable> T own(T resource) {
            resources.push(resource);
            return resource;
        }

        private Set<String> deadNodes() {
            Membership m = membership;
            return m == null ? Set.of() : m.deadNodes();
        }

        Speaker speaker() {
            return speaker;
        }

        /** The HTTP port's address (/metrics, /status). */
        InetSocketAddress httpAddress() {
            return http.address();
        }

        /**
         * docs/failover.md: a drained or excluded node withdraws; otherwise a restart is expected and, with graceful
         * restart, the switches keep the routes until the new speaker is back.
         */
        void shutdown() {
            boolean restart = gracefulRestartSeconds > 0 && speaker.restartExpected();
            announcer.shutdown(restart, java.time.Duration.ofSeconds(drainDelaySeconds));
        }

        /** Closes in the reverse order of creation: HTTP, memberlist (leaving), speaker, dataplane, BGP, client. */
        @Override
        public void close() {
            RuntimeException first = null;
            while (!resources.isEmpty()) {
                try {
                    resources.pop().close();
                } catch (Exception e) {
                    if (first == null) {
                        first = new IllegalStateException("stopping the speaker failed", e);
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    /** memberlist runs when --ml-bindaddr and --ml-labels are set, as in MetalLB; null otherwise. */
    private Membership startMembership(KubernetesClient client, String ns, PrometheusMeterRegistry registry,
                                       Speaker speaker) throws java.io.IOException {
        if (mlBindAddr == null || mlBindAddr.isBlank() || mlLabels == null || mlLabels.isBlank()) {
            LOG.warn("event=memberlistDisabled reason=\"need --ml-bindaddr and --ml-labels (METALLB_ML_BIND_ADDR, "
                    + "METALLB_ML_LABELS)\"");
            return null;
        }
        Membership m = new Membership(nodeName, dev.ingot.config.IpAddresses.parse(mlBindAddr), mlBindPort,
                mlSecretKey, mlKeyVersion, client, ns, mlLabels, registry, speaker::trigger);
        speaker.addStatus("memberlist", m::state);
        return m;
    }

    /**
     * fabric8's JSON mapping, except that {@code metadata.managedFields} is skipped unread: the speaker never uses it,
     * and it is often the largest part of a listed Service or EndpointSlice (a tree of maps once parsed).
     */
    static KubernetesSerialization serialization() {
        return new KubernetesSerialization(new ObjectMapper().addMixIn(ObjectMeta.class, WithoutManagedFields.class),
                true);
    }

    @JsonIgnoreProperties(value = "managedFields", ignoreUnknown = true)
    private abstract static class WithoutManagedFields {}

    static void setLogLevel(String level) {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            ctx.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(switch (level) {
                case "all", "debug" -> Level.DEBUG;
                case "warn" -> Level.WARN;
                case "error" -> Level.ERROR;
                case "none" -> Level.OFF;
                default -> Level.INFO;
            });
        }
    }
}
