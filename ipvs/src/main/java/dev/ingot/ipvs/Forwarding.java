package dev.ingot.ipvs;

/** How IPVS forwards to a real server ({@code IP_VS_CONN_F_*}): ipvsadm's -m, -i and -g. */
public enum Forwarding {
    /** NAT ("Masq"): the kernel rewrites the destination; replies must come back through this node. */
    MASQ(0),
    /** IP-in-IP tunnel ("Tunnel"). */
    TUNNEL(2),
    /** Direct routing ("Route"): the real server must own the VIP itself. */
    DROUTE(3);

    private final int kernelValue;

    Forwarding(int kernelValue) {
        this.kernelValue = kernelValue;
    }

    public int kernelValue() {
        return kernelValue;
    }

    /** The method of a kernel value, or null (local node, bypass). */
    public static Forwarding ofKernelValue(int v) {
        for (Forwarding f : values()) {
            if (f.kernelValue == v) {
                return f;
            }
        }
        return null;
    }
}
