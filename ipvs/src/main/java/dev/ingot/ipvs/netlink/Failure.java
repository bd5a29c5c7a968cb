package dev.ingot.ipvs.netlink;

/** A request of a batch that the kernel refused. */
public record Failure(Request request, NetlinkException error) {
    public Errno errno() {
        return error.errno();
    }
}
