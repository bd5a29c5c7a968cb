package dev.ingot.memberlist;

import dev.ingot.memberlist.wire.Codec;
import dev.ingot.memberlist.wire.Message;
import dev.ingot.memberlist.wire.Messages;
import dev.ingot.memberlist.wire.WireException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * UDP and TCP on one port, with plain JDK sockets and virtual threads: one thread receives datagrams, one accepts
 * connections, and each connection or outbound exchange gets a virtual thread of its own (memberlist carries one
 * request and at most one reply per connection). Everything read is handed to the engine's loop.
 */
final class Transport implements Net, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Transport.class);
    private static final int MAX_INBOUND_STREAMS = 256;

    private final Codec codec;
    private final Loop loop;
    private final long tcpTimeoutNanos;
    private final DatagramChannel udp;
    private final ServerSocket tcp;
    private final Metrics metrics;
    private final Semaphore inbound = new Semaphore(MAX_INBOUND_STREAMS);
    private volatile boolean closed;
    private Thread udpThread, tcpThread;

    Transport(InetSocketAddress bind, Codec codec, Loop loop, long tcpTimeoutNanos, Metrics metrics) throws IOException {
        this.codec = codec;
        this.loop = loop;
        this.tcpTimeoutNanos = tcpTimeoutNanos;
        this.metrics = metrics;
        // TCP first, so that port 0 picks a port that UDP then takes too
        tcp = new ServerSocket();
        tcp.setReuseAddress(true);
        tcp.bind(bind, 128);
        InetSocketAddress bound = new InetSocketAddress(bind.getAddress(), tcp.getLocalPort());
        udp = DatagramChannel.open(bind.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            udp.setOption(StandardSocketOptions.SO_RCVBUF, 2 << 20);
            udp.bind(bound);
        } catch (IOException e) {
            tcp.close();
            udp.close();
            throw new IOException("cannot bind UDP " + bound + ": " + e.getMessage(), e);
        }
    }

    InetSocketAddress localAddress() {
        return new InetSocketAddress(tcp.getInetAddress(), tcp.getLocalPort());
    }

    /** Starts receiving: packets go to {@code onPacket}, streams to {@code onStream}, both run on the loop. */
    void start(BiConsumer<byte[], InetSocketAddress> onPacket, Function<Message, Message> onStream) {
        udpThread = Thread.ofPlatform().daemon().name("memberlist-udp").start(() -> {
            ByteBuffer buf = ByteBuffer.allocateDirect(65536);
            while (!closed) {
                try {
                    buf.clear();
                    InetSocketAddress from = (InetSocketAddress) udp.receive(buf);
                    buf.flip();
                    byte[] pkt = new byte[buf.remaining()];
                    buf.get(pkt);
                    loop.execute(() -> onPacket.accept(pkt, from));
                } catch (IOException e) {
                    if (!closed) log.warn("event=udp_receive_failed error=\"{}\"", e.toString());
                }
            }
        });
        tcpThread = Thread.ofPlatform().daemon().name("memberlist-tcp").start(() -> {
            while (!closed) {
                try {
                    Socket s = tcp.accept();
                    if (!inbound.tryAcquire()) {
                        s.close();
                        metrics.dropped("too_many_streams");
                        continue;
                    }
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            serve(s, onStream);
                        } catch (IOException e) {
                            log.debug("event=stream_failed peer={} error=\"{}\"", s.getRemoteSocketAddress(), e.toString());
                        } finally {
                            inbound.release();
                        }
                    });
                } catch (IOException e) {
                    if (!closed) log.warn("event=tcp_accept_failed error=\"{}\"", e.toString());
                }
            }
        });
    }

    /** Closes {@code s} when {@code nanos} have passed: a whole exchange has one deadline, not one per read. */
    private Loop.Timer deadline(Socket s, long nanos) {
        return loop.schedule(nanos, () -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        });
    }

    private void serve(Socket s, Function<Message, Message> onStream) throws IOException {
        Loop.Timer deadline = deadline(s, tcpTimeoutNanos);
        try {
            serveUntilDeadline(s, onStream);
        } finally {
            deadline.cancel();
        }
    }

    private void serveUntilDeadline(Socket s, Function<Message, Message> onStream) throws IOException {
        s.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(tcpTimeoutNanos)));
        InputStream in = new BufferedInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        Message request;
        try {
            request = codec.readStream(in);
        } catch (WireException e) {
            metrics.dropped(e.reason());
            log.info("event=stream_rejected peer={} reason={} detail=\"{}\"", s.getRemoteSocketAddress(), e.reason(), e.getMessage());
            out.write(codec.sealStream(Messages.encode(new Message.Err(e.getMessage()))));
            return;
        }
        CompletableFuture<Message> reply = new CompletableFuture<>();
        loop.execute(() -> {
            try {
                reply.complete(onStream.apply(request));
            } catch (RuntimeException e) {
                reply.completeExceptionally(e);
            }
        });
        try {
            Message r = reply.get(tcpTimeoutNanos, TimeUnit.NANOSECONDS);
            if (r != null) out.write(codec.sealStream(Messages.encode(r)));
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("event=stream_handler_failed peer={} error=\"{}\"", s.getRemoteSocketAddress(), e.toString());
        }
    }

    @Override public void sendPacket(InetSocketAddress to, byte[] packet) {
        try {
            udp.send(ByteBuffer.wrap(packet), to);
        } catch (IOException e) {
            log.debug("event=udp_send_failed to={} error=\"{}\"", to, e.toString());
        }
    }

    @Override public void exchange(InetSocketAddress to, Message request, long timeoutNanos, BiConsumer<Message, Throwable> done) {
        byte[] bytes = codec.sealStream(Messages.encode(request));
        Thread.ofVirtual().start(() -> {
            Message reply = null;
            Throwable err = null;
            int ms = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            try (Socket s = new Socket()) {
                Loop.Timer deadline = deadline(s, timeoutNanos);
                s.connect(to, ms);
                s.setSoTimeout(ms);
                s.getOutputStream().write(bytes);
                s.getOutputStream().flush();
                reply = codec.readStream(new BufferedInputStream(s.getInputStream()));
                deadline.cancel();
            } catch (IOException | WireException e) {
                err = new IOException(e.getMessage(), e); // callers name the peer
            }
            Message r = reply;
            Throwable x = err;
            loop.execute(() -> done.accept(r, x));
        });
    }

    @Override public void close() {
        closed = true;
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            udp.close();
        } catch (IOException ignored) {
            // closing
        }
    }

}
