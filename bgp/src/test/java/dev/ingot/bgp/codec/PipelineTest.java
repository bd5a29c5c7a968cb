package dev.ingot.bgp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import org.junit.jupiter.api.Test;

/** The framer, decoder and encoder on an {@link EmbeddedChannel}. */
class PipelineTest {

    static EmbeddedChannel channel() {
        return new EmbeddedChannel(new BgpFrameDecoder(), new BgpMessageDecoder(), new BgpMessageEncoder());
    }

    @Test
    void messagesSplitAnywhereAndBatchedTogetherAreFramed() {
        BgpMessageDecoder decoder = new BgpMessageDecoder();
        decoder.setOptions(CodecOptions.MODERN);
        EmbeddedChannel ch = new EmbeddedChannel(new BgpFrameDecoder(), decoder);
        ByteBuf all = Unpooled.buffer();
        for (BgpMessage m : GoldenCorpus.MESSAGES) BgpCodec.encode(m, all, CodecOptions.MODERN);
        byte[] bytes = new byte[all.readableBytes()];
        all.readBytes(bytes);
        all.release();
        for (int off = 0; off < bytes.length; off += 7) {
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, off, Math.min(7, bytes.length - off)));
        }
        for (BgpMessage m : GoldenCorpus.MESSAGES) assertThat((Object) ch.readInbound()).isEqualTo(m);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void encoderWritesWhatTheDecoderReads() {
        EmbeddedChannel ch = channel();
        ch.writeOutbound(BgpMessage.Keepalive.INSTANCE);
        ByteBuf out = ch.readOutbound();
        assertThat(Hex.of(io.netty.buffer.ByteBufUtil.getBytes(out))).isEqualTo(Hex.MARKER + "001304");
        ch.writeInbound(out);
        assertThat((Object) ch.readInbound()).isEqualTo(BgpMessage.Keepalive.INSTANCE);
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void oversizedLengthIsRejectedFromTheHeaderAlone() {
        EmbeddedChannel ch = channel();
        // a header announcing 4097 octets: rejected before the body arrives, so nothing is buffered for it
        assertThatThrownBy(() -> ch.writeInbound(Unpooled.wrappedBuffer(Hex.bytes(Hex.MARKER + "1001 02"))))
                .isInstanceOf(DecoderException.class).cause().isInstanceOf(BgpProtocolException.class)
                .hasMessageContaining("outside 19..4096");
        ch.finishAndReleaseAll();
    }

    @Test
    void extendedMessagesRaiseTheLimit() {
        BgpFrameDecoder framer = new BgpFrameDecoder();
        framer.setMaxLength(BgpMessage.MAX_EXTENDED_LENGTH);
        EmbeddedChannel ch = new EmbeddedChannel(framer);
        byte[] big = new byte[5000];
        java.util.Arrays.fill(big, 0, 16, (byte) 0xFF);
        big[16] = (byte) (5000 >> 8);
        big[17] = (byte) 5000;
        big[18] = 2;
        ch.writeInbound(Unpooled.wrappedBuffer(big));
        ByteBuf frame = ch.readInbound();
        assertThat(frame.readableBytes()).isEqualTo(5000);
        frame.release();
        assertThat(ch.finish()).isFalse();
    }
}
