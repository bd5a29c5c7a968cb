package dev.ingot.controller;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises core/v1 Events the way client-go's recorder does: the same Event on the same object is counted, not
 * repeated (its name is derived from object, reason and message). Like client-go's broadcaster it sends from its own
 * thread, so Events never delay status writes, and keeps at most {@link #QUEUE} waiting: beyond that (a bulk of
 * thousands of Services) Events are dropped and counted rather than held in memory. Best effort: a failed Event is
 * logged, never retried.
 */
final class EventRecorder {
    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    static final String COMPONENT = "metallb-controller";
    private static final int MAX_MESSAGE = 1024;

    private final KubernetesClient client;
    private final Clock clock;
    private final Cache<String, AtomicInteger> counts = Caffeine.newBuilder().maximumSize(10_000).build();

    /** client-go's broadcaster queue length. */
    static final int QUEUE = 1000;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.ThreadPoolExecutor sender = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0,
            java.util.concurrent.TimeUnit.MILLISECONDS, new java.util.concurrent.ArrayBlockingQueue<>(QUEUE),
            r -> Thread.ofPlatform().name("ingot-controller-events").daemon().unstarted(r),
            (r, pool) -> {
                if (pool.isShutdown()) {
                    throw new java.util.concurrent.RejectedExecutionException("recorder closed");
                }
                dropped.incrementAndGet();
            });

    EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    /** Queues the Event; it is sent in order, from the recorder's thread. */
    void record(HasMetadata obj, Balancer.Event e) {
        try {
            sender.execute(() -> send(obj, e));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            log.debug("event=eventDropped reason={} msg=\"recorder closed\"", e.reason());
        }
    }

    /** Sends what is queued (for a few seconds at most), so that no Event is sent after the client is closed. */
    void close() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS)) {
                sender.shutdownNow();
            }
        } catch (InterruptedException e) {
            sender.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void send(HasMetadata obj, Balancer.Event e) {
        long n0 = dropped.getAndSet(0);
        if (n0 > 0) {
            log.warn("event=eventsDropped count={} reason=\"more than {} Events waiting to be sent\"", n0, QUEUE);
        }
        String ns = obj.getMetadata().getNamespace();
        String message = e.message().length() > MAX_MESSAGE ? e.message().substring(0, MAX_MESSAGE - 3) + "..."
                : e.message();
        String id = obj.getKind() + "/" + ns + "/" + obj.getMetadata().getName() + "/" + obj.getMetadata().getUid()
                + "/" + e.type() + "/" + e.reason() + "/" + message;
        String name = obj.getMetadata().getName() + "." + HexFormat.of().toHexDigits(id.hashCode())
                + HexFormat.of().toHexDigits((short) id.length());
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        AtomicInteger count = counts.get(name, k -> new AtomicInteger());
        int n = count.incrementAndGet();
        try {
            if (n == 1) {
                try {
                    client.v1().events().inNamespace(ns).resource(new EventBuilder()
                            .withNewMetadata().withName(name).withNamespace(ns).endMetadata()
                            .withNewInvolvedObject().withApiVersion(obj.getApiVersion()).withKind(obj.getKind())
                            .withNamespace(ns).withName(obj.getMetadata().getName())
                            .withUid(obj.getMetadata().getUid())
                            .withResourceVersion(obj.getMetadata().getResourceVersion()).endInvolvedObject()
                            .withType(e.type()).withReason(e.reason()).withMessage(message).withCount(1)
                            .withFirstTimestamp(now).withLastTimestamp(now)
                            .withNewSource().withComponent(COMPONENT).endSource()
                            .withReportingComponent(COMPONENT).build()).create();
                    return;
                } catch (KubernetesClientException ex) {
                    if (ex.getCode() != 409) {
                        throw ex;
                    }
                }
            }
            Event existing = client.v1().events().inNamespace(ns).withName(name).get();
            if (existing == null) {
                counts.invalidate(name);
                send(obj, e);
                return;
            }
            int total = Math.max(n, existing.getCount() == null ? 1 : existing.getCount() + 1);
            count.set(total);
            client.v1().events().inNamespace(ns).withName(name).edit(ev -> new EventBuilder(ev).withCount(total)
                    .withLastTimestamp(now).build());
        } catch (KubernetesClientException ex) {
            log.warn("event=eventFailed object={}/{} reason={} code={} error=\"{}\"", ns, obj.getMetadata().getName(),
                    e.reason(), ex.getCode(), ex.getMessage());
        } catch (RuntimeException ex) {
            // e.g. the client was closed under a queued Event: an Event is never worth a dead sender thread
            log.warn("event=eventFailed object={}/{} reason={} error=\"{}\"", ns, obj.getMetadata().getName(),
                    e.reason(), ex.getMessage());
        }
    }
}
