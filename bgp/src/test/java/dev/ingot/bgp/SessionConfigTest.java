package dev.ingot.bgp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class SessionConfigTest {
    static SessionConfig withPassword(String password) throws Exception {
        return SessionConfig.builder(InetAddress.getByName("192.0.2.1"), 65210, 65211).password(password).build();
    }

    @Test
    void theMd5KeyLimitCountsUtf8BytesAsTheKernelDoes() throws Exception {
        assertThat(withPassword("a".repeat(80)).password()).hasSize(80);
        assertThat(withPassword("é".repeat(40)).password()).hasSize(40); // 80 bytes
        assertThatThrownBy(() -> withPassword("é".repeat(41))) // 82 bytes, 41 characters
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("80 bytes");
        assertThatThrownBy(() -> withPassword("")).isInstanceOf(IllegalArgumentException.class);
    }
}
