package dev.ingot.bgp.bfd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BfdCodecTest {
    private static final HexFormat HEX = HexFormat.of();

    /** Strips the annotations: everything after '#' on a line, and white space. */
    private static byte[] hex(String annotated) {
        StringBuilder sb = new StringBuilder();
        for (String line : annotated.split("\n")) {
            int hash = line.indexOf('#');
            sb.append((hash >= 0 ? line.substring(0, hash) : line).replaceAll("\\s", ""));
        }
        return HEX.parseHex(sb.toString());
    }

    // The first packet a Down session sends at the slow rate (RFC 5880 §6.8.3): what FRR bfdd and Ingot send.
    private static final byte[] DOWN_SLOW = hex("""
            20        # Vers=1 (001), Diag=0 (00000)
            40        # Sta=Down (01), P=0 F=0 C=0 A=0 D=0 M=0
            03        # Detect Mult 3
            18        # Length 24
            0000002a  # My Discriminator 42
            00000000  # Your Discriminator 0 (remote unknown)
            000f4240  # Desired Min TX 1 000 000 us (slow rate until Up)
            000493e0  # Required Min RX 300 000 us
            00000000  # Required Min Echo RX 0 (no echo)
            """);

    @Test
    void downPacketAtSlowRate() {
        BfdPacket p = BfdPacket.of(BfdDiagnostic.NONE, BfdState.DOWN, false, false, 3, 42, 0,
                1_000_000, 300_000, 0);
        assertThat(BfdCodec.encode(p)).isEqualTo(DOWN_SLOW);
        assertThat(BfdCodec.decode(DOWN_SLOW)).isEqualTo(new BfdCodec.Valid(p));
    }

    @Test
    void upWithPollAndUnsignedFields() {
        byte[] wire = hex("""
                23        # Vers=1, Diag=3 (neighbor signaled session down)
                e0        # Sta=Up (11), P=1 (0x20)
                ff        # Detect Mult 255
                18        # Length 24
                fffffffe  # My Discriminator 4294967294 (unsigned)
                80000001  # Your Discriminator 2147483649
                ffffffff  # Desired Min TX 4294967295 us (largest)
                0000000a  # Required Min RX 10 us
                0000c350  # Required Min Echo RX 50 000 us
                """);
        BfdPacket p = BfdPacket.of(BfdDiagnostic.NEIGHBOR_SIGNALED_SESSION_DOWN, BfdState.UP, true, false, 255,
                0xfffffffe, 0x80000001, 0xffffffffL, 10, 50_000);
        assertThat(BfdCodec.encode(p)).isEqualTo(wire);
        assertThat(BfdCodec.decode(wire)).isEqualTo(new BfdCodec.Valid(p));
        assertThat(Integer.toUnsignedString(p.myDiscriminator())).isEqualTo("4294967294");
    }

    @Test
    void finalBitAndFlagsDecodeSeparately() {
        byte[] wire = hex("""
                27 da 03 18   # Diag=7 (admin down); Sta=Up, F=1 (0x10), C=1 (0x08), D=1 (0x02)
                00000001 00000002 000493e0 000493e0 00000000
                """);
        BfdPacket p = ((BfdCodec.Valid) BfdCodec.decode(wire)).packet();
        assertThat(p.diagnostic()).isEqualTo(BfdDiagnostic.ADMINISTRATIVELY_DOWN);
        assertThat(p.state()).isEqualTo(BfdState.UP);
        assertThat(p.poll()).isFalse();
        assertThat(p.fin()).isTrue();
        assertThat(p.controlPlaneIndependent()).isTrue();
        assertThat(p.demand()).isTrue();
        assertThat(p.multipoint()).isFalse();
        assertThat(BfdCodec.encode(p)).isEqualTo(wire);
    }

    @Test
    void keyedSha1SectionIsParsedThenRejectedForLackOfConfiguredAuthentication() {
        byte[] wire = hex("""
                20 44 03 34   # Sta=Down, A=1 (0x04), Length 52 = 24 + 28
                00000001 00000000 000f4240 000f4240 00000000
                04            # Auth Type 4: keyed SHA1 (RFC 5880 §4.4)
                1c            # Auth Len 28
                05            # Auth Key ID 5
                00            # Reserved
                00000010      # Sequence Number 16
                0102030405060708090a0b0c0d0e0f1011121314  # Auth Key/Hash (20 octets)
                """);
        BfdCodec.Decoded d = BfdCodec.decode(wire);
        assertThat(d).isInstanceOf(BfdCodec.Valid.class);
        BfdPacket p = ((BfdCodec.Valid) d).packet();
        assertThat(p.authentication()).map(BfdPacket.Authentication::type)
                .contains(BfdPacket.AuthType.KEYED_SHA1);
        assertThat(p.authentication().orElseThrow().data()).hasSize(26);
        assertThat(BfdCodec.encode(p)).isEqualTo(wire);
        assertThat(BfdValidation.checkAuthentication(p, false)).contains(BfdDiscard.AUTHENTICATION_NOT_CONFIGURED);
        BfdPacket plain = BfdPacket.of(BfdDiagnostic.NONE, BfdState.DOWN, false, false, 3, 1, 0, 1, 1, 0);
        assertThat(BfdValidation.checkAuthentication(plain, false)).isEmpty();
        assertThat(BfdValidation.checkAuthentication(plain, true)).contains(BfdDiscard.AUTHENTICATION_MISSING);
    }

    @Test
    void simplePasswordSection() {
        byte[] wire = hex("""
                20 44 03 1f   # A=1, Length 31 = 24 + 7
                00000001 00000000 000f4240 000f4240 00000000
                01 07 02      # Auth Type 1 (simple password), Auth Len 7, Key ID 2
                73656372      # Password "secr" (1..16 octets)
                """);
        BfdPacket p = ((BfdCodec.Valid) BfdCodec.decode(wire)).packet();
        assertThat(p.authentication().orElseThrow().type()).isEqualTo(BfdPacket.AuthType.SIMPLE_PASSWORD);
        assertThat(BfdCodec.encode(p)).isEqualTo(wire);
    }

    private static BfdDiscard discard(String annotated) {
        BfdCodec.Decoded d = BfdCodec.decode(hex(annotated));
        assertThat(d).isInstanceOf(BfdCodec.Discarded.class);
        return ((BfdCodec.Discarded) d).reason();
    }

    @Test
    void everyPacketOnlyRuleOfSection686() {
        assertThat(discard("20 40 03 18 0000002a 00000000 000f4240 000493e0")).isEqualTo(BfdDiscard.TRUNCATED);
        assertThat(discard("40 40 03 18 0000002a 00000000 000f4240 000493e0 00000000  # version 2"))
                .isEqualTo(BfdDiscard.BAD_VERSION);
        assertThat(discard("20 40 03 17 0000002a 00000000 000f4240 000493e0 00000000  # Length 23"))
                .isEqualTo(BfdDiscard.LENGTH_TOO_SMALL);
        assertThat(discard("20 44 03 19 0000002a 00000000 000f4240 000493e0 00000000 01  # A bit, Length 25"))
                .isEqualTo(BfdDiscard.LENGTH_TOO_SMALL);
        assertThat(discard("20 40 03 1c 0000002a 00000000 000f4240 000493e0 00000000  # Length 28 > 24"))
                .isEqualTo(BfdDiscard.LENGTH_EXCEEDS_PAYLOAD);
        assertThat(discard("20 40 00 18 0000002a 00000000 000f4240 000493e0 00000000  # Detect Mult 0"))
                .isEqualTo(BfdDiscard.DETECT_MULT_ZERO);
        assertThat(discard("20 41 03 18 0000002a 00000000 000f4240 000493e0 00000000  # M bit"))
                .isEqualTo(BfdDiscard.MULTIPOINT);
        assertThat(discard("20 40 03 18 00000000 00000000 000f4240 000493e0 00000000  # My Disc 0"))
                .isEqualTo(BfdDiscard.MY_DISCRIMINATOR_ZERO);
        assertThat(discard("20 c0 03 18 0000002a 00000000 000f4240 000493e0 00000000  # Up, Your Disc 0"))
                .isEqualTo(BfdDiscard.YOUR_DISCRIMINATOR_ZERO_NOT_DOWN);
        assertThat(discard("20 80 03 18 0000002a 00000000 000f4240 000493e0 00000000  # Init, Your Disc 0"))
                .isEqualTo(BfdDiscard.YOUR_DISCRIMINATOR_ZERO_NOT_DOWN);
        // AdminDown with Your Discriminator 0 is allowed.
        assertThat(BfdCodec.decode(hex("20 00 03 18 0000002a 00000000 000f4240 000493e0 00000000")))
                .isInstanceOf(BfdCodec.Valid.class);
        assertThat(discard("20 44 03 1a 0000002a 00000000 000f4240 000493e0 00000000 06 02  # Auth Type 6"))
                .isEqualTo(BfdDiscard.AUTH_MALFORMED);
        assertThat(discard("20 44 03 1a 0000002a 00000000 000f4240 000493e0 00000000 02 1c  # Auth Len past Length"))
                .isEqualTo(BfdDiscard.AUTH_MALFORMED);
        assertThat(discard("20 44 03 1c 0000002a 00000000 000f4240 000493e0 00000000 02 04 0000  # MD5, Len 4"))
                .isEqualTo(BfdDiscard.AUTH_MALFORMED);
        assertThat(discard("20 44 03 1a 0000002a 00000000 000f4240 000493e0 00000000 01 02  # password 0 octets"))
                .isEqualTo(BfdDiscard.AUTH_MALFORMED);
    }

    @Test
    void trailingOctetsBeyondLengthAreIgnored() {
        byte[] wire = new byte[DOWN_SLOW.length + 8];
        System.arraycopy(DOWN_SLOW, 0, wire, 0, DOWN_SLOW.length);
        assertThat(BfdCodec.decode(wire)).isEqualTo(BfdCodec.decode(DOWN_SLOW));
        assertThat(BfdCodec.decode(wire, 0, 10)).isEqualTo(new BfdCodec.Discarded(BfdDiscard.TRUNCATED));
    }

    /** Random and mutated datagrams: decoding only ever returns Valid or Discarded, and Valid round-trips. */
    @Test
    void randomAndMutatedInputNeverThrows() {
        byte[][] seeds = {DOWN_SLOW, BfdCodec.encode(new BfdPacket(0, BfdState.UP, true, false,
                false, false, false, 3, 7, 9, 300_000, 300_000, 0, Optional.of(new BfdPacket.Authentication(
                BfdPacket.AuthType.KEYED_MD5, new byte[22]))))};
        Random rnd = new Random(5880);
        int valid = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] in;
            if (i % 2 == 0) {
                in = new byte[rnd.nextInt(80)];
                rnd.nextBytes(in);
                if (in.length > 0) {
                    in[0] = (byte) ((in[0] & 0x1f) | 0x20); // mostly version 1 so that deeper rules are reached
                }
            } else {
                byte[] seed = seeds[rnd.nextInt(seeds.length)];
                in = java.util.Arrays.copyOf(seed, Math.max(0, seed.length + rnd.nextInt(9) - 4));
                for (int m = rnd.nextInt(4); m >= 0 && in.length > 0; m--) {
                    in[rnd.nextInt(in.length)] ^= (byte) (1 << rnd.nextInt(8));
                }
            }
            BfdCodec.Decoded d = BfdCodec.decode(in);
            assertThat(d).isNotNull();
            if (d instanceof BfdCodec.Valid(BfdPacket p)) {
                valid++;
                assertThat(BfdCodec.decode(BfdCodec.encode(p))).isEqualTo(d);
            }
        }
        assertThat(valid).as("some mutated inputs stay valid, so the round trip is exercised").isGreaterThan(1000);
    }
}
