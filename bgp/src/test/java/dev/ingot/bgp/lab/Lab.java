package dev.ingot.bgp.lab;

import static dev.ingot.bgp.lab.Sh.sh;
import static dev.ingot.bgp.lab.Sh.shQuiet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;

/**
 * A rack in network namespaces, all named {@code ingot-bgp-<random>-*}: a ToR namespace holding a bridge, and a
 * namespace per other host with a veth port on that bridge (10.77.0.0/24, 2001:db8:77::/64). Nothing is created
 * in the root namespace; {@link #close()} ends every process in the lab's namespaces and deletes them.
 */
public final class Lab implements AutoCloseable {
    public final String prefix = "ingot-bgp-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xFFFFF));
    public final Path dir;
    private final List<String> namespaces = new ArrayList<>();

    /** Fails under CI=true, skips otherwise, when root or a needed tool is missing. */
    public static void requirePrerequisites(String... tools) {
        List<String> missing = new ArrayList<>();
        if (!"0".equals(shQuiet("id -u").trim())) missing.add("root");
        for (String t : tools) if (!Files.isExecutable(Path.of(t))) missing.add(t);
        if (missing.isEmpty()) return;
        String why = "interop test needs " + String.join(", ", missing) + " (apt packages in .ci/apt-packages)";
        if ("true".equals(System.getenv("CI"))) throw new IllegalStateException(why);
        Assumptions.abort(why);
    }

    public Lab() throws Exception {
        dir = Files.createDirectories(Path.of("/run", prefix));
        ns("tor");
        sh("ip -n " + name("tor") + " link add br0 type bridge && ip -n " + name("tor") + " link set br0 type bridge stp_state 0 forward_delay 0"
                + " && ip -n " + name("tor") + " addr add 10.77.0.1/24 dev br0 && ip -n " + name("tor") + " addr add 2001:db8:77::1/64 dev br0 nodad"
                + " && ip -n " + name("tor") + " link set br0 up"
                + " && ip netns exec " + name("tor") + " sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1");
    }

    public String name(String host) { return prefix + "-" + host; }

    private void ns(String host) {
        String n = name(host);
        sh("ip netns add " + n + " && ip -n " + n + " link set lo up");
        namespaces.add(n);
    }

    /** Adds a host with {@code addrs} ("10.77.0.11/24", "2001:db8:77::11/64"...) on its eth0, bridged to the ToR. */
    public void host(String host, int port, String... addrs) {
        ns(host);
        String n = name(host), t = name("tor");
        StringBuilder s = new StringBuilder("ip -n " + n + " link add eth0 type veth peer name p" + port + " netns " + t
                + " && ip -n " + t + " link set p" + port + " master br0 up && ip -n " + n + " link set eth0 up");
        for (String a : addrs) s.append(" && ip -n ").append(n).append(" addr add ").append(a).append(" dev eth0")
                .append(a.contains(":") ? " nodad" : "");
        sh(s.toString());
    }

    /** Starts FRR (zebra and bgpd) in the ToR namespace with {@code bgpdConf}; its files live in {@code dir/frr}. */
    public Path startFrr(String bgpdConf) throws Exception {
        Path d = Files.createDirectories(dir.resolve("frr"));
        Files.writeString(d.resolve("zebra.conf"), "hostname tor\n");
        Files.writeString(d.resolve("bgpd.conf"), bgpdConf.replace("@DIR@", d.toString()));
        sh("chown -R frr:frr " + d);
        String common = " -F traditional -z " + d + "/zserv.api --vty_socket " + d + " -A 127.0.0.1 -P 0 ";
        sh("ip netns exec " + name("tor") + " /usr/lib/frr/zebra -d" + common + "-f " + d + "/zebra.conf -i " + d
                + "/zebra.pid -s 67108864 --log file:" + d + "/zebra.log </dev/null >/dev/null 2>&1");
        for (int i = 0; i < 50 && !Files.exists(d.resolve("zserv.api")); i++) Thread.sleep(100);
        sh("ip netns exec " + name("tor") + " /usr/lib/frr/bgpd -d" + common + "-f " + d + "/bgpd.conf -i " + d
                + "/bgpd.pid -p 179 --log file:" + d + "/bgpd.log </dev/null >/dev/null 2>&1");
        for (int i = 0; i < 50 && !Files.exists(d.resolve("bgpd.vty")); i++) Thread.sleep(100);
        return d;
    }

    public String vtysh(String command) {
        return Sh.run(List.of("vtysh", "--vty_socket", dir.resolve("frr").toString(), "-c", command), 20).out();
    }

    public int frrPid() throws Exception {
        return Integer.parseInt(Files.readString(dir.resolve("frr/bgpd.pid")).trim());
    }

    public void startBird(String host, String conf) throws Exception {
        Path d = Files.createDirectories(dir.resolve(host));
        Files.writeString(d.resolve("bird.conf"), conf.replace("@DIR@", d.toString()));
        sh("ip netns exec " + name(host) + " bird -c " + d + "/bird.conf -s " + d + "/bird.ctl -P " + d + "/bird.pid </dev/null >/dev/null 2>&1");
    }

    public String birdc(String host, String command) {
        List<String> cmd = new ArrayList<>(List.of("birdc", "-s", dir.resolve(host).resolve("bird.ctl").toString()));
        cmd.addAll(List.of(command.split(" ")));
        return Sh.run(cmd, 20).out();
    }

    public void startGobgp(String host, String toml) throws Exception {
        Path d = Files.createDirectories(dir.resolve(host));
        Files.writeString(d.resolve("gobgpd.toml"), toml);
        sh("nohup ip netns exec " + name(host) + " gobgpd -f " + d + "/gobgpd.toml -p --pprof-disable </dev/null >>" + d + "/gobgpd.log 2>&1 &");
    }

    public String gobgp(String host, String args) {
        return shQuiet("ip netns exec " + name(host) + " gobgp " + args);
    }

    public String ip(String host, String args) {
        return shQuiet("ip -n " + name(host) + " " + args);
    }

    @Override
    public void close() {
        for (String n : namespaces) {
            String pids = shQuiet("ip netns pids " + n).trim();
            if (!pids.isEmpty()) shQuiet("kill -CONT " + pids.replace('\n', ' ') + "; kill " + pids.replace('\n', ' '));
        }
        for (int i = 0; i < 30; i++) {
            boolean any = false;
            for (String n : namespaces) any |= !shQuiet("ip netns pids " + n).isBlank();
            if (!any) break;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String n : namespaces) {
            String pids = shQuiet("ip netns pids " + n).trim();
            if (!pids.isEmpty()) shQuiet("kill -9 " + pids.replace('\n', ' '));
            shQuiet("ip netns del " + n);
        }
        shQuiet("rm -rf " + dir);
    }

    public static Map<String, String> env() { return System.getenv(); }
}
