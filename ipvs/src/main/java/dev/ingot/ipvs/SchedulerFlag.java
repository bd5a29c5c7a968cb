package dev.ingot.ipvs;

/** Flags of the hashing schedulers (sh, mh): {@code IP_VS_SVC_F_SCHED1} and {@code IP_VS_SVC_F_SCHED2}. */
public enum SchedulerFlag {
    /** sh-fallback / mh-fallback: pick another real server when the hashed one is unavailable (weight 0). */
    FALLBACK(0x0008),
    /** sh-port / mh-port: hash the source port as well as the address. */
    PORT(0x0010);

    private final int bit;

    SchedulerFlag(int bit) {
        this.bit = bit;
    }

    public int bit() {
        return bit;
    }
}
