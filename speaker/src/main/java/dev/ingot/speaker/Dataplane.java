package dev.ingot.speaker;

import dev.ingot.speaker.plan.Plan;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The node's dataplane: VIPs bound to kube-ipvs0 and IPVS virtual services. Given the whole desired state. */
public interface Dataplane extends AutoCloseable {
    /** Makes the owned VIPs and virtual services exactly these; touches nothing it does not own. */
    void apply(Set<InetAddress> vips, List<Plan.VirtualService> virtualServices);

    /** State for the status endpoint. */
    Map<String, Object> state();

    @Override
    void close();

    /** {@code --dataplane=none}: leave the VIPs to kube-proxy, as MetalLB does. */
    Dataplane NONE = new Dataplane() {
        @Override
        public void apply(Set<InetAddress> vips, List<Plan.VirtualService> virtualServices) {}

        @Override
        public Map<String, Object> state() {
            return Map.of("mode", "none");
        }

        @Override
        public void close() {}
    };
}
