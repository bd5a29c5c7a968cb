package dev.ingot.ipvs;

/** The IPVS schedulers Ingot programs, by their kernel names ({@code ip_vs_<name>} modules). */
public enum Scheduler {
    /** Round robin. */
    RR,
    /** Weighted round robin. */
    WRR,
    /** Least connections. */
    LC,
    /** Weighted least connections (the kernel's default). */
    WLC,
    /** Source hashing; flags {@link SchedulerFlag#FALLBACK} and {@link SchedulerFlag#PORT}. */
    SH,
    /** Maglev hashing; flags {@link SchedulerFlag#FALLBACK} and {@link SchedulerFlag#PORT}. */
    MH;

    private final String kernelName = name().toLowerCase(java.util.Locale.ROOT);

    /** The name the kernel knows it by ("rr"). */
    public String kernelName() {
        return kernelName;
    }

    public boolean takesFlags() {
        return this == SH || this == MH;
    }

    /** The scheduler of a kernel name, or null for one Ingot does not program. */
    public static Scheduler ofKernelName(String name) {
        for (Scheduler s : values()) {
            if (s.kernelName().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
