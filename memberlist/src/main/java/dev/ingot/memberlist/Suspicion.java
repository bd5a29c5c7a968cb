package dev.ingot.memberlist;

import java.util.HashSet;
import java.util.Set;

/**
 * Lifeguard's dynamic suspicion timer: it starts at {@code max} when {@code k} independent confirmations are expected
 * and shrinks logarithmically towards {@code min} with each new confirmer, as memberlist's suspicion.go does.
 */
final class Suspicion {
    private final Loop loop;
    private final int k;
    private final long min, max, start;
    private final Runnable onTimeout;
    private final Set<String> confirmations = new HashSet<>();
    private int n;
    private Loop.Timer timer;
    private boolean fired;

    Suspicion(Loop loop, String from, int k, long min, long max, Runnable onTimeout) {
        this.loop = loop;
        this.k = k;
        this.min = min;
        this.max = max;
        this.onTimeout = onTimeout;
        this.start = loop.nanoTime();
        confirmations.add(from); // the original accuser is not a confirmation
        timer = loop.schedule(k < 1 ? min : max, this::fire);
    }

    /** Counts a suspect message from {@code from}; true when it was a new, counted confirmation (worth re-gossiping). */
    boolean confirm(String from) {
        if (n >= k || !confirmations.add(from)) return false;
        n++;
        long remaining = remaining(n, k, loop.nanoTime() - start, min, max);
        timer.cancel();
        timer = loop.schedule(Math.max(0, remaining), this::fire);
        return true;
    }

    void cancel() {
        timer.cancel();
        fired = true;
    }

    private void fire() {
        if (fired) return;
        fired = true;
        onTimeout.run();
    }

    /** memberlist's remainingSuspicionTime: max − (ln(n+1)/ln(k+1))·(max − min), floored to ms, at least min, minus elapsed. */
    static long remaining(int n, int k, long elapsed, long min, long max) {
        double frac = Math.log(n + 1.0) / Math.log(k + 1.0);
        double raw = max / 1e9 - frac * (max / 1e9 - min / 1e9);
        long timeout = (long) Math.floor(1000.0 * raw) * 1_000_000L;
        return Math.max(timeout, min) - elapsed;
    }
}
