package dev.ingot.bgp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the TCP byte stream into whole BGP messages (RFC 4271 §4.1): checks the all-ones marker and the length
 * field (19..4096, or 19..65535 once extended messages are negotiated, RFC 8654) as soon as the header is in, so a
 * bad header is reported before any body is buffered. Emits one retained {@link ByteBuf} per message, header
 * included. After the first error it discards everything: the session is about to close.
 */
public final class BgpFrameDecoder extends ByteToMessageDecoder {
    private volatile int maxLength = BgpMessage.MAX_LENGTH;
    private boolean failed;

    /** Raise the limit to 65535 after both sides advertised the extended message capability. */
    public void setMaxLength(int maxLength) {
        if (maxLength < BgpMessage.MAX_LENGTH || maxLength > BgpMessage.MAX_EXTENDED_LENGTH) {
            throw new IllegalArgumentException("max length must be 4096..65535");
        }
        this.maxLength = maxLength;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.readableBytes() >= BgpMessage.HEADER_LENGTH) {
            int start = in.readerIndex();
            for (int i = 0; i < 16; i++) {
                if (in.getByte(start + i) != (byte) 0xFF) {
                    fail(in);
                    throw new BgpProtocolException(BgpMessage.Notification.MESSAGE_HEADER_ERROR, 1,
                            "marker is not all ones: connection not synchronized (RFC 4271 §4.1, §6.1)");
                }
            }
            int length = in.getUnsignedShort(start + 16);
            if (length < BgpMessage.HEADER_LENGTH || length > maxLength) {
                fail(in);
                throw new BgpProtocolException(BgpMessage.Notification.MESSAGE_HEADER_ERROR, 2,
                        new byte[] {(byte) (length >> 8), (byte) length},
                        "message length " + length + " outside 19.." + maxLength + " (RFC 4271 §6.1)");
            }
            if (in.readableBytes() < length) return;
            out.add(in.readRetainedSlice(length));
        }
    }

    private void fail(ByteBuf in) {
        failed = true;
        in.skipBytes(in.readableBytes());
    }
}
