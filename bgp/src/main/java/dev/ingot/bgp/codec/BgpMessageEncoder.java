package dev.ingot.bgp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/** Encodes {@link BgpMessage}s with the options OPEN negotiated. */
public final class BgpMessageEncoder extends MessageToByteEncoder<BgpMessage> {
    private volatile CodecOptions options = CodecOptions.INITIAL;

    public BgpMessageEncoder() {
        super(BgpMessage.class, false); // heap buffers: plain array writes, copied once to the socket
    }

    public void setOptions(CodecOptions options) { this.options = options; }

    @Override
    protected void encode(ChannelHandlerContext ctx, BgpMessage msg, ByteBuf out) {
        BgpCodec.encode(msg, out, options);
    }
}
