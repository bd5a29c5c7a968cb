package dev.ingot.ipvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class PrefixTest {
    @Test
    void containsOnlyItsOwnFamilyAndRange() throws Exception {
        Prefix p = Prefix.parse("172.19.0.0/16");
        assertThat(p.contains(InetAddress.getByName("172.19.255.1"))).isTrue();
        assertThat(p.contains(InetAddress.getByName("172.20.0.1"))).isFalse();
        assertThat(p.contains(InetAddress.getByName("::ffff:ac13:1"))).isTrue(); // Java maps it to IPv4
        Prefix six = Prefix.parse("fd00:19::/64");
        assertThat(six.contains(InetAddress.getByName("fd00:19::5"))).isTrue();
        assertThat(six.contains(InetAddress.getByName("fd00:20::5"))).isFalse();
        assertThat(Prefix.parse("10.1.2.3/8").toString()).isEqualTo("10.0.0.0/8");
        assertThat(Prefix.parse("10.1.2.3").length()).isEqualTo(32);
    }

    @Test
    void rejectsWhatIsNotAPrefix() {
        assertThatThrownBy(() -> Prefix.parse("example.com/24")).hasMessage("not an IP prefix: example.com/24");
        assertThatThrownBy(() -> Prefix.parse("10.0.0.0/33")).hasMessage("prefix length 33 is out of 0..32");
    }
}
