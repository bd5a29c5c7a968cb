package dev.ingot.bgp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random and mutated messages fed to the decoder. The only failures allowed are typed protocol errors; whatever
 * decodes re-encodes and decodes to the same model; every run is bounded by the 65535-octet frame, so no input can
 * make the decoder hang or allocate without bound.
 */
class FuzzTest {
    static final long SEED = Long.getLong("ingot.fuzz.seed", 4271L);
    static final int ROUNDS = Integer.getInteger("ingot.fuzz.rounds", 60_000);

    static List<byte[]> seeds() {
        List<byte[]> out = new ArrayList<>();
        for (var m : GoldenCorpus.MESSAGES) out.add(GoldenBytesTest.encode(m, CodecOptions.MODERN));
        return out;
    }

    @Test
    void mutatedAndRandomMessagesGiveOnlyProtocolErrors() {
        Random rnd = new Random(SEED);
        List<byte[]> seeds = seeds();
        int decoded = 0, errors = 0;
        for (int round = 0; round < ROUNDS; round++) {
            byte[] msg = round % 10 == 0 ? randomMessage(rnd) : mutate(seeds.get(rnd.nextInt(seeds.size())), rnd);
            CodecOptions o = rnd.nextBoolean() ? CodecOptions.MODERN : CodecOptions.INITIAL;
            ByteBuf b = Unpooled.wrappedBuffer(msg);
            try {
                BgpMessage m = BgpCodec.decode(b, o);
                decoded++;
                // property: what decodes re-encodes, and decodes to the same model again
                ByteBuf again = Unpooled.buffer();
                try {
                    BgpCodec.encode(m, again, new CodecOptions(o.fourOctetAs(), true));
                    BgpMessage m2 = BgpCodec.decode(again, o);
                    if (!(m instanceof BgpMessage.Update u && u.treatAsWithdraw() != null)) {
                        assertThat(m2).isEqualTo(m);
                    }
                } finally {
                    again.release();
                }
            } catch (BgpProtocolException e) {
                errors++;
                assertThat(e.code()).isBetween(1, 7);
            } catch (RuntimeException e) {
                fail("round " + round + " seed " + SEED + ": " + Hex.of(msg) + " threw " + e, e);
            } finally {
                b.release();
            }
        }
        assertThat(decoded).isPositive();
        assertThat(errors).isPositive();
    }

    @Test
    void streamOfGarbageThroughThePipelineEndsInOneProtocolError() {
        Random rnd = new Random(SEED + 1);
        for (int round = 0; round < 300; round++) {
            EmbeddedChannel ch = new EmbeddedChannel(new BgpFrameDecoder(), new BgpMessageDecoder());
            byte[] junk = new byte[rnd.nextInt(200_000)];
            rnd.nextBytes(junk);
            if (rnd.nextBoolean()) for (int i = 0; i < Math.min(16, junk.length); i++) junk[i] = (byte) 0xFF;
            try {
                for (int off = 0; off < junk.length; ) {
                    int n = Math.min(junk.length - off, 1 + rnd.nextInt(9000));
                    ch.writeInbound(Unpooled.wrappedBuffer(junk, off, n));
                    off += n;
                }
            } catch (DecoderException e) {
                assertThat(e.getCause()).isInstanceOf(BgpProtocolException.class);
            }
            Object m;
            while ((m = ch.readInbound()) != null) io.netty.util.ReferenceCountUtil.release(m);
            ch.finishAndReleaseAll();
        }
    }

    static byte[] randomMessage(Random rnd) {
        int len = 19 + rnd.nextInt(200);
        byte[] b = new byte[len];
        rnd.nextBytes(b);
        for (int i = 0; i < 16; i++) b[i] = (byte) 0xFF;
        b[16] = (byte) (len >> 8);
        b[17] = (byte) len;
        b[18] = (byte) (1 + rnd.nextInt(5));
        return b;
    }

    static byte[] mutate(byte[] seed, Random rnd) {
        byte[] b = seed.clone();
        int kind = rnd.nextInt(4);
        if (kind == 0 || b.length <= 19) {
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) b[19 + rnd.nextInt(Math.max(1, b.length - 19)) % Math.max(1, b.length - 19) + (b.length <= 19 ? -19 + 18 : 0)] = (byte) rnd.nextInt(256);
        } else if (kind == 1) { // truncate
            int len = 19 + rnd.nextInt(b.length - 19);
            byte[] t = new byte[len];
            System.arraycopy(b, 0, t, 0, len);
            b = t;
        } else if (kind == 2) { // extend with junk
            int extra = rnd.nextInt(64);
            byte[] t = new byte[b.length + extra];
            System.arraycopy(b, 0, t, 0, b.length);
            for (int i = b.length; i < t.length; i++) t[i] = (byte) rnd.nextInt(256);
            b = t;
        } else { // flip one bit anywhere past the marker
            int i = 16 + rnd.nextInt(b.length - 16);
            b[i] ^= (byte) (1 << rnd.nextInt(8));
        }
        if (rnd.nextInt(4) != 0 && b.length >= 18) { // usually keep the length field consistent
            b[16] = (byte) (b.length >> 8);
            b[17] = (byte) b.length;
        }
        return b;
    }
}
