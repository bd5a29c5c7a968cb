package dev.ingot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class IpvsCommandTest {
    static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExitCodeExceptionMapper(e -> 2);
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("ingot: " + ex.getMessage());
            return 2;
        });
        return cl.execute(args);
    }

    @Test
    void aBadPoolIsAUsageError() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "ipvs", "--pool", "not-a-prefix")).isEqualTo(2);
        assertThat(err.toString()).contains("--pool: not an IP prefix: not-a-prefix");
    }

    @Test
    void aKernelWithoutIpvsIsExplained() {
        Assumptions.assumeFalse(Files.exists(Path.of("/proc/net/ip_vs")), "this kernel has IPVS");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertThat(run(out, err, "ipvs", "--pool", "198.51.100.0/24")).isEqualTo(1);
        assertThat(out.toString()).startsWith("VIPs on kube-ipvs0: none");
        assertThat(err.toString()).contains("ingot ipvs: the kernel has no IPVS").contains("modprobe ip_vs");
    }
}
