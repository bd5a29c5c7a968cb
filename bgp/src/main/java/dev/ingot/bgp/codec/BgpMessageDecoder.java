package dev.ingot.bgp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/** Turns each framed message from {@link BgpFrameDecoder} into a {@link BgpMessage}. */
public final class BgpMessageDecoder extends MessageToMessageDecoder<ByteBuf> {
    private volatile CodecOptions options = CodecOptions.INITIAL;

    public BgpMessageDecoder() {
        super(ByteBuf.class);
    }

    /** Applies what OPEN negotiated (4-octet AS_PATH, extended messages) to the messages that follow. */
    public void setOptions(CodecOptions options) { this.options = options; }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        out.add(BgpCodec.decode(frame, options));
    }
}
