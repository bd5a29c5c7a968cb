package dev.ingot.memberlist;

import dev.ingot.memberlist.wire.Message;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;

/** The engine's outbound edge: UDP packets and one-request TCP exchanges. Implemented by {@link Transport}. */
interface Net {
    /** Sends one sealed UDP packet. */
    void sendPacket(InetSocketAddress to, byte[] packet);

    /**
     * Opens a TCP connection, writes {@code request} with stream framing and reads one reply message, within
     * {@code timeoutNanos}. {@code done} is called on the engine's loop with the reply, or with the failure.
     */
    void exchange(InetSocketAddress to, Message request, long timeoutNanos, BiConsumer<Message, Throwable> done);
}
