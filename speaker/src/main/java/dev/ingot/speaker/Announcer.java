package dev.ingot.speaker;

import dev.ingot.config.BfdProfile;
import dev.ingot.config.Peer;
import dev.ingot.speaker.plan.Plan;
import java.util.List;
import java.util.Map;

/** Where routes go: BGP sessions to the selected peers. Given the whole desired state every time. */
public interface Announcer extends AutoCloseable {
    /**
     * Makes the sessions to exactly these peers offer exactly these routes, with BFD for the peers that name one of
     * {@code bfdProfiles}.
     */
    void apply(List<Peer> peers, List<BfdProfile> bfdProfiles, List<Plan.Route> routes);

    /** Per-peer state for the status endpoint. */
    List<Map<String, Object>> sessions();

    /**
     * Ends every session for a shutdown. A planned restart keeps the routes at the peers (Graceful Restart: no
     * NOTIFICATION); a drain re-announces them with GRACEFUL_SHUTDOWN (RFC 8326), withdraws them, waits
     * {@code drainDelay} in all for the switches to move traffic, then sends Cease.
     */
    void shutdown(boolean plannedRestart, java.time.Duration drainDelay);

    @Override
    void close();
}
