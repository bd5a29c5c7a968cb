package dev.ingot.memberlist;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The production {@link Loop}: one daemon thread with a scheduled executor; a failing task is logged, never fatal. */
final class ExecutorLoop implements Loop {
    private static final Logger log = LoggerFactory.getLogger(ExecutorLoop.class);
    private final ScheduledThreadPoolExecutor exec;

    ExecutorLoop(String name) {
        exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "memberlist-" + name);
            th.setDaemon(true);
            return th;
        });
        exec.setRemoveOnCancelPolicy(true);
    }

    @Override public long nanoTime() {
        return System.nanoTime();
    }

    @Override public Timer schedule(long delayNanos, Runnable task) {
        try {
            var f = exec.schedule(guard(task), delayNanos, TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
            return () -> {}; // shut down: late I/O completions are dropped
        }
    }

    @Override public void execute(Runnable task) {
        try {
            exec.execute(guard(task));
        } catch (RejectedExecutionException e) {
            // shut down: late I/O completions are dropped
        }
    }

    private static Runnable guard(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.error("event=task_failed error=\"{}\"", e.toString(), e);
            }
        };
    }

    boolean isShutdown() {
        return exec.isShutdown();
    }

    void shutdown() {
        exec.shutdownNow();
    }
}
