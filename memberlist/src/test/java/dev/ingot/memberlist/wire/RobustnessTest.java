package dev.ingot.memberlist.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hostile or damaged input is rejected with a WireException (dropped and counted by the caller), never anything else. */
class RobustnessTest {
    static final List<String> SAMPLES = List.of(VectorsTest.COMPOUND_PING_2ALIVE, VectorsTest.PING_C_11, VectorsTest.ACK_10,
            "0c3e8b6cd10702003b001d0085a44e6f6465a163a55365714e6f0caa536f7572636541646472a47f000002aa536f757263654e6f6465a162aa536f75726365506f7274cd1f0a0383a446726f6da162ab496e6361726e6174696f6e01a44e6f6465a163",
            "0982a4416c676f00a3427566b70005083a05254c1e366fc29001566a4a99384ede280808");

    @Test
    void mutatedAndTruncatedPacketsFailCleanly() {
        Random rnd = new Random(42);
        int rejected = 0;
        for (String s : SAMPLES) {
            byte[] good = VectorsTest.hex(s);
            for (int i = 0; i < 3000; i++) {
                byte[] bad = good.clone();
                if (i % 3 == 0) {
                    bad = java.util.Arrays.copyOf(good, rnd.nextInt(good.length));
                } else {
                    for (int k = 0; k <= i % 4; k++) bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
                }
                List<Object> sink = new ArrayList<>();
                try {
                    Codec.plain().openPacket(bad, sink::add, sink::add);
                } catch (WireException e) {
                    rejected++;
                    assertThat(e.reason()).isNotBlank();
                }
                try {
                    Codec.plain().readStream(new ByteArrayInputStream(bad));
                } catch (WireException e) {
                    assertThat(e.getMessage()).isNotBlank();
                }
            }
        }
        assertThat(rejected).isGreaterThan(1000);
    }

    @Test
    void oversizedDeclarationsAreRefusedBeforeAllocation() {
        // a push/pull claiming 2^32-1 nodes, a string claiming 4 GiB, an encrypted stream claiming 4 GiB
        byte[] manyNodes = VectorsTest.hex("0683a44a6f696ec3a54e6f646573ceffffffffac5573657253746174654c656e00");
        assertThatThrownBy(() -> Codec.plain().readStream(new ByteArrayInputStream(manyNodes))).isInstanceOf(WireException.class)
                .hasMessageContaining("Nodes");
        byte[] hugeString = VectorsTest.hex("0081a44e6f6465dbffffffff");
        assertThatThrownBy(() -> Codec.plain().openPacket(hugeString, m -> {}, e -> {})).isInstanceOf(WireException.class);
        byte[] hugeBlob = VectorsTest.hex("0affffffff01");
        Codec enc = new Codec(new Keyring(List.of(VectorsTest.KEY16)), 1, "", true, true);
        assertThatThrownBy(() -> enc.readStream(new ByteArrayInputStream(hugeBlob))).hasMessageContaining("exceeds");
    }

    @Test
    void crcMismatchIsDropped() {
        byte[] p = Codec.crc(VectorsTest.hex(VectorsTest.ACK_10));
        p[p.length - 1] ^= 1;
        assertThatThrownBy(() -> Codec.plain().openPacket(p, m -> {}, e -> {})).isInstanceOf(WireException.class)
                .extracting(e -> ((WireException) e).reason()).isEqualTo("crc");
    }

    @Test
    void wrongKeyAndPlaintextAreRefusedWhenEncrypting() {
        Codec a = new Codec(new Keyring(List.of(VectorsTest.KEY16)), 1, "", true, true);
        Codec b = new Codec(new Keyring(List.of(VectorsTest.KEY32)), 1, "", true, true);
        byte[] pkt = a.sealPacket(VectorsTest.hex(VectorsTest.ACK_10), false);
        assertThatThrownBy(() -> b.openPacket(pkt, m -> {}, e -> {})).hasMessageContaining("no installed keys");
        assertThatThrownBy(() -> b.openPacket(VectorsTest.hex(VectorsTest.ACK_10), m -> {}, e -> {})).isInstanceOf(WireException.class);
        byte[] stream = a.sealStream(VectorsTest.hex(VectorsTest.ACK_10));
        assertThatThrownBy(() -> Codec.plain().readStream(new ByteArrayInputStream(stream))).hasMessageContaining("not configured");
        assertThatThrownBy(() -> b.readStream(new ByteArrayInputStream(Codec.plain().sealStream(VectorsTest.hex(VectorsTest.ACK_10)))))
                .hasMessageContaining("not encrypted");
        // a ring holding both keys reads both (rolling key change)
        Codec both = new Codec(new Keyring(List.of(VectorsTest.KEY32, VectorsTest.KEY16)), 1, "", true, true);
        List<Object> got = new ArrayList<>();
        try {
            both.openPacket(pkt, got::add, got::add);
        } catch (WireException e) {
            throw new AssertionError(e);
        }
        assertThat(got).hasSize(1);
    }

    @Test
    void lzwRoundTripsThroughCodeTableResets() throws WireException {
        Random rnd = new Random(7);
        for (int size : new int[] {0, 1, 2, 100, 5000, 70000}) {
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) data[i] = (byte) (rnd.nextInt(4) == 0 ? rnd.nextInt(256) : 'a' + rnd.nextInt(3));
            assertThat(Lzw.decompress(Lzw.compress(data), 1 << 20)).isEqualTo(data);
        }
        assertThatThrownBy(() -> Lzw.decompress(Lzw.compress(new byte[100_000]), 1000)).hasMessageContaining("exceeds");
    }
}
