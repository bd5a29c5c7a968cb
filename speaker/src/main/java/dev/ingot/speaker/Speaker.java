package dev.ingot.speaker;

import dev.ingot.config.IpAddresses;
import dev.ingot.speaker.plan.Plan;
import dev.ingot.speaker.plan.Planner;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's loop: watches what one node needs (the config ConfigMap, Services, EndpointSlices, its own Node),
 * and on every change recomputes the {@link Plan} and hands it to the {@link Announcer} and the {@link Dataplane}.
 * Changes are coalesced: a burst of watch events gives one plan. All planning runs on one thread, reusing what the
 * previous plan worked out for the Services that did not change, within a budget of planning CPU time (a token
 * bucket): sustained, at most {@link #PLAN_SHARE} of a core however fast changes come (a plan still covers every
 * Service: with thousands of them, one plan per watch event would be quadratic); after a quiet spell, up to
 * {@link #PLAN_BURST} of planning at once, so an isolated change is planned without waiting. Events are sent from
 * their own thread, never from the planning one.
 */
public final class Speaker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Speaker.class);
    /** Items per list request (client-go's page size): a big cluster is read in pieces, not in one response. */
    static final long LIST_PAGE = 500;

    /**
     * What the speaker is told at start.
     *
     * @param node this node's name ({@code --node-name} / METALLB_NODE_NAME)
     * @param namespace where the config ConfigMap lives
     * @param configName the ConfigMap's name ({@code --config})
     * @param loadBalancerClass the class served; empty: Services without a class
     * @param debounceMillis how long to wait for more changes before planning
     */
    public record Settings(String node, String namespace, String configName, Optional<String> loadBalancerClass,
                           long debounceMillis) {}

    private final KubernetesClient client;
    private final Settings settings;
    private final Announcer announcer;
    private final Dataplane dataplane;
    private final Supplier<Set<String>> deadNodes;
    private final MeterRegistry registry;
    private final Clock clock;
    private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "speaker-plan");
        t.setDaemon(true);
        return t;
    });
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** The share of a core planning may take, sustained. */
    static final double PLAN_SHARE = 0.1;
    /** The planning time that may be spent at once after a quiet spell. */
    static final java.time.Duration PLAN_BURST = java.time.Duration.ofSeconds(1);
    /** Planning thread only. */
    private final PlanBudget budget = new PlanBudget(PLAN_SHARE, PLAN_BURST.toNanos(), System.nanoTime());
    /** System.nanoTime() before which no plan starts (the budget is owed until then). */
    private volatile long nextPlan;
    private final AtomicBoolean ready = new AtomicBoolean();
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private SharedIndexInformer<Service> services;
    private SharedIndexInformer<EndpointSlice> slices;
    private SharedIndexInformer<ConfigMap> configMap;
    private SharedIndexInformer<Node> nodeInformer;
    private final ModelStore<Service, KubeModel.CachedService> serviceModels =
            new ModelStore<>(Service::new, KubeModel::cached);
    private final ModelStore<EndpointSlice, KubeModel.CachedSlice> sliceModels =
            new ModelStore<>(EndpointSlice::new, KubeModel::cached);

    private final ConfigHolder config = new ConfigHolder();
    /** Planning thread only. */
    private final Planner.Memo memo = new Planner.Memo();
    private final AtomicReference<Plan> plan = new AtomicReference<>();
    private final AtomicReference<Instant> planTime = new AtomicReference<>();
    private final AtomicInteger configStale = new AtomicInteger();
    private final AtomicInteger configLoaded = new AtomicInteger();
    private final Map<List<String>, AtomicInteger> announcedGauges = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastEvent = new HashMap<>();
    /**
     * Events go out from their own thread, as client-go's recorder sends them: planning never waits for the API server
     * (10,000 Services announced at start-up are 10,000 Events). At most {@link #EVENT_QUEUE} wait; more are dropped
     * and counted, as client-go drops them beyond its queue of 1,000.
     */
    static final int EVENT_QUEUE = 1000;
    private final AtomicInteger eventsDropped = new AtomicInteger();
    private int eventsDroppedLogged;
    private final java.util.concurrent.ThreadPoolExecutor events = new java.util.concurrent.ThreadPoolExecutor(1, 1,
            0, TimeUnit.MILLISECONDS, new java.util.concurrent.LinkedBlockingQueue<>(EVENT_QUEUE), r -> {
                Thread t = new Thread(r, "speaker-events");
                t.setDaemon(true);
                return t;
            }, (r, executor) -> eventsDropped.incrementAndGet());
    private volatile boolean synced;
    private List<String> lastConfigErrors = List.of();
    private final Map<String, Supplier<Object>> extraStatus = new ConcurrentHashMap<>();
    /** kube-system/kube-proxy's config.conf, or null with the reason it could not be read (index 1). */
    private final AtomicReference<String[]> kubeProxyConfig =
            new AtomicReference<>(new String[] {null, "not read yet"});
    private final AtomicBoolean kubeProxyReading = new AtomicBoolean();
    private final AtomicReference<KubeProxyCheck.Result> kubeProxy = new AtomicReference<>();
    private final AtomicInteger kubeProxyConflicts = new AtomicInteger();

    public Speaker(KubernetesClient client, Settings settings, Announcer announcer, Dataplane dataplane,
                   Supplier<Set<String>> deadNodes, MeterRegistry registry, Clock clock) {
        this.client = client;
        this.settings = settings;
        this.announcer = announcer;
        this.dataplane = dataplane;
        this.deadNodes = deadNodes;
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("metallb_k8s_client_config_stale_bool", configStale, AtomicInteger::get)
                .description("1 if the latest configuration failed to load").register(registry);
        Gauge.builder("metallb_k8s_client_config_loaded_bool", configLoaded, AtomicInteger::get)
                .description("1 if a configuration has been loaded").register(registry);
        Gauge.builder("ingot_kube_proxy_conflicts", kubeProxyConflicts, AtomicInteger::get)
                .description("Ways in which kube-proxy's configuration fights this speaker over its VIPs "
                        + "(docs/kube-proxy.md)").register(registry);
    }

    /** Starts the watches; returns once their caches are filled and the first plan is applied. */
    public void start() {
        ResourceEventHandler<Object> onChange = new ResourceEventHandler<>() {
            @Override
            public void onAdd(Object obj) {
                trigger();
            }

            @Override
            public void onUpdate(Object oldObj, Object newObj) {
                trigger();
            }

            @Override
            public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
                trigger();
            }
        };
        readKubeProxy();
        configMap = watch(client.configMaps().inNamespace(settings.namespace()).withName(settings.configName())
                .runnableInformer(0), onChange, "configmap");
        nodeInformer = watch(client.nodes().withName(settings.node()).runnableInformer(0), onChange, "node");
        // the two big collections: listed in pages, as client-go does, and kept as the planner's model of each object
        services = watch(client.services().inAnyNamespace().withLimit(LIST_PAGE).runnableInformer(0)
                .itemStore(serviceModels).removeNamespaceIndex(), onChange, "services");
        slices = watch(client.discovery().v1().endpointSlices().inAnyNamespace().withLimit(LIST_PAGE)
                .runnableInformer(0).itemStore(sliceModels).removeNamespaceIndex(), onChange, "endpointslices");
        informers.addAll(List.of(configMap, nodeInformer, services, slices));
        informers.forEach(SharedIndexInformer::start);
        long next = System.nanoTime();
        while (!informers.stream().allMatch(SharedIndexInformer::hasSynced)) {
            if (System.nanoTime() >= next) {
                LOG.info("event=waitingForCaches synced={}", informers.stream().filter(SharedIndexInformer::hasSynced)
                        .count() + "/" + informers.size());
                next = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the watches", e);
            }
        }
        synced = true;
        try {
            loop.submit(this::replan).get();
        } catch (Exception e) {
            throw new IllegalStateException("first plan failed", e);
        }
        loop.scheduleWithFixedDelay(() -> {
            if (kubeProxyReading.compareAndSet(false, true)) {
                Thread.ofVirtual().name("kube-proxy-check").start(() -> {
                    try {
                        readKubeProxy();
                    } finally {
                        kubeProxyReading.set(false);
                    }
                });
            }
        }, 5, 5, TimeUnit.MINUTES);
        ready.set(true);
    }

    /**
     * Reads kube-proxy's configuration as kubeadm stores it (ConfigMap kube-system/kube-proxy, key config.conf) and
     * re-plans when it changed. One GET of one named object: the speaker needs no wider access to kube-system.
     */
    private void readKubeProxy() {
        String[] now;
        try {
            ConfigMap cm = client.configMaps().inNamespace("kube-system").withName("kube-proxy").get();
            String text = cm == null || cm.getData() == null ? null : cm.getData().get("config.conf");
            now = text != null ? new String[] {text, ""} : new String[] {null, cm == null
                    ? "ConfigMap kube-system/kube-proxy not found (kube-proxy not deployed by kubeadm, or replaced)"
                    : "ConfigMap kube-system/kube-proxy has no config.conf"};
        } catch (RuntimeException e) {
            now = new String[] {null, "cannot read ConfigMap kube-system/kube-proxy: " + e.getMessage()};
        }
        String[] before = kubeProxyConfig.getAndSet(now);
        if (!java.util.Arrays.equals(before, now)) {
            trigger();
        }
    }

    /** Checks kube-proxy's configuration against the plan; logs a conflict when it appears and when it is gone. */
    private void checkKubeProxy(Plan next) {
        List<String> without = new ArrayList<>();
        List<String> with = new ArrayList<>();
        next.services().forEach((key, d) -> {
            KubeModel.CachedService s = d.announce() ? serviceModels.model(key) : null;
            if (s == null || s.state().ingressIps().isEmpty()) {
                return;
            }
            boolean proxy = s.ipModeProxy();
            (proxy ? with : without).add(key);
        });
        String[] kp = kubeProxyConfig.get();
        KubeProxyCheck.Result r = KubeProxyCheck.check(kp[0], kp[1], String.valueOf(dataplane.state().get("mode")),
                config.current().pools().stream().flatMap(pl -> pl.cidrs().stream()).toList(), without, with);
        KubeProxyCheck.Result old = kubeProxy.getAndSet(r);
        kubeProxyConflicts.set(r.warnings().size());
        Set<String> before = old == null ? Set.of() : old.warnings().stream().map(KubeProxyCheck.Warning::kind)
                .collect(java.util.stream.Collectors.toSet());
        Set<String> now = r.warnings().stream().map(KubeProxyCheck.Warning::kind)
                .collect(java.util.stream.Collectors.toSet());
        r.warnings().stream().filter(w -> !before.contains(w.kind())).forEach(w -> LOG.warn(
                "event=kubeProxyConflict kind={} mode={} message={}", w.kind(), r.mode(), quote(w.message())));
        before.stream().filter(k -> !now.contains(k))
                .forEach(k -> LOG.info("event=kubeProxyConflictResolved kind={} mode={}", k, r.mode()));
        if (old == null || !old.note().equals(r.note())) {
            if (!r.note().isEmpty()) {
                LOG.info("event=kubeProxyUnknown reason={}", quote(r.note()));
            }
        }
    }

    /**
     * A watch that never gives up: a failed list or watch (5xx, a dropped connection, 410 Gone) is retried with the
     * informer's back-off and a re-list. Without it fabric8 stops an informer whose first watch fails.
     */
    private <T> SharedIndexInformer<T> watch(SharedIndexInformer<T> informer, ResourceEventHandler<Object> onChange,
                                             String what) {
        informer.addEventHandler(handler(onChange));
        informer.exceptionHandler((started, t) -> {
            LOG.warn("event=watchRetry resource={} error={}", what, quote(String.valueOf(t.getMessage())));
            return true;
        });
        return informer;
    }

    @SuppressWarnings("unchecked")
    private static <T> ResourceEventHandler<T> handler(ResourceEventHandler<Object> h) {
        return (ResourceEventHandler<T>) (ResourceEventHandler<?>) h;
    }

    /** Asks for a new plan soon; many calls in a burst give one plan. Safe from any thread. */
    public void trigger() {
        if (scheduled.compareAndSet(false, true)) {
            long wait = Math.max(TimeUnit.MILLISECONDS.toNanos(settings.debounceMillis()),
                    nextPlan - System.nanoTime());
            loop.schedule(this::scheduledPlan, wait, TimeUnit.NANOSECONDS);
        }
    }

    /** A triggered plan, unless a plan ran meanwhile and pacing asks to wait longer. */
    private void scheduledPlan() {
        long wait = nextPlan - System.nanoTime();
        if (wait > 0) {
            loop.schedule(this::scheduledPlan, wait, TimeUnit.NANOSECONDS);
            return;
        }
        scheduled.set(false);
        replan();
    }

    /**
     * Whether a stop now is most likely a restart (a rolling update of the DaemonSet, a crash loop, a config-driven
     * restart) rather than the node going away: false when the node is cordoned (a drain) or carries the exclusion
     * label.
     */
    public boolean restartExpected() {
        Node node = nodeInformer == null ? null : nodeInformer.getStore().list().stream().findFirst().orElse(null);
        if (node == null) {
            return true;
        }
        boolean cordoned = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        boolean excluded = node.getMetadata().getLabels() != null
                && node.getMetadata().getLabels().containsKey(Planner.EXCLUDE_LABEL);
        return !cordoned && !excluded;
    }

    /** Ready once the caches are synced and the first plan is applied. */
    public boolean ready() {
        return ready.get();
    }

    /** The plan in force (null before the first). */
    public Plan plan() {
        return plan.get();
    }

    private void replan() {
        if (!synced) {
            return; // a watch event during start-up: start() plans once every cache is filled
        }
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        try {
            plan0();
        } finally {
            long end = System.nanoTime();
            long cpu = cpu0 < 0 ? end - t0 : threads.getCurrentThreadCpuTime() - cpu0; // -1: not measured here
            nextPlan = budget.spent(cpu, end);
        }
    }

    private void plan0() {
        try {
            Plan previous = plan.get();
            ConfigMap cm = configMap.getStore().list().stream().findFirst().orElse(null);
            String text = cm == null || cm.getData() == null ? null : cm.getData().get("config");
            Map<String, Collection<InetAddress>> announced = new HashMap<>();
            if (previous != null) {
                previous.services().forEach((k, d) -> {
                    if (d.announce()) {
                        announced.put(k, d.ips());
                    }
                });
            }
            boolean changed = config.offer(text, announced);
            configStale.set(config.stale() ? 1 : 0);
            if (!config.errors().equals(lastConfigErrors)) {
                lastConfigErrors = config.errors();
                if (config.stale()) {
                    LOG.warn("event=configRejected errors={} keeping=lastGood", quote(String.join("; ",
                            config.errors())));
                }
            }
            if (changed) {
                configLoaded.set(1);
                LOG.info("event=configLoaded peers={} pools={}", config.current().peers().size(),
                        config.current().pools().size());
            }
            if (config.current() == null) {
                return; // MetalLB idles until a config exists; nothing was announced yet
            }
            Node node = nodeInformer.getStore().list().stream().findFirst().orElse(null);
            Map<String, String> labels = node == null || node.getMetadata().getLabels() == null ? Map.of()
                    : node.getMetadata().getLabels();
            Plan next = Planner.plan(new Planner.Input(config.current(), settings.node(), labels,
                    KubeModel.services(serviceModels.models(), sliceModels.models()), deadNodes.get(),
                    settings.loadBalancerClass(), previous), memo);
            announcer.apply(next.peers(), config.current().bfdProfiles(), next.routes());
            dataplane.apply(config.current().pools().stream().flatMap(pl -> pl.cidrs().stream()).toList(), next.vips(),
                    next.virtualServices());
            plan.set(next);
            planTime.set(clock.instant());
            report(previous, next);
            checkKubeProxy(next);
        } catch (RuntimeException e) {
            LOG.error("event=planFailed error={}", quote(String.valueOf(e)), e);
        }
    }

    /** Logs every decision that changed, keeps metallb_speaker_announced, and sends nodeAssigned Events. */
    private void report(Plan previous, Plan next) {
        Map<String, Plan.Decision> before = previous == null ? Map.of() : previous.services();
        next.services().forEach((key, d) -> {
            Plan.Decision old = before.get(key);
            if (d.equals(old)) {
                return;
            }
            if (d.announce()) {
                LOG.info("event=announce service={} ips={} pool={} node={}", key, ips(d), d.pool(), settings.node());
                announcedGauge(key, d, 1);
                nodeAssigned(key);
            } else {
                LOG.info("event=withdraw service={} reason={} ips={} node={}", key, d.reason(), ips(d),
                        settings.node());
            }
            if (old != null && old.announce() && (!d.announce() || !old.ips().equals(d.ips()))) {
                announcedGauge(key, old, 0);
            }
        });
        before.forEach((key, d) -> {
            if (!next.services().containsKey(key)) {
                LOG.info("event=withdraw service={} reason=serviceDeleted ips={} node={}", key, ips(d),
                        settings.node());
                if (d.announce()) {
                    announcedGauge(key, d, 0);
                }
            }
        });
        Instant minuteAgo = clock.instant().minusSeconds(60);
        lastEvent.values().removeIf(t -> t.isBefore(minuteAgo));
        int dropped = eventsDropped.get();
        if (dropped != eventsDroppedLogged) {
            LOG.warn("event=eventsDropped count={} total={} reason=\"more than {} Events waiting for the API server\"",
                    dropped - eventsDroppedLogged, dropped, EVENT_QUEUE);
            eventsDroppedLogged = dropped;
        }
        Set<Plan.Problem> old = previous == null ? Set.of() : Set.copyOf(previous.problems());
        for (Plan.Problem p : next.problems()) {
            if (!old.contains(p)) {
                LOG.warn("event=problem service={} field={} message={}", p.service(), quote(p.field()),
                        quote(p.message()));
            }
        }
    }

    /** Sets {@code metallb_speaker_announced} to 1, or deletes the series on withdrawal, as MetalLB's speaker does. */
    private void announcedGauge(String service, Plan.Decision d, int value) {
        for (InetAddress ip : d.ips()) {
            List<String> key = List.of(service, IpAddresses.format(ip));
            Tags tags = Tags.of("service", service, "protocol", "bgp", "node", settings.node(), "ip", key.get(1));
            if (value == 0) {
                if (announcedGauges.remove(key) != null) {
                    registry.remove(new io.micrometer.core.instrument.Meter.Id("metallb_speaker_announced", tags,
                            null, null, io.micrometer.core.instrument.Meter.Type.GAUGE));
                }
                continue;
            }
            announcedGauges.computeIfAbsent(key, k -> {
                AtomicInteger v = new AtomicInteger();
                Gauge.builder("metallb_speaker_announced", v, AtomicInteger::get)
                        .description("Services being announced from this node").tags(tags).register(registry);
                return v;
            }).set(value);
        }
    }

    /** MetalLB's Normal event {@code nodeAssigned}, at most once a minute per Service and node; queued. */
    private void nodeAssigned(String key) {
        Instant now = clock.instant();
        Instant last = lastEvent.get(key);
        if (last != null && last.plusSeconds(60).isAfter(now)) {
            return;
        }
        lastEvent.put(key, now);
        KubeModel.CachedService s = serviceModels.model(key);
        String uid = s == null ? null : s.uid();
        events.execute(() -> sendNodeAssigned(key, uid, now));
    }

    private void sendNodeAssigned(String key, String uid, Instant now) {
        String[] nn = key.split("/", 2);
        try {
            client.v1().events().inNamespace(nn[0]).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(nn[1] + ".").withNamespace(nn[0]).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withKind("Service").withApiVersion("v1")
                            .withNamespace(nn[0]).withName(nn[1])
                            .withUid(uid).build())
                    .withType("Normal").withReason("nodeAssigned")
                    .withMessage("announcing from node \"" + settings.node() + "\"")
                    .withNewSource().withComponent("metallb-speaker").withHost(settings.node()).endSource()
                    .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
                    .build()).create();
        } catch (RuntimeException e) {
            LOG.debug("event=eventFailed service={} error={}", key, quote(String.valueOf(e)));
        }
    }

    /** Adds a section to the status document (memberlist, BFD). */
    public void addStatus(String key, Supplier<Object> section) {
        extraStatus.put(key, section);
    }

    /** The JSON status: decisions with reasons, peers, routes, dataplane. */
    public Map<String, Object> status() {
        Map<String, Object> m = new LinkedHashMap<>();
        Plan p = plan.get();
        m.put("node", settings.node());
        m.put("ready", ready.get());
        m.put("planTime", String.valueOf(planTime.get()));
        m.put("configStale", config.stale());
        m.put("configErrors", config.errors());
        List<Map<String, Object>> svcs = new ArrayList<>();
        if (p != null) {
            p.services().forEach((k, d) -> {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("service", k);
                s.put("announced", d.announce());
                s.put("reason", d.reason());
                s.put("ips", ips(d));
                s.put("pool", d.pool());
                svcs.add(s);
            });
            m.put("routes", p.routes().stream().map(r -> Map.of("prefix", r.prefix().toString(), "localPref",
                    r.localPref(), "communities", r.communities().stream().map(Object::toString).toList(),
                    "services", List.copyOf(r.services()))).toList());
            m.put("problems", p.problems().stream().map(pr -> Map.of("service", pr.service(), "field", pr.field(),
                    "message", pr.message())).toList());
        }
        m.put("services", svcs);
        m.put("peers", announcer.sessions());
        Map<String, Object> plane = new LinkedHashMap<>(dataplane.state());
        if (p != null && !"none".equals(plane.get("mode"))) {
            plane.put("virtualServices", p.virtualServices().stream().map(vs -> Map.of("vip",
                    IpAddresses.format(vs.vip()), "protocol", vs.protocol(), "port", vs.port(), "scheduler",
                    vs.scheduler(), "service", vs.service(), "realServers", vs.realServers().stream().map(r -> Map.of(
                            "address", IpAddresses.format(r.address()), "port", r.port(), "weight", r.weight(),
                            "node", r.node())).toList())).toList());
        }
        m.put("dataplane", plane);
        KubeProxyCheck.Result kp = kubeProxy.get();
        if (kp != null) {
            m.put("kubeProxy", Map.of("mode", kp.mode(), "note", kp.note(), "warnings", kp.warnings().stream()
                    .map(KubeProxyCheck.Warning::message).toList()));
        }
        extraStatus.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    private static List<String> ips(Plan.Decision d) {
        return d.ips().stream().map(IpAddresses::format).toList();
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    /**
     * Stops watching and planning. Waits (up to 10 s) for a plan in progress to finish, so that whoever closes the
     * announcer and the dataplane next does not pull them from under it.
     */
    @Override
    public void close() {
        informers.forEach(SharedIndexInformer::close);
        loop.shutdownNow();
        try {
            if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("event=planStillRunning reason=\"the plan in progress did not finish within 10 s of stop\"");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        events.shutdownNow();
    }
}
