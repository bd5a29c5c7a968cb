package dev.ingot.bgp.bfd;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The state machine of one BFD session in asynchronous mode (RFC 5880 §6.2, §6.8). Pure: it does
 * no I/O and reads no clock. The caller passes the time ({@code now}, nanoseconds on any monotonic
 * scale), feeds it received packets and timer ticks, and carries out its {@link Effects}: packets
 * to send and state changes to report. {@link #nextDeadlineNanos()} says when to call
 * {@link #tick} next. Not thread-safe: drive each session from one thread.
 *
 * <p>What it does, by RFC section:
 * <ul>
 *   <li>§6.2/§6.8.6: AdminDown, Down, Init, Up and the three-way handshake; Down on a neighbour's
 *       Down or AdminDown (diag 3) and on detection-time expiry (diag 1).
 *   <li>§6.8.1: bfd.RemoteDiscr is cleared when the detection time passes without a packet, so a
 *       restarted peer is found again by its addresses.
 *   <li>§6.8.3: Desired Min TX is at least one second while the session is not Up; changing Desired
 *       Min TX or Required Min RX while Up starts a Poll Sequence, an increase of TX (or a decrease
 *       of RX) takes effect only when the Final arrives.
 *   <li>§6.8.4: detection time = the remote Detect Mult × max(local Required Min RX, remote Desired
 *       Min TX).
 *   <li>§6.8.7: periodic transmission at max(Desired Min TX, remote Required Min RX) reduced by a
 *       random 0-25% (10-25% when Detect Mult is 1); none while the remote Required Min RX is 0,
 *       none in the passive role until the peer's discriminator is known, none while the remote
 *       is in Demand mode with both sides Up; a Final is sent at once in answer to a Poll.
 *   <li>The C bit is always 0, Demand mode is never requested and Required Min Echo RX is always
 *       0: Ingot implements neither Demand mode nor the Echo function, and says so to its peer.
 * </ul>
 */
public final class BfdSession {
    /** The slowest rate required before Up (RFC 5880 §6.8.3): one second, in microseconds. */
    public static final long SLOW_TX_US = 1_000_000;
    private static final long NEVER = Long.MAX_VALUE;

    /** What the session asks its driver to do. Called synchronously from the session's methods. */
    public interface Effects {
        void send(BfdPacket packet);

        void stateChanged(BfdState from, BfdState to, BfdDiagnostic diagnostic);
    }

    /**
     * The session's configured parameters.
     *
     * @param desiredMinTxUs Desired Min TX Interval once Up, in microseconds (&gt; 0)
     * @param requiredMinRxUs Required Min RX Interval, in microseconds (&gt; 0)
     * @param detectMult Detect Mult (1..255)
     * @param passive whether this side waits for the peer's first packet before sending
     */
    public record Parameters(long desiredMinTxUs, long requiredMinRxUs, int detectMult, boolean passive) {
        public Parameters {
            if (desiredMinTxUs <= 0 || desiredMinTxUs > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("desired min tx " + desiredMinTxUs + " us out of range");
            }
            if (requiredMinRxUs <= 0 || requiredMinRxUs > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("required min rx " + requiredMinRxUs + " us out of range");
            }
            if (detectMult < 1 || detectMult > 255) {
                throw new IllegalArgumentException("detect multiplier " + detectMult + " is not in 1..255");
            }
        }
    }

    private final int localDiscr;
    private final RandomGenerator random;
    private final Effects effects;
    private Parameters params;

    private BfdState state = BfdState.DOWN;
    private BfdDiagnostic localDiag = BfdDiagnostic.NONE;
    private int remoteDiscr;
    private BfdState remoteState = BfdState.DOWN;
    private boolean remoteDemand;
    private long remoteMinRxUs = 1; // §6.8.1 initial value
    private long remoteDesiredMinTxUs;
    private int remoteDetectMult;

    /** What we advertise. */
    private long desiredMinTxUs;
    private long requiredMinRxUs;
    /** What we act on: differs from the advertised values during a Poll Sequence. */
    private long txInUseUs;
    private long rxInUseUs;
    private boolean pollActive;

    private long txDeadline = NEVER;
    private long lastTxAt;
    private long detectDeadline = NEVER;

    /** Starts in Down with discriminator {@code localDiscr} (non-zero) and sends its first packet. */
    public BfdSession(int localDiscr, Parameters params, RandomGenerator random, Effects effects, long now) {
        if (localDiscr == 0) {
            throw new IllegalArgumentException("local discriminator must be non-zero (RFC 5880 §6.8.1)");
        }
        this.localDiscr = localDiscr;
        this.params = Objects.requireNonNull(params);
        this.random = Objects.requireNonNull(random);
        this.effects = Objects.requireNonNull(effects);
        this.desiredMinTxUs = txInUseUs = Math.max(params.desiredMinTxUs(), SLOW_TX_US);
        this.requiredMinRxUs = rxInUseUs = params.requiredMinRxUs();
        transmitIfAllowed(now);
    }

    // ---- inputs ------------------------------------------------------------------------------

    /**
     * Processes a packet that passed {@link BfdCodec#decode} and was matched to this session
     * (RFC 5880 §6.8.6 from "set bfd.RemoteDiscr" on). Returns the reason it was discarded, or null.
     */
    public BfdDiscard receive(BfdPacket p, long now) {
        var auth = BfdValidation.checkAuthentication(p, false);
        if (auth.isPresent()) {
            return auth.get();
        }
        boolean couldTransmit = mayTransmitPeriodically();
        remoteDiscr = p.myDiscriminator();
        remoteState = p.state();
        remoteDemand = p.demand();
        remoteMinRxUs = p.requiredMinRxUs();
        remoteDesiredMinTxUs = p.desiredMinTxUs();
        remoteDetectMult = p.detectMult();
        if (p.fin() && pollActive) {
            pollActive = false;
            txInUseUs = desiredMinTxUs;
            rxInUseUs = requiredMinRxUs;
        }
        detectDeadline = now + detectionTimeUs() * 1000;

        if (state == BfdState.ADMIN_DOWN) {
            return BfdDiscard.SESSION_ADMIN_DOWN;
        }
        if (p.state() == BfdState.ADMIN_DOWN) {
            if (state != BfdState.DOWN) {
                changeState(BfdState.DOWN, BfdDiagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, now);
            }
        } else {
            switch (state) {
                case DOWN -> {
                    if (p.state() == BfdState.DOWN) {
                        changeState(BfdState.INIT, BfdDiagnostic.NONE, now);
                    } else if (p.state() == BfdState.INIT) {
                        changeState(BfdState.UP, BfdDiagnostic.NONE, now);
                    }
                }
                case INIT -> {
                    if (p.state() == BfdState.INIT || p.state() == BfdState.UP) {
                        changeState(BfdState.UP, BfdDiagnostic.NONE, now);
                    }
                }
                case UP -> {
                    if (p.state() == BfdState.DOWN) {
                        changeState(BfdState.DOWN, BfdDiagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, now);
                    }
                }
                default -> throw new AssertionError(state);
            }
        }
        if (p.poll()) {
            effects.send(packet(false, true)); // §6.8.7: a Final at once, whatever the timers say
        }
        if (!couldTransmit && mayTransmitPeriodically()) {
            transmitIfAllowed(now); // e.g. the passive side hears its peer for the first time
        } else if (!mayTransmitPeriodically()) {
            txDeadline = NEVER;
        } else {
            pullTransmitForward(now);
        }
        return null;
    }

    /** Runs what is due at {@code now}: detection-time expiry and periodic transmission. */
    public void tick(long now) {
        if (now >= detectDeadline) {
            detectDeadline = NEVER;
            if (state == BfdState.INIT || state == BfdState.UP) {
                changeState(BfdState.DOWN, BfdDiagnostic.CONTROL_DETECTION_TIME_EXPIRED, now);
            }
            forgetRemote();
            if (!mayTransmitPeriodically()) {
                txDeadline = NEVER;
            }
        }
        if (now >= txDeadline) {
            transmitIfAllowed(now);
        }
    }

    /** Applies new parameters, with a Poll Sequence if Up (RFC 5880 §6.8.3). */
    public void reconfigure(Parameters p, long now) {
        Parameters old = params;
        params = Objects.requireNonNull(p);
        if (state == BfdState.UP) {
            setIntervals(p.desiredMinTxUs(), p.requiredMinRxUs());
        } else {
            desiredMinTxUs = txInUseUs = Math.max(p.desiredMinTxUs(), SLOW_TX_US);
            requiredMinRxUs = rxInUseUs = p.requiredMinRxUs();
        }
        if (old.passive() != p.passive() || !mayTransmitPeriodically()) {
            txDeadline = NEVER;
            transmitIfAllowed(now);
        } else {
            pullTransmitForward(now);
        }
    }

    /** Takes the session administratively down (RFC 5880 §6.8.16): the peer is told AdminDown. */
    public void adminDown(long now) {
        if (state != BfdState.ADMIN_DOWN) {
            changeState(BfdState.ADMIN_DOWN, BfdDiagnostic.ADMINISTRATIVELY_DOWN, now);
        }
    }

    /** Leaves AdminDown for Down (RFC 5880 §6.8.16). */
    public void adminUp(long now) {
        if (state == BfdState.ADMIN_DOWN) {
            changeState(BfdState.DOWN, BfdDiagnostic.NONE, now);
        }
    }

    // ---- outputs and inspection --------------------------------------------------------------

    /** When {@link #tick} must run next, or {@link Long#MAX_VALUE} if nothing is pending. */
    public long nextDeadlineNanos() {
        return Math.min(txDeadline, detectDeadline);
    }

    public BfdState state() {
        return state;
    }

    public BfdDiagnostic localDiagnostic() {
        return localDiag;
    }

    public int localDiscriminator() {
        return localDiscr;
    }

    public int remoteDiscriminator() {
        return remoteDiscr;
    }

    public BfdState remoteState() {
        return remoteState;
    }

    public Parameters parameters() {
        return params;
    }

    public boolean pollActive() {
        return pollActive;
    }

    /** The interval between periodic packets before jitter, in microseconds (RFC 5880 §6.8.7). */
    public long transmitIntervalUs() {
        return Math.max(txInUseUs, remoteMinRxUs);
    }

    /** The detection time in microseconds (RFC 5880 §6.8.4), 0 before the first packet. */
    public long detectionTimeUs() {
        return (long) remoteDetectMult * Math.max(rxInUseUs, remoteDesiredMinTxUs);
    }

    /** The Desired Min TX Interval currently advertised, in microseconds. */
    public long advertisedDesiredMinTxUs() {
        return desiredMinTxUs;
    }

    /** The Required Min RX Interval currently advertised, in microseconds. */
    public long advertisedRequiredMinRxUs() {
        return requiredMinRxUs;
    }

    /** The remote's Required Min RX Interval as last received, in microseconds. */
    public long remoteRequiredMinRxUs() {
        return remoteMinRxUs;
    }

    /** The remote's Desired Min TX Interval as last received, in microseconds. */
    public long remoteDesiredMinTxUs() {
        return remoteDesiredMinTxUs;
    }

    public int remoteDetectMult() {
        return remoteDetectMult;
    }

    // ---- internals ---------------------------------------------------------------------------

    private void changeState(BfdState to, BfdDiagnostic diag, long now) {
        BfdState from = state;
        state = to;
        localDiag = diag;
        if (to == BfdState.UP) {
            setIntervals(params.desiredMinTxUs(), params.requiredMinRxUs());
        } else {
            pollActive = false;
            desiredMinTxUs = txInUseUs = Math.max(params.desiredMinTxUs(), SLOW_TX_US);
            requiredMinRxUs = rxInUseUs = params.requiredMinRxUs();
        }
        effects.stateChanged(from, to, diag);
        // Tell the peer at once rather than at the next periodic slot; it shortens the handshake.
        txDeadline = NEVER;
        transmitIfAllowed(now);
    }

    /** Changes the advertised intervals of an Up session: §6.8.3's rules and a Poll Sequence. */
    private void setIntervals(long txUs, long rxUs) {
        if (txUs == desiredMinTxUs && rxUs == requiredMinRxUs) {
            return;
        }
        desiredMinTxUs = txUs;
        requiredMinRxUs = rxUs;
        if (txUs < txInUseUs) {
            txInUseUs = txUs; // a decrease may apply at once; an increase waits for the Final
        }
        if (rxUs > rxInUseUs) {
            rxInUseUs = rxUs; // an increase applies at once; a decrease waits for the Final
        }
        pollActive = true;
    }

    private void forgetRemote() {
        remoteDiscr = 0;
        remoteState = BfdState.DOWN;
        remoteDemand = false;
        remoteMinRxUs = 1;
        remoteDesiredMinTxUs = 0;
        remoteDetectMult = 0;
    }

    private boolean mayTransmitPeriodically() {
        if (remoteMinRxUs == 0) {
            return false;
        }
        if (params.passive() && remoteDiscr == 0) {
            return false;
        }
        return !(remoteDemand && state == BfdState.UP && remoteState == BfdState.UP);
    }

    private void transmitIfAllowed(long now) {
        if (!mayTransmitPeriodically()) {
            txDeadline = NEVER;
            return;
        }
        effects.send(packet(pollActive, false));
        lastTxAt = now;
        txDeadline = now + jittered(transmitIntervalUs()) * 1000;
    }

    /**
     * The transmit interval can shrink after the next packet was scheduled: the peer lowers its
     * Required Min RX when it comes Up (FRR asks for 1 s while Down), or our own TX decreases. The
     * peer then computes its detection time from the new values, so the next packet must not wait for
     * the old, longer slot: it is moved to one new (jittered) interval after the last one sent.
     */
    private void pullTransmitForward(long now) {
        if (txDeadline == NEVER) {
            return;
        }
        long sooner = lastTxAt + jittered(transmitIntervalUs()) * 1000;
        if (sooner < txDeadline) {
            txDeadline = Math.max(sooner, now);
        }
    }

    private long jittered(long intervalUs) {
        // 75..100% of the interval; 75..90% when Detect Mult is 1 (RFC 5880 §6.8.7).
        int maxPercent = params.detectMult() == 1 ? 90 : 100;
        long lo = intervalUs * 75 / 100;
        long hi = intervalUs * maxPercent / 100;
        return hi <= lo ? lo : random.nextLong(lo, hi + 1);
    }

    private BfdPacket packet(boolean poll, boolean fin) {
        return BfdPacket.of(localDiag, state, poll, fin, params.detectMult(), localDiscr, remoteDiscr,
                desiredMinTxUs, requiredMinRxUs, 0);
    }
}
