package dev.ingot.bgp.bfd;

/**
 * A snapshot of one session, for the CLI and tests. Intervals are in microseconds as on the wire.
 *
 * @param peer the session
 * @param state local state
 * @param remoteState the state the peer last reported
 * @param localDiagnostic the diagnostic we send
 * @param localDiscriminator ours (unsigned)
 * @param remoteDiscriminator the peer's (unsigned; 0 when unknown)
 * @param transmitIntervalUs interval between our periodic packets before jitter
 * @param detectionTimeUs silence after which we declare the peer down (0 before its first packet)
 * @param remoteDesiredMinTxUs the peer's Desired Min TX Interval
 * @param remoteRequiredMinRxUs the peer's Required Min RX Interval
 * @param remoteDetectMult the peer's Detect Mult
 */
public record BfdSessionStatus(BfdPeer peer, BfdState state, BfdState remoteState, BfdDiagnostic localDiagnostic,
                               long localDiscriminator, long remoteDiscriminator, long transmitIntervalUs,
                               long detectionTimeUs, long remoteDesiredMinTxUs, long remoteRequiredMinRxUs,
                               int remoteDetectMult) {
}
