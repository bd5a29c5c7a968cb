package dev.ingot.controller;

/**
 * One {@code (protocol, port)} of a Service: two Services may share an IP only if none of these is used by both.
 *
 * @param protocol TCP, UDP or SCTP
 * @param port the service port
 */
public record Port(String protocol, int port) {
    public Port {
        protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    }

    /** {@code TCP/80}, as in MetalLB's "port TCP/80 is already in use" message. */
    @Override
    public String toString() {
        return protocol + "/" + port;
    }
}
