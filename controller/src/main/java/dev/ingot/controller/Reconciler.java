package dev.ingot.controller;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.ingot.config.ConfigError;
import dev.ingot.config.ConfigParser;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.LoadBalancerIngressBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's I/O edge: fabric8 informers on Services and the config ConfigMap feed a work queue keyed by
 * {@code namespace/name}; one worker thread drives the pure {@link Balancer} and writes what it decides (Service
 * status through the status subresource, Events). Status is the database: on becoming leader the worker lists
 * every Service from the API server and takes over the addresses their statuses hold before it allocates anything.
 *
 * <p>Read-your-own-writes: every object the worker gets from the API server (the list at take-over, its own status
 * writes, re-reads after a conflict) is kept until the informer's copy is at least as new (by resourceVersion), so a
 * lagging informer can never make the worker forget an address it handed out. A status write carries the
 * resourceVersion it was decided on: if the Service changed meanwhile the server answers 409 and the Service is
 * re-read and decided again.
 *
 * <p>Decisions are made one at a time by the worker; the status writes they need go out from up to
 * {@link #STATUS_WRITERS} threads, so that a bulk of Services is not written one round trip after the other. While a
 * Service's write is in flight its key is not decided again: a change meanwhile is decided once the write is done.
 */
public final class Reconciler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    static final String CONFIG_KEY = "config";
    static final String LEAD_KEY = "lead";
    static final String SECRET_KEY = "memberlist-secret";

    /**
     * How the controller runs.
     *
     * @param namespace where the ConfigMap, the Lease and the memberlist Secret live
     * @param configMapName the ConfigMap's name ({@code config})
     * @param loadBalancerClass the class served, or null for Services without one
     * @param ipModeProxy write {@code ipMode: Proxy} on every ingress entry
     * @param mlSecretName the memberlist Secret to create if absent, or null
     * @param deploymentName the controller Deployment that owns that Secret, or null
     * @param identity this replica's name in the Lease
     * @param leaderElection false to act as leader at once (one replica)
     * @param leaseDuration Lease duration
     * @param renewDeadline how long the leader may fail to renew before it stops
     * @param retryPeriod how often candidates retry
     * @param retryBase first back-off after a failed work item
     * @param retryMax longest back-off
     */
    public record Options(String namespace, String configMapName, String loadBalancerClass, boolean ipModeProxy,
                          String mlSecretName, String deploymentName, String identity, boolean leaderElection,
                          Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, Duration retryBase,
                          Duration retryMax) {
        public static Options defaults(String namespace, String identity) {
            return new Options(namespace, "config", null, false, null, null, identity, true, Duration.ofSeconds(15),
                    Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofMillis(50), Duration.ofSeconds(60));
        }

        public Options withLoadBalancerClass(String c) {
            return new Options(namespace, configMapName, c, ipModeProxy, mlSecretName, deploymentName, identity,
                    leaderElection, leaseDuration, renewDeadline, retryPeriod, retryBase, retryMax);
        }

        public Options withIpModeProxy(boolean p) {
            return new Options(namespace, configMapName, loadBalancerClass, p, mlSecretName, deploymentName, identity,
                    leaderElection, leaseDuration, renewDeadline, retryPeriod, retryBase, retryMax);
        }

        public Options withMemberlist(String secret, String deployment) {
            return new Options(namespace, configMapName, loadBalancerClass, ipModeProxy, secret, deployment, identity,
                    leaderElection, leaseDuration, renewDeadline, retryPeriod, retryBase, retryMax);
        }

        public Options withConfigMapName(String name) {
            return new Options(namespace, name, loadBalancerClass, ipModeProxy, mlSecretName, deploymentName, identity,
                    leaderElection, leaseDuration, renewDeadline, retryPeriod, retryBase, retryMax);
        }

        public Options withLeaderElection(boolean on, Duration lease, Duration renew, Duration retry) {
            return new Options(namespace, configMapName, loadBalancerClass, ipModeProxy, mlSecretName, deploymentName,
                    identity, on, lease, renew, retry, retryBase, retryMax);
        }
    }

    private final KubernetesClient client;
    private final Options o;
    private final ControllerMetrics metrics;
    private final ScheduledExecutorService timer;
    private final WorkQueue queue;
    /** Status writes in flight at once. */
    static final int STATUS_WRITERS = 8;
    private final java.util.concurrent.ExecutorService writers = Executors.newFixedThreadPool(STATUS_WRITERS,
            r -> Thread.ofPlatform().name("ingot-controller-status").daemon().unstarted(r));
    /** Keys whose status write is in flight, and whether they were asked for meanwhile (decided again after it). */
    private final ConcurrentHashMap<String, Boolean> writing = new ConcurrentHashMap<>();
    private final EventRecorder events;
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<ConfigMap> configMaps;
    private Thread worker;
    private volatile boolean closed;
    private volatile boolean synced;
    private volatile boolean leading;
    private volatile CompletableFuture<?> election;

    /** Newer copies than the informer's, from our own reads and writes. */
    private final ConcurrentHashMap<String, Service> fresher = new ConcurrentHashMap<>();
    /** resourceVersion at deletion, so that an older copy is never resurrected. */
    private final Cache<String, Long> deleted = Caffeine.newBuilder().expireAfterWrite(Duration.ofMinutes(10)).build();

    // Worker-thread state.
    private Balancer balancer;
    private boolean bootstrapped;
    private final Set<String> waiting = new HashSet<>();
    private boolean configRejected;

    public Reconciler(KubernetesClient client, Options options, ControllerMetrics metrics) {
        this.client = client;
        this.o = options;
        this.metrics = metrics;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ingot-controller-timer");
            t.setDaemon(true);
            return t;
        });
        this.queue = new WorkQueue(timer, options.retryBase(), options.retryMax());
        this.events = new EventRecorder(client, Clock.systemUTC());
    }

    /** Starts the informers, then (once they have synced) the leader election and the worker. */
    public void start() {
        services = client.services().inAnyNamespace().runnableInformer(0);
        services.addEventHandler(handler(s -> key(s), true));
        // The whole namespace, filtered here: a field-selected watch is not served alike by every API server.
        configMaps = client.configMaps().inNamespace(o.namespace()).runnableInformer(0);
        configMaps.addEventHandler(handler(cm -> o.configMapName().equals(cm.getMetadata().getName()) ? CONFIG_KEY
                : null, false));
        // A failed list or watch (5xx, a dropped connection, 410 Gone) is retried with the informer's back-off and
        // a re-list, never given up on: without the informers the controller would be blind.
        services.exceptionHandler((started, t) -> retryInformer("services", t));
        configMaps.exceptionHandler((started, t) -> retryInformer("configmaps", t));
        worker = Thread.ofPlatform().name("ingot-controller-worker").daemon().start(this::work);
        services.start();
        configMaps.start();
        awaitSync();
    }

    /**
     * Synced means both initial lists are in the caches (a watch that keeps failing is the informers' business:
     * they re-list and re-watch on their own). Checked on the timer at start-up only.
     */
    private void awaitSync() {
        if (closed) {
            return;
        }
        if (!services.hasSynced() || !configMaps.hasSynced()) {
            timer.schedule(this::awaitSync, 50, TimeUnit.MILLISECONDS);
            return;
        }
        synced = true;
        log.info("event=cacheSynced services={}", services.getStore().list().size());
        if (o.leaderElection()) {
            elect();
        } else {
            startLeading();
        }
    }

    private boolean retryInformer(String what, Throwable t) {
        if (!closed) {
            log.warn("event=informerRetry resource={} error=\"{}\"", what, String.valueOf(t.getMessage())
                    .replace('"', '\''));
        }
        return !closed;
    }

    /** True once the informers have their initial lists (readiness). */
    public boolean isSynced() {
        return synced;
    }

    public boolean isLeader() {
        return leading;
    }

    private <T extends HasMetadata> ResourceEventHandler<T> handler(Function<T, String> keyOf, boolean isService) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                if (isService) {
                    deleted.invalidate(key(obj));
                }
                add(keyOf.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                add(keyOf.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean unknownFinalState) {
                if (isService) {
                    String k = key(obj);
                    deleted.put(k, rv(obj));
                    fresher.remove(k);
                }
                add(keyOf.apply(obj));
            }

            private void add(String key) {
                if (key != null) {
                    queue.add(key);
                }
            }
        };
    }

    private void elect() {
        if (closed) {
            return;
        }
        var config = new LeaderElectionConfigBuilder().withName("ingot-controller")
                .withLock(new LeaseLock(o.namespace(), "ingot-controller", o.identity()))
                .withLeaseDuration(o.leaseDuration()).withRenewDeadline(o.renewDeadline())
                .withRetryPeriod(o.retryPeriod()).withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading,
                        id -> log.info("event=newLeader leader={} me={}", id, o.identity())))
                .build();
        CompletableFuture<?> f = client.leaderElector().withConfig(config).build().start();
        election = f;
        // The elector returns once leadership is lost: stand again, as a follower, until closed.
        f.whenComplete((v, err) -> {
            if (!closed) {
                timer.schedule(this::elect, o.retryPeriod().toMillis(), TimeUnit.MILLISECONDS);
            }
        });
    }

    private void startLeading() {
        log.info("event=startedLeading identity={}", o.identity());
        leading = true;
        metrics.leader.set(1);
        queue.add(LEAD_KEY);
    }

    private void stopLeading() {
        log.info("event=stoppedLeading identity={}", o.identity());
        leading = false;
        metrics.leader.set(0);
        queue.clear();
        queue.add(LEAD_KEY); // the worker drops its state
    }

    private void work() {
        while (!closed) {
            String key;
            try {
                key = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) {
                return;
            }
            try {
                process(key);
                if (!writing.containsKey(key)) {
                    queue.forget(key); // else once its write succeeds: failed writes back off
                }
            } catch (RuntimeException e) {
                metrics.updateErrors.increment();
                if (!closed) {
                    Duration d = queue.addRateLimited(key);
                    log.warn("event=retry key={} in={}ms error=\"{}\"", key, d.toMillis(), e.toString());
                }
            } finally {
                metrics.updates.increment();
                metrics.publish(balancer == null ? null : balancer.allocator());
                queue.done(key);
            }
        }
    }

    private void process(String key) {
        if (!leading) {
            if (bootstrapped) {
                log.info("event=dropState reason=notLeader");
                balancer = null;
                bootstrapped = false;
                waiting.clear();
                fresher.clear();
            }
            return;
        }
        if (!bootstrapped) {
            bootstrap();
            return;
        }
        switch (key) {
            case LEAD_KEY -> { }
            case SECRET_KEY -> ensureMemberlistSecret();
            case CONFIG_KEY -> syncConfig();
            default -> syncService(key);
        }
    }

    /**
     * Take-over: a consistent list of every Service from the API server (the informer may lag behind the previous
     * leader's last writes), the config checked against the addresses their statuses hold, then every Service
     * converged, those holding addresses first.
     */
    private void bootstrap() {
        // The speakers' Secret must not hold up address management: a failure is retried on its own key.
        try {
            ensureMemberlistSecret();
        } catch (KubernetesClientException e) {
            metrics.updateErrors.increment();
            Duration d = queue.addRateLimited(SECRET_KEY);
            log.error("event=memberlistSecretFailed secret={}/{} code={} retryIn={}ms error=\"{}\"", o.namespace(),
                    o.mlSecretName(), e.getCode(), d.toMillis(), String.valueOf(e.getMessage()).replace('"', '\''));
        }
        for (Service s : client.services().inAnyNamespace().list().getItems()) {
            remember(s);
        }
        balancer = new Balancer(o.loadBalancerClass());
        waiting.clear();
        bootstrapped = true;
        syncConfig();
        if (balancer.hasConfig()) {
            log.info("event=takeOver services={}", allServices().size());
        }
    }

    private static String key(HasMetadata m) {
        return m.getMetadata().getNamespace() + "/" + m.getMetadata().getName();
    }

    /** resourceVersion as a number (etcd revisions are), or -1 when it is not one. */
    private static long rv(HasMetadata m) {
        try {
            return Long.parseLong(m.getMetadata().getResourceVersion());
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private void remember(Service s) {
        String k = key(s);
        Long gone = deleted.getIfPresent(k);
        if (gone != null && rv(s) <= gone) {
            return;
        }
        fresher.merge(k, s, (a, b) -> rv(b) >= rv(a) ? b : a);
    }

    /** The newest copy of the Service we know of: the informer's or our own; null when it is gone. */
    private Service current(String key) {
        Service cached = services.getStore().getByKey(key);
        Service own = fresher.get(key);
        if (own == null) {
            return cached;
        }
        if (cached != null && rv(cached) >= rv(own)) {
            fresher.remove(key, own);
            return cached;
        }
        return own;
    }

    private List<Service> allServices() {
        Map<String, Service> all = new HashMap<>();
        for (Service s : services.getStore().list()) {
            all.put(key(s), s);
        }
        for (String k : fresher.keySet()) {
            all.put(k, current(k));
        }
        all.values().removeIf(Objects::isNull);
        return new ArrayList<>(all.values());
    }

    private void syncConfig() {
        ConfigMap cm = configMaps.getStore().getByKey(o.namespace() + "/" + o.configMapName());
        if (cm == null) {
            metrics.configStale.set(1);
            log.warn("event=configMissing configmap={}/{} msg=\"{}\"", o.namespace(), o.configMapName(),
                    balancer.hasConfig() ? "the last good config stays in force" : "no config: MetalLB will not function");
            return;
        }
        String text = cm.getData() == null ? null : cm.getData().get("config");
        ConfigParser.Result parsed = ConfigParser.parse(text == null ? "" : text);
        List<String> errors;
        if (parsed instanceof ConfigParser.Invalid(List<ConfigError> errs)) {
            errors = errs.stream().map(ConfigError::toString).toList();
        } else {
            List<ServiceView> views = allServices().stream().map(ServiceViews::of).toList();
            boolean takeOver = !balancer.hasConfig();
            Balancer.ConfigResult r = balancer.setConfig(((ConfigParser.Valid) parsed).config(), views);
            if (r instanceof Balancer.Rejected(List<String> errs)) {
                errors = errs;
            } else {
                errors = List.of();
                metrics.configLoaded.set(1);
                metrics.configStale.set(0);
                configRejected = false;
                log.info("event=configLoaded configmap={}/{} resourceVersion={} pools={}", o.namespace(),
                        o.configMapName(), cm.getMetadata().getResourceVersion(),
                        balancer.config().orElseThrow().pools().size());
                // Every Service may now converge differently; those holding addresses go first. When this is the
                // first config this leader holds, that happens right here, before any queued key can allocate.
                List<ServiceView> order = Balancer.sorted(views);
                if (takeOver) {
                    order.forEach(v -> syncServiceSafely(v.key()));
                } else {
                    order.forEach(v -> queue.add(v.key()));
                }
            }
        }
        if (!errors.isEmpty()) {
            configRejected = true;
            metrics.configStale.set(1);
            String keep = balancer.hasConfig() ? "the last good config stays in force" : "no config is in force";
            log.error("event=configRejected configmap={}/{} resourceVersion={} errors={} msg=\"{}\"", o.namespace(),
                    o.configMapName(), cm.getMetadata().getResourceVersion(), errors.size(), String.join("; ", errors));
            if (leading) {
                events.record(cm, new Balancer.Event("Warning", "ConfigRejected", "config rejected, " + keep + ": "
                        + String.join("; ", errors)));
            }
        }
    }

    private void syncServiceSafely(String key) {
        try {
            syncService(key);
        } catch (RuntimeException e) {
            metrics.updateErrors.increment();
            Duration d = queue.addRateLimited(key);
            log.warn("event=retry key={} in={}ms error=\"{}\"", key, d.toMillis(), e.toString());
        }
    }

    private void syncService(String key) {
        if (writing.computeIfPresent(key, (k, again) -> true) != null) {
            return; // its status write is in flight: decided again once it is done
        }
        Service s = current(key);
        ServiceView v = s == null ? null : ServiceViews.of(s);
        Balancer.Outcome out = balancer.converge(key, v);
        for (Balancer.Event e : out.events()) {
            log.info("event={} service={} type={} msg=\"{}\"", e.reason(), key, e.type(), e.message());
            if (leading) {
                events.record(s, e);
            }
        }
        if (out.waiting()) {
            waiting.add(key);
        } else {
            waiting.remove(key);
        }
        if (out.released()) {
            // Addresses came free: whoever waits for one gets another chance, and so does a rejected config.
            waiting.forEach(queue::add);
            if (configRejected) {
                queue.add(CONFIG_KEY);
            }
        }
        if (out.ingress() != null && s != null && !statusIs(s, out.ingress())) {
            writeStatus(key, s, out.ingress());
        }
    }

    private boolean statusIs(Service s, List<String> ips) {
        List<LoadBalancerIngress> cur = s.getStatus() == null || s.getStatus().getLoadBalancer() == null
                || s.getStatus().getLoadBalancer().getIngress() == null ? List.of()
                : s.getStatus().getLoadBalancer().getIngress();
        if (cur.size() != ips.size()) {
            return false;
        }
        for (int i = 0; i < ips.size(); i++) {
            LoadBalancerIngress in = cur.get(i);
            if (!ips.get(i).equals(in.getIp()) || in.getHostname() != null
                    || !Objects.equals(o.ipModeProxy() ? "Proxy" : null, in.getIpMode())) {
                return false;
            }
        }
        return true;
    }

    /** Sends the status write from a writer thread; the key is decided again only after it. */
    private void writeStatus(String key, Service s, List<String> ips) {
        if (!leading) {
            return;
        }
        writing.put(key, false);
        try {
            writers.execute(() -> {
                boolean ok = false;
                try {
                    sendStatus(key, s, ips);
                    ok = true;
                } catch (RuntimeException e) {
                    metrics.updateErrors.increment();
                    if (!closed) {
                        Duration d = queue.addRateLimited(key);
                        log.warn("event=retry key={} in={}ms error=\"{}\"", key, d.toMillis(), e.toString());
                    }
                } finally {
                    if (ok) {
                        queue.forget(key);
                    }
                    if (Boolean.TRUE.equals(writing.remove(key))) {
                        queue.add(key);
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            writing.remove(key);
        }
    }

    private void sendStatus(String key, Service s, List<String> ips) {
        if (!leading) {
            return;
        }
        List<LoadBalancerIngress> ingress = ips.stream().map(ip -> new LoadBalancerIngressBuilder().withIp(ip)
                .withIpMode(o.ipModeProxy() ? "Proxy" : null).build()).toList();
        Service desired = new ServiceBuilder(s).editOrNewStatus().withNewLoadBalancer().withIngress(ingress)
                .endLoadBalancer().endStatus().build();
        try {
            Service written = client.services().inNamespace(s.getMetadata().getNamespace()).resource(desired)
                    .updateStatus();
            remember(written);
            metrics.statusWrites.increment();
            log.info("event=statusWritten service={} ingress={} resourceVersion={}", key, ips,
                    written.getMetadata().getResourceVersion());
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // Decided on a stale copy: read the Service afresh and decide again.
                Service fresh = client.services().inNamespace(s.getMetadata().getNamespace())
                        .withName(s.getMetadata().getName()).get();
                if (fresh != null) {
                    remember(fresh);
                }
                queue.add(key);
                log.info("event=statusConflict service={} msg=\"re-read, deciding again\"", key);
                return;
            }
            if (e.getCode() == 404) {
                // Gone meanwhile: forget our copy so the next pass sees the deletion and frees the address.
                deleted.put(key, rv(s));
                fresher.remove(key);
                queue.add(key);
                return;
            }
            throw e;
        }
    }

    /** MetalLB's memberlist Secret: 16 random bytes, base64 without padding, owned by the controller Deployment. */
    private void ensureMemberlistSecret() {
        if (o.mlSecretName() == null || o.mlSecretName().isEmpty()) {
            return;
        }
        if (client.secrets().inNamespace(o.namespace()).withName(o.mlSecretName()).get() != null) {
            return;
        }
        byte[] raw = new byte[16];
        new SecureRandom().nextBytes(raw);
        String key = Base64.getEncoder().withoutPadding().encodeToString(raw);
        SecretBuilder b = new SecretBuilder().withNewMetadata().withName(o.mlSecretName())
                .withNamespace(o.namespace()).endMetadata()
                .addToData("secretkey", Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.US_ASCII)));
        if (o.deploymentName() != null && !o.deploymentName().isEmpty()) {
            Deployment d = client.apps().deployments().inNamespace(o.namespace()).withName(o.deploymentName()).get();
            if (d == null) {
                log.warn("event=memberlistSecretOwnerMissing deployment={}/{} msg=\"creating the Secret unowned\"",
                        o.namespace(), o.deploymentName());
            } else {
                b.editMetadata().addNewOwnerReference().withApiVersion("apps/v1").withKind("Deployment")
                        .withName(d.getMetadata().getName()).withUid(d.getMetadata().getUid()).endOwnerReference()
                        .endMetadata();
            }
        }
        Secret secret = b.build();
        try {
            client.secrets().inNamespace(o.namespace()).resource(secret).create();
            log.info("event=memberlistSecretCreated secret={}/{}", o.namespace(), o.mlSecretName());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        queue.shutDown();
        writers.shutdown();
        CompletableFuture<?> f = election;
        if (f != null) {
            f.cancel(true);
        }
        if (services != null) {
            services.close();
        }
        if (configMaps != null) {
            configMaps.close();
        }
        timer.shutdownNow();
        if (worker != null) {
            try {
                worker.join(5000);
                writers.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        events.close(); // after the worker: what it queued is sent before the caller closes the client
        leading = false;
        metrics.leader.set(0);
    }
}
