package dev.ingot.ipvs.netlink;

import java.io.IOException;

/**
 * A request the kernel refused, or a socket call that failed: the errno by name, the operation it belongs to, and
 * the kernel's own explanation when it sent one (extended ACK, {@code NLMSGERR_ATTR_MSG}).
 */
public final class NetlinkException extends IOException {
    private final Errno errno;
    private final int errnoNumber;
    private final String operation;
    private final String kernelMessage;

    public NetlinkException(String operation, int errnoNumber, String kernelMessage) {
        super(format(operation, errnoNumber, kernelMessage));
        this.errno = Errno.of(errnoNumber);
        this.errnoNumber = errnoNumber;
        this.operation = operation;
        this.kernelMessage = kernelMessage;
    }

    private static String format(String operation, int n, String kernelMessage) {
        Errno e = Errno.of(n);
        String name = e == Errno.UNKNOWN ? "errno " + n : e.name() + " (" + e.description() + ")";
        return operation + ": " + name + (kernelMessage == null || kernelMessage.isEmpty() ? "" : ": " + kernelMessage);
    }

    public Errno errno() {
        return errno;
    }

    public int errnoNumber() {
        return errnoNumber;
    }

    public String operation() {
        return operation;
    }

    /** The kernel's extended-ACK message, or null. */
    public String kernelMessage() {
        return kernelMessage;
    }
}
