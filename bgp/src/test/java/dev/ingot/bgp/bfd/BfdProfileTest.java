package dev.ingot.bgp.bfd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BfdProfileTest {
    @Test
    void unsetFieldsTakeFrrDefaults() throws Exception {
        BfdProfile p = BfdProfile.of("default", null, null, null, null, null, null, null);
        assertThat(p).isEqualTo(BfdProfile.defaults("default"));
        assertThat(p.parameters()).isEqualTo(new BfdSession.Parameters(300_000, 300_000, 3, false));
        assertThat(BfdProfile.of("p", 100, 200, 5, 60, false, true, 10))
                .isEqualTo(new BfdProfile("p", 100, 200, 5, 60, true, 10));
    }

    @Test
    void echoModeIsRefusedWithAMessageThatSaysSo() {
        assertThatThrownBy(() -> BfdProfile.of("fast", 300, 300, 3, 50, true, false, null))
                .isInstanceOf(BfdConfigException.class)
                .hasMessageContaining("bfd profile \"fast\"")
                .hasMessageContaining("echo-mode: true is not supported")
                .hasMessageContaining("RFC 5880 §6.4");
    }

    @Test
    void everyOutOfRangeFieldIsNamed() {
        assertThatThrownBy(() -> BfdProfile.of("bad", 9, 60001, 1, 5, null, null, 255))
                .isInstanceOf(BfdConfigException.class)
                .hasMessageContaining("invalid receive-interval value 9, must be in 10-60000 range")
                .hasMessageContaining("invalid transmit-interval value 60001, must be in 10-60000 range")
                .hasMessageContaining("invalid detect-multiplier value 1, must be in 2-255 range")
                .hasMessageContaining("invalid echo-interval value 5, must be in 10-60000 range")
                .hasMessageContaining("invalid minimum-ttl value 255, must be in 1-254 range");
        assertThatThrownBy(() -> BfdProfile.of("", null, null, null, null, null, null, null))
                .hasMessage("missing bfd profile name");
    }
}
