package dev.ingot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.ingot.config.Advertisement;
import dev.ingot.config.BfdProfile;
import dev.ingot.config.Config;
import dev.ingot.config.ConfigError;
import dev.ingot.config.ConfigParser;
import dev.ingot.config.ConfigView;
import dev.ingot.config.IpAddresses;
import dev.ingot.config.NodeSelector;
import dev.ingot.config.Peer;
import dev.ingot.config.Pool;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code ingot config}: tools for MetalLB's config ConfigMap. */
@Command(name = "config", description = "Work with MetalLB's config ConfigMap.", mixinStandardHelpOptions = true,
        subcommands = {ConfigCommand.Check.class})
final class ConfigCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try: check)");
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Validate a config exactly as the controller and speaker do.",
                    "FILE is a ConfigMap manifest (kubectl get cm config -o yaml) or a bare config document; - reads "
                            + "standard input.",
                    "With --services, runs the controller's allocator offline over those Services and prints each "
                            + "LoadBalancer Service's resulting ingress or the Warning the controller would raise.",
                    "Exit status: 0 valid (the normalised config is printed), 1 invalid (every error on stderr) or, "
                            + "with --services, refused for those Services, 2 usage error or unreadable file."})
    static final class Check implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = {"-o", "--output"}, paramLabel = "text|json", defaultValue = "text",
                description = "Output format: ${COMPLETION-CANDIDATES}.")
        Format output;

        @Parameters(paramLabel = "FILE", description = "ConfigMap manifest or config document, - for stdin.")
        String file;

        @Option(names = "--services", paramLabel = "SERVICES.yaml",
                description = "A List of Services (kubectl get svc -A -o yaml, status included) to allocate for.")
        Path services;

        enum Format { text, json }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String text;
            try {
                text = file.equals("-") ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
                        : Files.readString(Path.of(file));
            } catch (java.nio.file.NoSuchFileException e) {
                err.println("ingot: cannot read " + file + ": no such file");
                return 2;
            } catch (IOException | java.io.UncheckedIOException e) {
                err.println("ingot: cannot read " + file + ": " + e);
                return 2;
            }
            ConfigParser.Result result = ConfigParser.parse(text);
            if (services != null) {
                return dryRun(result, out, err);
            }
            if (result instanceof ConfigParser.Invalid(List<ConfigError> errors)) {
                if (output == Format.json) {
                    out.println(json(Map.of("valid", false, "errors", errors.stream().map(e -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("path", e.path());
                        m.put("line", e.line());
                        m.put("message", e.message());
                        return m;
                    }).toList())));
                }
                err.println(file + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors"));
                errors.forEach(e -> err.println("  " + e));
                return 1;
            }
            Config config = ((ConfigParser.Valid) result).config();
            out.println(output == Format.json ? json(ConfigView.of(config)) : Summary.text(config));
            return 0;
        }

        private Integer dryRun(ConfigParser.Result result, PrintWriter out, PrintWriter err) {
            List<dev.ingot.controller.ServiceView> views;
            try {
                views = dev.ingot.controller.DryRun.readServices(Files.readString(services));
            } catch (IOException | IllegalArgumentException e) {
                err.println("ingot: cannot read " + services + ": " + e.getMessage());
                return 2;
            }
            dev.ingot.controller.DryRun.Report report = result instanceof ConfigParser.Valid(Config config)
                    ? dev.ingot.controller.DryRun.run(config, views, null)
                    : dev.ingot.controller.DryRun.invalidConfig(((ConfigParser.Invalid) result).errors().stream()
                            .map(ConfigError::toString).toList(), views, null);
            out.print(output == Format.json ? report.toJson() + "\n" : report.toText());
            out.flush();
            return report.rejected() ? 1 : 0;
        }
    }

    static String json(Object o) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(o);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A short human summary of a valid configuration. */
    static final class Summary {
        private Summary() {}

        /** A short human summary. */
        static String text(Config c) {
            List<String> lines = new ArrayList<>();
            lines.add("config is valid: " + c.peers().size() + " peer(s), " + c.pools().size() + " pool(s), "
                    + c.bfdProfiles().size() + " BFD profile(s), " + c.communities().size() + " community alias(es)");
            for (Peer p : c.peers()) {
                lines.add(String.format("peer %s  AS %d -> AS %d (%s)  port %d  hold %ds keepalive %ds%s%s%s%s%s",
                        IpAddresses.format(p.peerAddress()), p.myAsn(), p.peerAsn(), p.isIbgp() ? "iBGP" : "eBGP",
                        p.peerPort(), p.holdTime().getSeconds(), p.keepaliveTime().getSeconds(),
                        p.routerId().map(r -> "  router-id " + IpAddresses.format(r)).orElse(""),
                        p.sourceAddress().map(s -> "  source " + IpAddresses.format(s)).orElse(""),
                        p.password().isPresent() ? "  md5" : "", p.bfdProfile().map(b -> "  bfd " + b).orElse(""),
                        p.ebgpMultihop() ? "  multihop" : ""));
                if (!p.nodeSelectors().equals(List.of(NodeSelector.EVERYTHING))) {
                    p.nodeSelectors().forEach(s -> lines.add("  on nodes: " + s));
                }
            }
            for (Pool p : c.pools()) {
                lines.add(String.format("pool %s  %s  %s%s%s", p.name(), p.protocol(),
                        String.join(" ", p.cidrs().stream().map(Object::toString).toList()),
                        p.avoidBuggyIps() ? "  avoid-buggy-ips" : "", p.autoAssign() ? "" : "  auto-assign: false"));
                for (Advertisement a : p.advertisements()) {
                    lines.add(String.format("  advertise /%d (v6 /%d)%s%s", a.aggregationLength(),
                            a.aggregationLengthV6(), a.localPref() != 0 ? "  localpref " + a.localPref() : "",
                            a.communities().isEmpty() ? "" : "  communities " + String.join(" ",
                                    a.communities().stream().map(Object::toString).toList())));
                }
            }
            for (BfdProfile b : c.bfdProfiles()) {
                lines.add(String.format("bfd-profile %s  rx %dms tx %dms x%d%s%s  min-ttl %d", b.name(),
                        b.receiveIntervalMs(), b.transmitIntervalMs(), b.detectMultiplier(),
                        b.echoMode() ? "  echo " + b.echoIntervalMs() + "ms" : "", b.passiveMode() ? "  passive" : "",
                        b.minimumTtl()));
            }
            return String.join("\n", lines);
        }
    }
}
