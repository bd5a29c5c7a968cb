package dev.ingot.memberlist;

import java.time.Duration;
import java.util.PriorityQueue;

/** A virtual clock: tasks run in time order, on the test's thread, only while {@link #run} advances time. */
final class FakeLoop implements Loop {
    private record Task(long at, long seq, Runnable r, boolean[] cancelled) {}

    private final PriorityQueue<Task> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now = 1_000_000_000L, seq;

    @Override public long nanoTime() { return now; }

    @Override public Timer schedule(long delayNanos, Runnable task) {
        boolean[] cancelled = {false};
        queue.add(new Task(now + Math.max(0, delayNanos), seq++, task, cancelled));
        return () -> cancelled[0] = true;
    }

    @Override public void execute(Runnable task) { schedule(0, task); }

    /** Advances the clock by {@code d}, running every task that falls due. */
    void run(Duration d) {
        long end = now + d.toNanos();
        for (int i = 0; i < 50_000_000 && !queue.isEmpty() && queue.peek().at <= end; i++) {
            Task t = queue.poll();
            now = t.at;
            if (!t.cancelled[0]) t.r.run();
        }
        now = end;
    }

    /** Advances until {@code done} holds (checked after each task) or {@code max} passes; returns the time taken. */
    Duration runUntil(java.util.function.BooleanSupplier done, Duration max) {
        long start = now, end = now + max.toNanos();
        while (!done.getAsBoolean() && !queue.isEmpty() && queue.peek().at <= end) {
            Task t = queue.poll();
            now = t.at;
            if (!t.cancelled[0]) t.r.run();
        }
        if (!done.getAsBoolean()) now = end;
        return Duration.ofNanos(now - start);
    }
}
