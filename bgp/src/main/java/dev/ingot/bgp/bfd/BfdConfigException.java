package dev.ingot.bgp.bfd;

/** A BFD profile or session request that Ingot cannot honour; the message names the field and why. */
public final class BfdConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public BfdConfigException(String message) {
        super(message);
    }
}
