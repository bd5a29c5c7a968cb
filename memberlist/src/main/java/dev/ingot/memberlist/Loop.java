package dev.ingot.memberlist;

import java.util.concurrent.Executor;

/**
 * The single thread an {@link Engine} runs on, with its clock and timers. Production uses a scheduled executor
 * ({@link ExecutorLoop}); tests use a virtual clock so that the protocol can be driven second by second.
 */
interface Loop extends Executor {
    long nanoTime();

    /** Runs {@code task} on the loop after {@code delayNanos}. */
    Timer schedule(long delayNanos, Runnable task);

    interface Timer {
        void cancel();
    }
}
