package dev.ingot.ipvs;

import dev.ingot.ipvs.netlink.Errno;
import dev.ingot.ipvs.netlink.NetlinkException;

/**
 * The dataplane could not do what it was asked. The message is for the operator: what failed and what to do. The
 * cause, when there is one, is the kernel's refusal ({@link NetlinkException}, with the errno by name).
 */
public final class DataplaneException extends Exception {
    /** What kind of trouble, for callers that react differently (metrics, retry, give up). */
    public enum Reason {
        /** The kernel has no IPVS. */
        NO_IPVS,
        /** The process lacks CAP_NET_ADMIN in the network namespace. */
        NOT_PERMITTED,
        /** Something in the kernel is in the way and is not Ingot's to change (a link, a service, an address). */
        CONFLICT,
        /** The kernel lacks a feature (a scheduler, the dummy link type). */
        UNSUPPORTED,
        /** The request itself is wrong (a VIP outside the owned prefixes). */
        INVALID,
        /** Anything else the kernel refused, or a netlink I/O failure. */
        KERNEL
    }

    private final Reason reason;

    public DataplaneException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static DataplaneException noIpvs(NetlinkException cause) {
        return new DataplaneException(Reason.NO_IPVS, "the kernel has no IPVS (the generic netlink family \"IPVS\""
                + " is not registered): load it with 'modprobe ip_vs' (add ip_vs to /etc/modules-load.d/ to keep it"
                + " across reboots), or run on a kernel built with CONFIG_IP_VS", cause);
    }

    static DataplaneException notPermitted(String what, NetlinkException cause) {
        return new DataplaneException(Reason.NOT_PERMITTED, what + " was refused (" + cause.errno().name()
                + "): the process lacks CAP_NET_ADMIN in this network namespace; run the speaker as root or grant"
                + " it NET_ADMIN (in Kubernetes: securityContext.capabilities.add: [NET_ADMIN], hostNetwork: true)",
                cause);
    }

    /** The operator-facing form of a kernel refusal of one operation. */
    static DataplaneException of(String what, NetlinkException e) {
        if (e.errno() == Errno.EPERM || e.errno() == Errno.EACCES) {
            return notPermitted(what, e);
        }
        return new DataplaneException(Reason.KERNEL, e.getMessage(), e);
    }
}
