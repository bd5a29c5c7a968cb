package dev.ingot.speaker;

import dev.ingot.config.Cidr;
import dev.ingot.config.IpAddresses;
import dev.ingot.ipvs.DataplaneException;
import dev.ingot.ipvs.DataplaneOptions;
import dev.ingot.ipvs.Prefix;
import dev.ingot.ipvs.Protocol;
import dev.ingot.ipvs.RealServer;
import dev.ingot.ipvs.Scheduler;
import dev.ingot.ipvs.VirtualService;
import dev.ingot.speaker.plan.Plan;
import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IPVS dataplane through the ipvs module: {@code kube-ipvs0}, the VIPs on it and one virtual service per VIP,
 * protocol and port. It owns exactly the configured pools; a change of pools re-opens it with the new set.
 */
final class IpvsDataplane implements Dataplane {
    private static final Logger LOG = LoggerFactory.getLogger(IpvsDataplane.class);

    private dev.ingot.ipvs.Dataplane kernel;
    private List<Cidr> owned;
    private String lastError = "";
    private int services;
    private int vips;

    /** Opens it once to check the kernel: throws with the operator's message when there is no IPVS. */
    IpvsDataplane() throws DataplaneException {
        kernel = dev.ingot.ipvs.Dataplane.open(DataplaneOptions.owning(List.of()));
        owned = List.of();
        try {
            kernel.virtualServices(); // asks for the IPVS family first: no IPVS is told apart from other failures
            kernel.ensureLink();
        } catch (DataplaneException e) {
            kernel.close();
            throw e;
        }
    }

    @Override
    public synchronized void apply(List<Cidr> pools, Set<InetAddress> wanted, List<Plan.VirtualService> plan) {
        try {
            if (!pools.equals(owned)) {
                kernel.close();
                kernel = dev.ingot.ipvs.Dataplane.open(DataplaneOptions.owning(pools.stream()
                        .map(c -> new Prefix(c.address(), c.prefixLength())).toList()));
                owned = List.copyOf(pools);
                kernel.ensureLink();
            }
            kernel.bindAddresses(wanted);
            kernel.apply(plan.stream().map(IpvsDataplane::virtualService).toList());
            services = plan.size();
            vips = wanted.size();
            if (!lastError.isEmpty()) {
                LOG.info("event=dataplaneRecovered");
            }
            lastError = "";
        } catch (DataplaneException | IllegalArgumentException e) {
            String msg = e.getMessage();
            if (!msg.equals(lastError)) {
                LOG.error("event=dataplaneFailed error={}", Speaker.quote(msg));
            }
            lastError = msg;
        }
    }

    static VirtualService virtualService(Plan.VirtualService vs) {
        return VirtualService.of(Protocol.valueOf(vs.protocol().toUpperCase(Locale.ROOT)), vs.vip(), vs.port(),
                Scheduler.valueOf(vs.scheduler().toUpperCase(Locale.ROOT)), vs.realServers().stream()
                        .map(r -> RealServer.masq(r.address(), r.port(), r.weight())).toList());
    }

    @Override
    public synchronized Map<String, Object> state() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", "ipvs");
        m.put("link", "kube-ipvs0");
        m.put("vips", vips);
        m.put("virtualServiceCount", services);
        m.put("owned", owned.stream().map(Cidr::toString).toList());
        m.put("error", lastError);
        return m;
    }

    @Override
    public synchronized void close() {
        kernel.close();
    }

    static String format(InetAddress a) {
        return IpAddresses.format(a);
    }
}
