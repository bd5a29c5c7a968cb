package dev.ingot.speaker;

import dev.ingot.config.Cidr;
import dev.ingot.speaker.plan.Plan;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The node's dataplane: VIPs bound to kube-ipvs0 and IPVS virtual services. Given the whole desired state. */
public interface Dataplane extends AutoCloseable {
    /**
     * Makes the VIPs and virtual services inside {@code owned} (the configured pools) exactly these; touches nothing
     * outside {@code owned}.
     */
    void apply(List<Cidr> owned, Set<InetAddress> vips, List<Plan.VirtualService> virtualServices);

    /** State for the status endpoint. */
    Map<String, Object> state();

    @Override
    void close();

    /** {@code --dataplane=none}: leave the VIPs to kube-proxy, as MetalLB does. */
    Dataplane NONE = new Dataplane() {
        @Override
        public void apply(List<Cidr> owned, Set<InetAddress> vips, List<Plan.VirtualService> virtualServices) {}

        @Override
        public Map<String, Object> state() {
            return Map.of("mode", "none");
        }

        @Override
        public void close() {}
    };
}
