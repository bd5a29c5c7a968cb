package dev.ingot.speaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class PlanBudgetTest {
    static final long MS = 1_000_000;

    @Test
    void isolatedPlansNeverWait() {
        PlanBudget b = new PlanBudget(0.2, 1000 * MS, 0);
        long t = 0;
        for (int i = 0; i < 100; i++) {
            t += 2000 * MS; // a plan of 200 ms every 2 s: a tenth of a core
            assertThat(b.spent(200 * MS, t + 200 * MS)).isEqualTo(t + 200 * MS);
            t += 200 * MS;
        }
    }

    @Test
    void aBurstRunsAtOnceThenThePaceIsTheShare() {
        PlanBudget b = new PlanBudget(0.2, 1000 * MS, 0);
        long t = 10_000 * MS;
        // 200 ms plans as soon as allowed: about a second of them at once (plus what refills meanwhile)...
        int atOnce = 0;
        long next;
        while ((next = b.spent(200 * MS, t + 200 * MS)) == t + 200 * MS) {
            atOnce++;
            t += 200 * MS;
        }
        assertThat(atOnce).isBetween(5, 7);
        // ...then, sustained, a fifth of a core
        long start = next;
        long busy = 0;
        for (int i = 0; i < 100; i++) {
            long s = next;
            next = b.spent(200 * MS, s + 200 * MS);
            busy += 200 * MS;
        }
        assertThat((double) busy / (next - start)).isCloseTo(0.2, org.assertj.core.data.Offset.offset(0.01));
    }

    /** Property: however plans come, planning never takes more than the share plus the burst over a long run. */
    @RepeatedTest(50)
    void sustainedShareIsBounded() {
        long seed = new Random().nextLong();
        Random r = new Random(seed);
        double share = 0.05 + r.nextDouble() * 0.9;
        long burst = r.nextInt(2000) * MS;
        PlanBudget b = new PlanBudget(share, burst, 0);
        long t = 0;
        long busy = 0;
        long next = 0;
        for (int i = 0; i < 2000; i++) {
            long start = Math.max(next, t + r.nextInt(50) * MS); // the earliest allowed, or later
            long d = (1 + r.nextInt(300)) * MS;
            next = b.spent(d, start + d);
            busy += d;
            t = start + d;
        }
        assertThat((double) busy).as("seed %d", seed).isLessThanOrEqualTo(share * t + burst + 300 * MS);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> new PlanBudget(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PlanBudget(1.5, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
