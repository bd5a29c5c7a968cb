package dev.ingot.cli;

import dev.ingot.ipvs.Dataplane;
import dev.ingot.ipvs.DataplaneException;
import dev.ingot.ipvs.DataplaneOptions;
import dev.ingot.ipvs.Prefix;
import dev.ingot.ipvs.RealServer;
import dev.ingot.ipvs.VirtualService;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ingot ipvs}: what this node's kernel holds for Ingot's VIPs (read-only; netlink, no ipvsadm). */
@Command(name = "ipvs", mixinStandardHelpOptions = true,
        description = {"Show the VIPs bound to the VIP link and the IPVS virtual services and real servers of this"
                + " node's kernel that lie inside the given pools. Changes nothing, unless --flush.",
                "Exit status: 0 shown, 1 the kernel could not be read (the message says why), 2 usage error."})
public final class IpvsCommand implements Callable<Integer> {
    @Option(names = "--pool", required = true, paramLabel = "CIDR",
            description = "an address pool whose VIPs to show (repeatable), e.g. 192.0.2.0/24")
    List<String> pools;

    @Option(names = "--link", defaultValue = "kube-ipvs0", description = "the VIP link (default: ${DEFAULT-VALUE})")
    String link;

    @Option(names = "--flush", description = "remove every VIP and virtual service inside the pools first (after "
            + "an uninstall: a stopped speaker leaves them in place for its successor)")
    boolean flush;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Prefix> owned;
        try {
            owned = pools.stream().map(Prefix::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--pool: " + e.getMessage());
        }
        try (Dataplane dp = Dataplane.open(DataplaneOptions.owning(owned).withLink(link, "dummy"))) {
            if (flush) {
                dp.apply(List.of());
                dp.bindAddresses(java.util.Set.of());
            }
            List<String> vips = dp.boundAddresses().stream().map(InetAddress::getHostAddress).sorted().toList();
            out.println("VIPs on " + link + ": " + (vips.isEmpty() ? "none" : String.join(" ", vips)));
            List<VirtualService> services = dp.virtualServices();
            out.println("virtual services: " + services.size());
            for (VirtualService v : services) {
                out.println(format(v));
                for (RealServer r : v.realServers()) {
                    out.printf("  -> %-30s %-7s %d%n", r.endpoint(), r.forwarding(), r.weight());
                }
            }
            out.flush();
            return 0;
        } catch (DataplaneException e) {
            err.println("ingot ipvs: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    static String format(VirtualService v) {
        StringBuilder b = new StringBuilder().append(String.format("%-4s ", v.protocol()))
                .append(v.key().toString().substring(v.protocol().name().length() + 1)).append(' ')
                .append(v.scheduler().kernelName());
        if (!v.schedulerFlags().isEmpty()) {
            b.append(' ').append(v.schedulerFlags().stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT))
                    .sorted().toList());
        }
        if (v.persistenceTimeout() > 0) {
            b.append(" persistent ").append(v.persistenceTimeout());
        }
        return b.toString();
    }
}
