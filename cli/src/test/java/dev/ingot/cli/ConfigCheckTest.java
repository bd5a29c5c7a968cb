package dev.ingot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ingot config check}: exit statuses, the JSON shape, and errors on stderr. */
class ConfigCheckTest {
    @TempDir Path dir;

    record Run(int status, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void validSampleGivesTheNormalisedJson() throws Exception {
        Run r = run("config", "check", "-o", "json", "../config-samples/frr-tor-md5-bfd.yaml");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        JsonNode peer = j.get("peers").get(0);
        assertThat(peer.get("myAsn").asLong()).isEqualTo(65211);
        assertThat(peer.get("peerAsn").asLong()).isEqualTo(65210);
        assertThat(peer.get("peerAddress").asText()).isEqualTo("10.10.2.210");
        assertThat(peer.get("holdTimeSeconds").asInt()).isEqualTo(9);
        assertThat(peer.get("keepaliveTimeSeconds").asInt()).isEqualTo(3);
        assertThat(peer.get("passwordSet").asBoolean()).isTrue();
        assertThat(peer.get("bfdProfile").asText()).isEqualTo("fast");
        assertThat(r.out()).doesNotContain("rack-a-bgp-key");
        assertThat(j.get("pools").get(0).get("cidrs").get(0).asText()).isEqualTo("172.19.100.0/24");
        assertThat(j.get("bfdProfiles").get(0).get("detectMultiplier").asInt()).isEqualTo(3);
        assertThat(j.has("communities")).isTrue();
    }

    @Test
    void textOutputSummarises() {
        Run r = run("config", "check", "../config-samples/nxos-rack.yaml");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("peer 10.10.2.210  AS 65211 -> AS 65210 (eBGP)").contains("172.19.100.0/24");
    }

    @Test
    void invalidConfigExitsOneWithEveryErrorOnStderr() throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, """
                peers:
                - {my-asn: 0, peer-asn: 2, peer-address: 10.0.0.1, password: "hunter2"}
                address-pools:
                - {name: a, protocol: bgp, addresses: [10.0.0.0/33]}
                """);
        Run r = run("config", "check", f.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains("2 errors").contains("peers[0].my-asn (line 2): missing local ASN")
                .contains("address-pools[0].addresses[0] (line 4)").doesNotContain("hunter2");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void usageErrorsAndUnreadableFilesExitTwo() {
        assertThat(run("config", "check").status()).isEqualTo(2);
        assertThat(run("config", "check", "-o", "yaml", "x").status()).isEqualTo(2);
        Run missing = run("config", "check", dir.resolve("missing.yaml").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
        assertThat(run("no-such-command").status()).isEqualTo(2);
    }
}
