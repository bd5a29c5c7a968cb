package dev.ingot.controller;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The controller process: {@code ingot controller} (or {@code java dev.ingot.controller.ControllerMain}). Flags and
 * environment variables are MetalLB's controller's, plus Ingot's own (docs/controller.md).
 */
@Command(name = "controller", mixinStandardHelpOptions = true,
        description = {"Run the controller: assign LoadBalancer IPs from MetalLB's config ConfigMap.",
                "Flags and environment variables are MetalLB's controller's."})
public final class ControllerMain implements Callable<Integer> {
    private static final Path SA_NAMESPACE = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/namespace");

    @Option(names = "--config", defaultValue = "config", description = "Name of the config ConfigMap (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--namespace", defaultValue = "${env:METALLB_NAMESPACE}",
            description = "Namespace of the ConfigMap, Lease and Secret (env METALLB_NAMESPACE; else the service account's; else metallb-system).")
    String namespace;

    @Option(names = "--kubeconfig", defaultValue = "${env:KUBECONFIG}", description = "Kubeconfig file (default: in-cluster).")
    String kubeconfig;

    @Option(names = "--port", defaultValue = "7472", description = "Port of /metrics, /healthz and /readyz (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--log-level", defaultValue = "info", description = "all, debug, info, warn, error or none (default: ${DEFAULT-VALUE}).")
    String logLevel;

    @Option(names = "--ml-secret-name", defaultValue = "${env:METALLB_ML_SECRET_NAME}",
            description = "Name of the memberlist Secret to create if absent (env METALLB_ML_SECRET_NAME).")
    String mlSecretName;

    @Option(names = "--deployment", defaultValue = "${env:METALLB_DEPLOYMENT}",
            description = "Name of the controller Deployment, owner of the memberlist Secret (env METALLB_DEPLOYMENT).")
    String deployment;

    @Option(names = "--lb-class", defaultValue = "${env:METALLB_LB_CLASS}",
            description = "The spec.loadBalancerClass to serve; without it, only Services without a class.")
    String lbClass;

    @Option(names = "--ip-mode-proxy", description = "Write ipMode: Proxy on every ingress entry, so kube-proxy does not also bind the VIP.")
    boolean ipModeProxy;

    @Option(names = "--disable-leader-election", description = "Act as leader at once (a single replica).")
    boolean noLeaderElection;

    @Option(names = "--identity", defaultValue = "${env:METALLB_POD_NAME}",
            description = "This replica's name in the leader Lease (env METALLB_POD_NAME; default: the host name).")
    String identity;

    /** Counted down by the shutdown hook (or a test) to stop the controller. */
    final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        configureLogging(logLevel);
        String ns = namespace != null && !namespace.isEmpty() ? namespace
                : Files.isReadable(SA_NAMESPACE) ? Files.readString(SA_NAMESPACE).strip() : "metallb-system";
        String id = identity != null && !identity.isEmpty() ? identity : InetAddress.getLocalHost().getHostName();
        if (kubeconfig != null && !kubeconfig.isEmpty()) {
            // fabric8's own way to name the file: its KUBERNETES_* environment overrides still apply.
            System.setProperty(Config.KUBERNETES_KUBECONFIG_FILE, kubeconfig);
        }
        Config kc = Config.autoConfigure(null);
        ControllerMetrics metrics = new ControllerMetrics();
        Reconciler.Options opts = Reconciler.Options.defaults(ns, id).withConfigMapName(config)
                .withLoadBalancerClass(lbClass).withIpModeProxy(ipModeProxy).withMemberlist(mlSecretName, deployment)
                .withLeaderElection(!noLeaderElection, Duration.ofSeconds(15), Duration.ofSeconds(10),
                        Duration.ofSeconds(2));
        LoggerFactory.getLogger(ControllerMain.class).info("event=starting namespace={} config={} identity={} "
                + "lbClass={} ipModeProxy={} port={} java={}", ns, config, id, lbClass, ipModeProxy, port,
                Runtime.version());
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(kc).build();
             Reconciler r = new Reconciler(client, opts, metrics);
             HttpEndpoints http = new HttpEndpoints(port, metrics, r::isSynced)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
            r.start();
            stop.await();
        }
        return 0;
    }

    /** One line per event, key=value, with MetalLB's log levels. */
    static void configureLogging(String level) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        ctx.reset();
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        enc.setPattern("ts=%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} level=%level caller=%logger{0} %msg%n");
        enc.start();
        ConsoleAppender<ILoggingEvent> out = new ConsoleAppender<>();
        out.setContext(ctx);
        out.setEncoder(enc);
        out.start();
        ch.qos.logback.classic.Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(out);
        root.setLevel(switch (level) {
            case "all", "debug" -> Level.DEBUG;
            case "warn" -> Level.WARN;
            case "error" -> Level.ERROR;
            case "none" -> Level.OFF;
            default -> Level.INFO;
        });
        ctx.getLogger("io.fabric8").setLevel(root.getLevel().isGreaterOrEqual(Level.WARN) ? root.getLevel() : Level.WARN);
        org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
        org.slf4j.bridge.SLF4JBridgeHandler.install();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ControllerMain()).execute(args));
    }
}
