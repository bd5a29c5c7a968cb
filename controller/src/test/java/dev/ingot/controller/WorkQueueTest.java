package dev.ingot.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** client-go's queue semantics, which the reconciler relies on. */
class WorkQueueTest {
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aKeyIsQueuedOnceAndNeverHandedOutTwiceAtATime() throws InterruptedException {
        WorkQueue q = new WorkQueue(timer, Duration.ofMillis(10), Duration.ofSeconds(1));
        q.add("a");
        q.add("b");
        q.add("a");
        assertThat(q.size()).isEqualTo(2);
        assertThat(q.take()).isEqualTo("a");
        q.add("a"); // while processing: re-queued only when done
        assertThat(q.take()).isEqualTo("b");
        assertThat(q.size()).isZero();
        q.done("a");
        assertThat(q.size()).isEqualTo(1);
        assertThat(q.take()).isEqualTo("a");
        q.done("a");
        q.done("b");
        assertThat(q.size()).isZero();
    }

    @Test
    void failuresBackOffExponentiallyUntilForgotten() throws InterruptedException {
        WorkQueue q = new WorkQueue(timer, Duration.ofMillis(10), Duration.ofMillis(50));
        assertThat(q.addRateLimited("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(q.addRateLimited("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(q.addRateLimited("a")).isEqualTo(Duration.ofMillis(40));
        assertThat(q.addRateLimited("a")).isEqualTo(Duration.ofMillis(50));
        assertThat(q.take()).isEqualTo("a"); // arrives after its delay
        q.done("a");
        q.forget("a");
        assertThat(q.addRateLimited("a")).isEqualTo(Duration.ofMillis(10));
        q.shutDown();
        assertThat(q.take()).isNull();
    }
}
