package dev.ingot.speaker;

/**
 * A token bucket of planning time: it fills at {@code share} of wall-clock time up to {@code burst}, and each plan
 * takes the CPU time it used out of it. When it is owed, the next plan waits until it is even again; so, sustained,
 * planning takes at most {@code share} of a core, while after a quiet spell plans run at once. Times are nanoseconds
 * ({@link System#nanoTime()} for the clock). Not thread-safe.
 */
final class PlanBudget {
    private final double share;
    private final long burst;
    private long left;
    private long at;

    PlanBudget(double share, long burst, long now) {
        if (share <= 0 || share > 1 || burst < 0) {
            throw new IllegalArgumentException("share must be in (0, 1] and burst not negative");
        }
        this.share = share;
        this.burst = burst;
        this.left = burst;
        this.at = now;
    }

    /** Takes a plan that used {@code cpu} and ended at {@code end}; returns the time before which no plan may start. */
    long spent(long cpu, long end) {
        left = Math.min(burst, left + (long) ((end - at) * share)) - cpu;
        at = end;
        return left >= 0 ? end : end + (long) Math.ceil(-left / share);
    }
}
