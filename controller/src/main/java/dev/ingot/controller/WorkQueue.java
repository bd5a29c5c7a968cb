package dev.ingot.controller;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * client-go's work queue, for one worker: a key is queued at most once however often it is added, a key being
 * processed is not handed out again until it is done (an add meanwhile re-queues it afterwards), and a key that
 * failed comes back after a per-key exponential back-off that a success resets.
 */
final class WorkQueue {
    private final Object lock = new Object();
    private final LinkedHashSet<String> queue = new LinkedHashSet<>();
    private final Set<String> processing = new HashSet<>();
    private final Set<String> dirty = new HashSet<>();
    private final Map<String, Integer> failures = new HashMap<>();
    private final ScheduledExecutorService timer;
    private final Duration baseDelay;
    private final Duration maxDelay;
    private boolean shutDown;

    WorkQueue(ScheduledExecutorService timer, Duration baseDelay, Duration maxDelay) {
        this.timer = timer;
        this.baseDelay = baseDelay;
        this.maxDelay = maxDelay;
    }

    void add(String key) {
        synchronized (lock) {
            if (shutDown) {
                return;
            }
            if (processing.contains(key)) {
                dirty.add(key);
                return;
            }
            if (queue.add(key)) {
                lock.notifyAll();
            }
        }
    }

    /** Adds the key again after its back-off; returns the delay. */
    Duration addRateLimited(String key) {
        Duration d;
        synchronized (lock) {
            int n = failures.merge(key, 1, Integer::sum);
            long ms = baseDelay.toMillis() << Math.min(n - 1, 30);
            d = Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
        }
        timer.schedule(() -> add(key), d.toMillis(), TimeUnit.MILLISECONDS);
        return d;
    }

    void forget(String key) {
        synchronized (lock) {
            failures.remove(key);
        }
    }

    /** The next key, waiting for one; null once shut down. */
    String take() throws InterruptedException {
        synchronized (lock) {
            while (queue.isEmpty() && !shutDown) {
                lock.wait();
            }
            if (shutDown) {
                return null;
            }
            var it = queue.iterator();
            String key = it.next();
            it.remove();
            processing.add(key);
            return key;
        }
    }

    void done(String key) {
        synchronized (lock) {
            processing.remove(key);
            if (dirty.remove(key) && !shutDown) {
                queue.add(key);
                lock.notifyAll();
            }
        }
    }

    /** Drops everything queued (leadership lost). */
    void clear() {
        synchronized (lock) {
            queue.clear();
            dirty.clear();
            failures.clear();
        }
    }

    int size() {
        synchronized (lock) {
            return queue.size();
        }
    }

    void shutDown() {
        synchronized (lock) {
            shutDown = true;
            lock.notifyAll();
        }
    }
}
