package dev.ingot.bgp.fsm;

import dev.ingot.bgp.codec.AfiSafi;
import dev.ingot.bgp.codec.BgpMessage;
import dev.ingot.bgp.codec.CodecOptions;
import java.util.Set;

/** What the OPEN exchange settled for one session. Times in seconds; 0 means no hold timer and no keepalives. */
public record Negotiated(BgpMessage.Open peerOpen, int holdTime, int keepaliveTime, boolean fourOctetAs,
                         boolean extendedMessages, boolean routeRefresh, Set<AfiSafi> families) {
    public Negotiated { families = Set.copyOf(families); }

    public CodecOptions codecOptions() { return new CodecOptions(fourOctetAs, extendedMessages); }

    /** Computes the outcome of our OPEN and the peer's (RFC 4271 §4.2, RFC 5492, RFC 6793, RFC 8654). */
    public static Negotiated of(BgpMessage.Open ours, BgpMessage.Open theirs, int configuredKeepalive) {
        int hold = Math.min(ours.holdTime(), theirs.holdTime());
        int keepalive = hold == 0 ? 0 : Math.max(1, configuredKeepalive > 0 ? Math.min(configuredKeepalive, hold / 3) : hold / 3);
        boolean four = ours.capability(dev.ingot.bgp.codec.Capability.FourOctetAs.class).isPresent()
                && theirs.capability(dev.ingot.bgp.codec.Capability.FourOctetAs.class).isPresent();
        boolean ext = ours.capability(dev.ingot.bgp.codec.Capability.ExtendedMessage.class).isPresent()
                && theirs.capability(dev.ingot.bgp.codec.Capability.ExtendedMessage.class).isPresent();
        boolean rr = theirs.capability(dev.ingot.bgp.codec.Capability.RouteRefresh.class).isPresent();
        Set<AfiSafi> fams = new java.util.HashSet<>();
        for (AfiSafi f : Set.of(AfiSafi.IPV4_UNICAST, AfiSafi.IPV6_UNICAST)) {
            if (ours.supports(f) && theirs.supports(f)) fams.add(f);
        }
        return new Negotiated(theirs, hold, keepalive, four, ext, rr, fams);
    }
}
