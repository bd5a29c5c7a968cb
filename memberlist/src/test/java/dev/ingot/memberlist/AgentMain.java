package dev.ingot.memberlist;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * A Java member in a process of its own, for tests that must SIGKILL it: prints events as JSON lines like the Go agent.
 * Arguments: NAME IP PORT [JOIN|-] [KEYHEX|-].
 */
public final class AgentMain {
    public static void main(String[] args) throws Exception {
        var cfg = MemberlistConfig.lan(args[0], InetAddress.getByName(args[1])).withPort(Integer.parseInt(args[2]));
        if (args.length > 4 && !args[4].equals("-")) cfg = cfg.withKeys(List.of(HexFormat.of().parseHex(args[4])));
        Memberlist ml = Memberlist.start(cfg, new SimpleMeterRegistry());
        ml.subscribe(e -> System.out.printf("{\"event\":\"%s\",\"node\":\"%s\",\"addr\":\"%s\",\"ts\":%d}%n",
                e.kind().name().toLowerCase(java.util.Locale.ROOT), e.member().name(), e.member().address(), System.currentTimeMillis()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ml.leave(Duration.ofSeconds(1));
            ml.close();
        }));
        if (args.length > 3 && !args[3].equals("-")) ml.join(List.of(args[3]));
        System.out.println("{\"event\":\"ready\",\"node\":\"" + args[0] + "\",\"ts\":" + System.currentTimeMillis() + "}");
        Thread.sleep(Long.MAX_VALUE);
    }
}
