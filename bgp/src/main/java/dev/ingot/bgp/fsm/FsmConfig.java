package dev.ingot.bgp.fsm;

import dev.ingot.bgp.codec.Capability;
import java.time.Duration;
import java.util.List;

/**
 * What the state machine needs from the session's configuration.
 *
 * @param localAsn our ASN
 * @param peerAsn the ASN the peer must present (else NOTIFICATION Bad Peer AS)
 * @param holdTime hold time we offer, seconds (0, or 3..65535)
 * @param keepaliveTime configured keepalive, seconds; 0 = a third of the negotiated hold time
 * @param passive never connect; only accept the peer's connection
 * @param capabilities what our OPEN advertises (4-octet AS is added by the FSM)
 * @param backoffMin first delay before reconnecting after a failure
 * @param backoffMax the delay doubles after each failure up to this
 * @param stableTime the back-off resets only after the session stayed Established this long
 * @param openHoldTime hold timer while waiting for the peer's OPEN (RFC 4271 §8: "a large value", 4 minutes suggested)
 */
public record FsmConfig(long localAsn, long peerAsn, int holdTime, int keepaliveTime, boolean passive,
                        List<Capability> capabilities, Duration backoffMin, Duration backoffMax, Duration stableTime,
                        Duration openHoldTime) {
    public FsmConfig {
        if (holdTime != 0 && (holdTime < 3 || holdTime > 65535)) {
            throw new IllegalArgumentException("hold time must be 0 or 3..65535 s (RFC 4271 §4.2), not " + holdTime);
        }
        if (keepaliveTime < 0) throw new IllegalArgumentException("keepalive time must not be negative");
        capabilities = List.copyOf(capabilities);
    }
}
