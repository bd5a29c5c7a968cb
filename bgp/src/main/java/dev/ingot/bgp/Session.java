package dev.ingot.bgp;

import dev.ingot.bgp.codec.Prefix;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/** One BGP session to one peer, created and owned by a {@link SessionManager}. Thread-safe. */
public interface Session {
    SessionConfig config();

    /** "ip:port", the {@code peer} label of the metrics. */
    default String peer() { return config().key(); }

    SessionState state();

    /**
     * Replaces the whole set of routes this session announces. The session sends only the difference to what the
     * peer has, packed into as few UPDATEs as fit (now if Established, else once it is). A prefix offered more than
     * once with different attributes is not announced from this call: it keeps what was in force before (if
     * anything), and it is reported in the result.
     */
    List<Conflict> setAdvertisements(Collection<Advertisement> advertisements);

    /**
     * Takes the session down now with {@code notification}-style reason Cease/BFD Down (RFC 9384 subcode 10) and keeps it
     * Idle for {@code holdDown} before it reconnects by itself. This is the hook for BFD.
     */
    void forceDown(String reason, Duration holdDown);

    /** Ends the hold-down of {@link #forceDown} now (BFD is Up again): the session reconnects at once. */
    void releaseHoldDown();

    /** Prefixes the peer has from us (the Adj-RIB-Out as sent). */
    int announcedPrefixes();

    /** Prefixes the caller wants announced. */
    int pendingPrefixes();

    /** Prefixes the peer announced to us and has not withdrawn (parsed, validated and counted; not installed). */
    int receivedPrefixes();

    /** A prefix offered with different attributes in one {@link #setAdvertisements} call. */
    record Conflict(Prefix prefix, List<Advertisement> offers, String decision) {}
}
