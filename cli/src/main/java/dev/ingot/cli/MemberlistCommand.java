package dev.ingot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ingot.memberlist.MemberEvent;
import dev.ingot.memberlist.Member;
import dev.ingot.memberlist.Memberlist;
import dev.ingot.memberlist.MemberlistConfig;
import dev.ingot.memberlist.wire.Keyring;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ingot memberlist ...}: operator tools for the gossip layer. */
@Command(name = "memberlist", mixinStandardHelpOptions = true,
        description = "Gossip membership compatible with hashicorp/memberlist (MetalLB's speakers).",
        subcommands = {MemberlistCommand.Agent.class})
public final class MemberlistCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try 'agent')");
    }

    @Command(name = "agent", mixinStandardHelpOptions = true,
            description = {"Runs one member and prints every membership event as a JSON line until interrupted:",
                    "{\"event\":\"join\",\"node\":..,\"addr\":..,\"state\":..,\"ts\":..}; events are join, update and leave.",
                    "Interrupt (SIGINT/SIGTERM) leaves gracefully. Exit status: 0, 1 when the join fails, 2 for usage errors."})
    static final class Agent implements java.util.concurrent.Callable<Integer> {
        @CommandLine.Spec CommandLine.Model.CommandSpec spec;

        @Option(names = "--name", required = true, description = "Member name (MetalLB: the Kubernetes node name).")
        String name;

        @Option(names = "--bind", required = true, paramLabel = "ADDR[:PORT]", description = "Address and port to gossip on (port 7946 by default).")
        String bind;

        @Option(names = "--join", arity = "1..*", paramLabel = "ADDR", description = "Members to join through (ADDR or ADDR:PORT).")
        List<String> join = List.of();

        @Option(names = "--secret-key", paramLabel = "STRING",
                description = "The `secretkey` of MetalLB's memberlist Secret; the AES key is derived from it as MetalLB does.")
        String secretKey;

        @Option(names = "--metallb-key-version", paramLabel = "0.13|0.14", defaultValue = "0.14",
                description = "0.13: the 16-byte key of MetalLB <= v0.13; 0.14: the 32-byte key of MetalLB >= v0.14 (default).")
        String keyVersion;

        @Option(names = "--meta", description = "Node metadata (at most 512 bytes).")
        String meta;

        @Option(names = "--duration", paramLabel = "S", description = "Leave and exit after S seconds (default: run until interrupted).")
        Double duration;

        @Override public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            MemberlistConfig cfg;
            try {
                int port = 7946;
                String host = bind;
                if (bind.startsWith("[")) {
                    int end = bind.indexOf(']');
                    host = bind.substring(1, end);
                    if (bind.length() > end + 1) port = Integer.parseInt(bind.substring(end + 2));
                } else if (bind.indexOf(':') >= 0 && bind.indexOf(':') == bind.lastIndexOf(':')) {
                    host = bind.substring(0, bind.indexOf(':'));
                    port = Integer.parseInt(bind.substring(bind.indexOf(':') + 1));
                }
                cfg = MemberlistConfig.lan(name, InetAddress.getByName(host)).withPort(port);
                if (secretKey != null) cfg = cfg.withKeys(List.of(Keyring.metallbKey(secretKey, keyVersion)));
                if (meta != null) cfg = cfg.withMeta(meta.getBytes(StandardCharsets.UTF_8));
            } catch (IllegalArgumentException | java.net.UnknownHostException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--bind/--secret-key/--meta: " + e.getMessage());
            }
            ObjectMapper json = new ObjectMapper();
            CountDownLatch stop = new CountDownLatch(1);
            try (Memberlist ml = Memberlist.start(cfg, new SimpleMeterRegistry())) {
                ml.subscribe(e -> {
                    Member m = e.member();
                    Map<String, Object> line = new LinkedHashMap<>();
                    line.put("event", e.kind().name().toLowerCase(java.util.Locale.ROOT));
                    line.put("node", m.name());
                    line.put("addr", m.address());
                    line.put("state", m.state().name().toLowerCase(java.util.Locale.ROOT));
                    if (m.meta() != null) line.put("meta", new String(m.meta(), StandardCharsets.UTF_8));
                    line.put("ts", System.currentTimeMillis());
                    synchronized (out) {
                        try {
                            out.println(json.writeValueAsString(line));
                        } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
                            throw new IllegalStateException(x);
                        }
                        out.flush();
                    }
                });
                Thread hook = new Thread(() -> {
                    ml.leave(Duration.ofSeconds(1));
                    stop.countDown();
                }, "memberlist-leave");
                Runtime.getRuntime().addShutdownHook(hook);
                if (!join.isEmpty()) {
                    try {
                        ml.join(join);
                    } catch (java.io.IOException e) {
                        err.println("ingot: join failed: " + e.getMessage());
                        Runtime.getRuntime().removeShutdownHook(hook);
                        return 1;
                    }
                }
                boolean timedOut = duration == null ? waitForever(stop) : !stop.await((long) (duration * 1000), TimeUnit.MILLISECONDS);
                if (timedOut) {
                    Runtime.getRuntime().removeShutdownHook(hook);
                    ml.leave(Duration.ofSeconds(1));
                }
            }
            return 0;
        }

        private static boolean waitForever(CountDownLatch stop) throws InterruptedException {
            stop.await();
            return false;
        }
    }
}
