package dev.ingot.bgp.bfd;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel applies the filters: real sockets on loopback, senders with chosen TTLs. */
class TtlFilterTest {
    static MultiThreadIoEventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    static final IntegerUnixChannelOption IP_TTL = new IntegerUnixChannelOption("IP_TTL", 0, 2);

    /** Sends one datagram with {@code ttl} from {@code from} to {@code to}. */
    static void send(InetAddress from, InetSocketAddress to, int ttl) throws Exception {
        EpollDatagramChannel tx = new EpollDatagramChannel(SocketProtocolFamily.INET);
        tx.config().setOption(IP_TTL, ttl);
        group.register(tx).sync();
        tx.bind(new InetSocketAddress(from, 0)).sync();
        tx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(new byte[] {(byte) ttl}), to)).sync();
        tx.close().sync();
    }

    static int[] receivedTtls(byte[] filter, InetAddress[] senders, int[] ttls) throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        BlockingQueue<Integer> got = new LinkedBlockingQueue<>();
        EpollDatagramChannel rx = new EpollDatagramChannel(SocketProtocolFamily.INET);
        LinuxSockets.attachFilter(rx.fd().intValue(), filter);
        rx.pipeline().addLast(new SimpleChannelInboundHandler<DatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                got.add(p.content().getUnsignedByte(0) + 1000 * (p.sender().getAddress().getAddress()[3] & 0xff));
            }
        });
        group.register(rx).sync();
        rx.bind(new InetSocketAddress(lo, 0)).sync();
        try {
            for (int i = 0; i < ttls.length; i++) {
                send(senders[i], rx.localAddress(), ttls[i]);
            }
            send(lo, rx.localAddress(), 255); // a marker that passes every filter below
            Thread.sleep(200);
            return got.stream().mapToInt(Integer::intValue).toArray();
        } finally {
            rx.close().sync();
        }
    }

    @Test
    void singleHopAcceptsOnlyTtl255() throws Exception {
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        int[] got = receivedTtls(TtlFilter.minimumTtl(false, 255), new InetAddress[] {lo, lo, lo},
                new int[] {1, 254, 255});
        assertThat(got).containsExactly(1255, 1255);
    }

    @Test
    void multihopAppliesEachPeersMinimumAndDropsStrangers() throws Exception {
        InetAddress a = InetAddress.getByName("127.0.0.2");
        InetAddress b = InetAddress.getByName("127.0.0.3");
        InetAddress stranger = InetAddress.getByName("127.0.0.4");
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        byte[] filter = TtlFilter.perPeer(false, Map.of(a, 250, b, 10, lo, 255));
        int[] got = receivedTtls(filter, new InetAddress[] {a, a, b, b, stranger},
                new int[] {249, 250, 9, 10, 255});
        assertThat(got).containsExactly(2250, 3010, 1255);
    }
}
