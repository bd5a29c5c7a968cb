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

    @Override
    void close();
}
