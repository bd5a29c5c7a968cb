package dev.ingot.bgp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.bgp.codec.AfiSafi;
import dev.ingot.bgp.codec.BgpCodec;
import dev.ingot.bgp.codec.BgpFrameDecoder;
import dev.ingot.bgp.codec.BgpMessage;
import dev.ingot.bgp.codec.BgpMessage.Keepalive;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.BgpMessage.Open;
import dev.ingot.bgp.codec.BgpMessage.Update;
import dev.ingot.bgp.codec.BgpMessageDecoder;
import dev.ingot.bgp.codec.BgpMessageEncoder;
import dev.ingot.bgp.codec.Capability;
import dev.ingot.bgp.codec.CodecOptions;
import dev.ingot.bgp.codec.PathAttribute;
import dev.ingot.bgp.codec.Prefix;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A whole session on an {@link EmbeddedChannel}: the peer's bytes go in, ours come out. The channel stands for a
 * connection the peer opened to a passive session, so the real session code (state machine, codec, Adj-RIB-Out)
 * runs unchanged.
 */
class SessionChannelTest {
    static final InetSocketAddress PEER = new InetSocketAddress(ip("192.0.2.1"), 40000);
    static final InetSocketAddress LOCAL = new InetSocketAddress(ip("192.0.2.2"), 179);
    SessionManager manager;
    EmbeddedChannel ch;

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @BeforeEach
    void setUp() {
        manager = SessionManager.builder().build();
        manager.setPeers(List.of(SessionConfig.builder(PEER.getAddress(), 65000, 65001).passive(true).build()));
        manager.setAdvertisements(List.of(Advertisement.of("172.19.100.1/32"), Advertisement.of("172.19.100.2/32"),
                Advertisement.of("172.19.100.3/32").withCommunities(List.of(Advertisement.community("65000:7")))));
        ch = new EmbeddedChannel(new BgpFrameDecoder(), new BgpMessageDecoder(), new BgpMessageEncoder(),
                new PeerSession.Handler(manager)) {
            @Override protected SocketAddress remoteAddress0() { return PEER; }
            @Override protected SocketAddress localAddress0() { return LOCAL; }
        };
    }

    @AfterEach
    void tearDown() {
        manager.close();
        ch.finishAndReleaseAll();
    }

    void peerSends(BgpMessage m) {
        ByteBuf b = Unpooled.buffer();
        BgpCodec.encode(m, b, CodecOptions.MODERN);
        ch.writeInbound(b);
    }

    List<BgpMessage> weReceive() {
        List<BgpMessage> out = new ArrayList<>();
        ch.runPendingTasks();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            try {
                while (b.isReadable()) {
                    int len = b.getUnsignedShort(b.readerIndex() + 16);
                    out.add(BgpCodec.decode(b.readSlice(len), CodecOptions.MODERN));
                }
            } finally {
                b.release();
            }
        }
        return out;
    }

    Session session() { return manager.sessions().getFirst(); }

    void establish() {
        List<BgpMessage> open = weReceive();
        assertThat(open).hasSize(1);
        Open ours = (Open) open.getFirst();
        assertThat(ours.asn()).isEqualTo(65001);
        assertThat(ours.holdTime()).isEqualTo(90);
        assertThat(ours.bgpIdentifier().getHostAddress()).isEqualTo("192.0.2.2"); // MetalLB's rule: the local IPv4 address
        assertThat(ours.capabilities()).contains(new Capability.Multiprotocol(AfiSafi.IPV4_UNICAST),
                new Capability.Multiprotocol(AfiSafi.IPV6_UNICAST), new Capability.RouteRefresh(),
                new Capability.ExtendedMessage(), new Capability.FourOctetAs(65001));
        peerSends(new Open(4, 65000, 30, (Inet4Address) ip("192.0.2.1"), List.of(new Capability.FourOctetAs(65000),
                new Capability.Multiprotocol(AfiSafi.IPV4_UNICAST), new Capability.RouteRefresh())));
        assertThat(weReceive()).containsExactly(Keepalive.INSTANCE);
        assertThat(session().state()).isEqualTo(SessionState.OPEN_CONFIRM);
        peerSends(Keepalive.INSTANCE);
        assertThat(session().state()).isEqualTo(SessionState.ESTABLISHED);
    }

    @Test
    void handshakeThenPackedTableThenEndOfRib() {
        establish();
        List<BgpMessage> table = weReceive();
        // two attribute sets (with and without the community): two UPDATEs, then the IPv4 End-of-RIB
        assertThat(table).hasSize(3);
        Update plain = (Update) table.get(0);
        assertThat(plain.nlri()).containsExactly(Prefix.parse("172.19.100.1/32"), Prefix.parse("172.19.100.2/32"));
        assertThat(plain.attributes()).containsExactly(PathAttribute.Origin.IGP, PathAttribute.AsPath.sequence(65001),
                new PathAttribute.NextHop(ip("192.0.2.2")));
        assertThat(((Update) table.get(1)).attribute(PathAttribute.Communities.class)).isPresent();
        assertThat(table.get(2)).isEqualTo(Update.endOfRib(AfiSafi.IPV4_UNICAST));
        assertThat(session().announcedPrefixes()).isEqualTo(3);

        // a change sends only the difference
        manager.setAdvertisements(List.of(Advertisement.of("172.19.100.1/32"), Advertisement.of("172.19.100.9/32")));
        List<BgpMessage> diff = weReceive();
        assertThat(diff).containsExactly(
                new Update(List.of(Prefix.parse("172.19.100.2/32"), Prefix.parse("172.19.100.3/32")), List.of(), List.of()),
                new Update(List.of(), plain.attributes(), List.of(Prefix.parse("172.19.100.9/32"))));
    }

    @Test
    void routeRefreshResendsTheAdjRibOut() {
        establish();
        weReceive();
        peerSends(new BgpMessage.RouteRefresh(AfiSafi.IPV4_UNICAST, 0));
        List<BgpMessage> again = weReceive();
        assertThat(again).hasSize(2);
        assertThat(again.stream().mapToInt(m -> ((Update) m).nlri().size()).sum()).isEqualTo(3);
    }

    @Test
    void receivedUpdatesAreCountedAndMalformedOnesTreatedAsWithdraw() {
        establish();
        weReceive();
        peerSends(new Update(List.of(), List.of(PathAttribute.Origin.IGP, PathAttribute.AsPath.sequence(65000),
                new PathAttribute.NextHop(ip("192.0.2.1"))), List.of(Prefix.parse("0.0.0.0/0"), Prefix.parse("10.0.0.0/8"))));
        assertThat(session().receivedPrefixes()).isEqualTo(2);
        // ORIGIN 7 is malformed: RFC 7606 treat-as-withdraw, the session stays up
        ByteBuf bad = Unpooled.wrappedBuffer(dev.ingot.bgp.codec.HexAccess.bytes(
                "ffffffffffffffffffffffffffffffff 0027 02 0000 000e 40010107 400200 400304c0000201 08 0a"));
        ch.writeInbound(bad);
        assertThat(session().receivedPrefixes()).isEqualTo(1);
        assertThat(session().state()).isEqualTo(SessionState.ESTABLISHED);
        assertThat(weReceive()).isEmpty();
    }

    @Test
    void framingErrorSendsNotificationAndCloses() {
        establish();
        weReceive();
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[19]));     // marker of zeros
        List<BgpMessage> out = weReceive();
        assertThat(out).containsExactly(new Notification(1, 1));
        assertThat(session().state()).isEqualTo(SessionState.IDLE);
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void removingThePeerSendsAdministrativeShutdownWithAMessage() {
        establish();
        weReceive();
        manager.setPeers(List.of());
        assertThat(weReceive()).containsExactly(Notification.cease(2, "peer removed from the Ingot configuration"));
    }
}
