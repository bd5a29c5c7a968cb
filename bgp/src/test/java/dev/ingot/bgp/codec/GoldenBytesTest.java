package dev.ingot.bgp.codec;

import static dev.ingot.bgp.codec.Hex.MARKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ingot.bgp.codec.BgpMessage.Keepalive;
import dev.ingot.bgp.codec.BgpMessage.Notification;
import dev.ingot.bgp.codec.BgpMessage.Open;
import dev.ingot.bgp.codec.BgpMessage.RouteRefresh;
import dev.ingot.bgp.codec.BgpMessage.Update;
import dev.ingot.bgp.codec.PathAttribute.AsPath;
import dev.ingot.bgp.codec.PathAttribute.LargeCommunity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every message, capability and attribute as annotated bytes: decode gives the expected model, and encoding the
 * model gives the same bytes back.
 */
class GoldenBytesTest {

    static BgpMessage decode(byte[] b, CodecOptions o) {
        ByteBuf buf = Unpooled.wrappedBuffer(b);
        try {
            BgpMessage m = BgpCodec.decode(buf, o);
            assertThat(buf.isReadable()).isFalse();
            return m;
        } finally {
            buf.release();
        }
    }

    static byte[] encode(BgpMessage m, CodecOptions o) {
        ByteBuf buf = Unpooled.buffer();
        try {
            BgpCodec.encode(m, buf, o);
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }

    /** decode(bytes) equals the model, and encode(model) equals the bytes. */
    static void roundTrip(String annotated, BgpMessage model, CodecOptions o) {
        byte[] wire = Hex.bytes(annotated);
        assertThat(decode(wire, o)).isEqualTo(model);
        assertThat(Hex.of(encode(model, o))).isEqualTo(Hex.of(wire));
    }

    static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void keepalive() {
        roundTrip(MARKER + """
                0013      # length 19
                04        # type KEEPALIVE
                """, Keepalive.INSTANCE, CodecOptions.MODERN);
    }

    @Test
    void openWithEveryCapability() {
        Open open = new Open(4, 65000, 90, (Inet4Address) ip("10.0.0.1"), List.of(
                new Capability.Multiprotocol(AfiSafi.IPV4_UNICAST),
                new Capability.Multiprotocol(AfiSafi.IPV6_UNICAST),
                new Capability.RouteRefresh(),
                new Capability.ExtendedMessage(),
                new Capability.GracefulRestart(Capability.GracefulRestart.RESTART_STATE, 120,
                        List.of(new Capability.GracefulRestart.Family(AfiSafi.IPV4_UNICAST, 0x80))),
                new Capability.FourOctetAs(65000),
                new Capability.Unknown(73, new byte[] {'a', 'b', 'c'})));
        roundTrip(MARKER + """
                0042            # length 66
                01              # type OPEN
                04              # version 4
                fde8            # My AS 65000
                005a            # hold time 90 s
                0a000001        # BGP Identifier 10.0.0.1
                25              # optional parameters length 37
                02 23           # parameter type 2 (capabilities), length 35
                  01 04 0001 00 01        # multiprotocol: AFI 1 (IPv4), reserved, SAFI 1 (unicast)
                  01 04 0002 00 01        # multiprotocol: AFI 2 (IPv6), SAFI 1
                  02 00                   # route refresh (RFC 2918)
                  06 00                   # extended message (RFC 8654)
                  40 06 8078 0001 01 80   # graceful restart: R bit, 120 s; IPv4 unicast, forwarding preserved
                  41 04 0000fde8          # 4-octet AS 65000
                  49 03 616263            # unknown capability 73, kept byte for byte
                """, open, CodecOptions.INITIAL);
        assertThat(open.asn()).isEqualTo(65000);
        assertThat(open.supports(AfiSafi.IPV6_UNICAST)).isTrue();
    }

    @Test
    void openWithLargeAsnUsesAsTrans() {
        Open open = new Open(4, BgpMessage.AS_TRANS, 3, (Inet4Address) ip("1.2.3.4"),
                List.of(new Capability.FourOctetAs(4200000001L)));
        roundTrip(MARKER + """
                0025            # length 37
                01 04
                5ba0            # My AS = AS_TRANS 23456
                0003            # hold time 3 s
                01020304        # BGP Identifier 1.2.3.4
                08              # optional parameters length
                02 06 41 04 fa56ea01    # 4-octet AS 4200000001
                """, open, CodecOptions.INITIAL);
        assertThat(open.asn()).isEqualTo(4200000001L);
        assertThat(open.supports(AfiSafi.IPV4_UNICAST)).isTrue(); // no MP capability: IPv4 unicast (RFC 4760 §7)
        assertThat(open.supports(AfiSafi.IPV6_UNICAST)).isFalse();
    }

    @Test
    void updateWithEveryIpv4Attribute() {
        Update u = new Update(List.of(), List.of(
                PathAttribute.Origin.IGP,
                AsPath.sequence(65000),
                new PathAttribute.NextHop(ip("10.0.0.1")),
                new PathAttribute.MultiExitDisc(100),
                new PathAttribute.LocalPref(200),
                new PathAttribute.Communities(List.of(0xfde80001L, 0xffffff01L)),
                new PathAttribute.ExtendedCommunities(List.of(0x0002fde800000007L)),
                new PathAttribute.LargeCommunities(List.of(new LargeCommunity(65000, 1, 2))),
                new PathAttribute.Unknown(0xC0, 99, new byte[] {(byte) 0xab, (byte) 0xcd})),
                List.of(Prefix.parse("192.168.1.0/24"), Prefix.parse("172.19.100.1/32")));
        roundTrip(MARKER + """
                006c            # length 108
                02              # type UPDATE
                0000            # withdrawn routes length 0
                004c            # total path attribute length 76
                40 01 01 00                 # ORIGIN (well-known transitive) IGP
                40 02 06 02 01 0000fde8     # AS_PATH: AS_SEQUENCE of 1: 65000 (4-octet)
                40 03 04 0a000001           # NEXT_HOP 10.0.0.1
                80 04 04 00000064           # MULTI_EXIT_DISC 100 (optional)
                40 05 04 000000c8           # LOCAL_PREF 200
                c0 08 08 fde80001 ffffff01  # COMMUNITIES 65000:1 NO_EXPORT (optional transitive)
                c0 10 08 0002fde800000007   # EXTENDED_COMMUNITIES route target 65000:7
                c0 20 0c 0000fde8 00000001 00000002   # LARGE_COMMUNITIES 65000:1:2
                c0 63 02 abcd               # unknown optional transitive attribute 99, kept
                18 c0a801                   # NLRI 192.168.1.0/24
                20 ac136401                 # NLRI 172.19.100.1/32
                """, u, CodecOptions.MODERN);
    }

    @Test
    void updateWithTwoOctetAsPath() {
        Update u = new Update(List.of(), List.of(PathAttribute.Origin.IGP, AsPath.sequence(65000),
                new PathAttribute.NextHop(ip("10.0.0.1"))), List.of(Prefix.parse("172.19.100.1/32")));
        roundTrip(MARKER + """
                002e 02         # length 46, UPDATE
                0000 0012       # no withdrawals; 18 octets of attributes
                40 01 01 00
                40 02 04 02 01 fde8         # AS_PATH with 2-octet ASNs (peer without RFC 6793)
                40 03 04 0a000001
                20 ac136401
                """, u, CodecOptions.INITIAL);
    }

    @Test
    void ipv6ReachWithGlobalAndLinkLocalNextHop() {
        Update u = new Update(List.of(), List.of(PathAttribute.Origin.IGP, AsPath.EMPTY,
                new PathAttribute.MpReach(AfiSafi.IPV6_UNICAST, List.of(ip("2001:db8::1"), ip("fe80::1")),
                        List.of(Prefix.parse("2001:db8:100::1/128")))), List.of());
        roundTrip(MARKER + """
                0057 02         # length 87, UPDATE
                0000 0040       # no withdrawals; 64 octets of attributes
                40 01 01 00     # ORIGIN IGP
                40 02 00        # AS_PATH empty (iBGP)
                80 0e 36        # MP_REACH_NLRI, 54 octets
                  0002 01       # AFI IPv6, SAFI unicast
                  20            # next hop length 32: global + link-local (RFC 2545)
                  20010db8000000000000000000000001
                  fe800000000000000000000000000001
                  00            # reserved
                  80 20010db8010000000000000000000001   # 2001:db8:100::1/128
                """, u, CodecOptions.MODERN);
    }

    @Test
    void ipv6Unreach() {
        Update u = new Update(List.of(), List.of(new PathAttribute.MpUnreach(AfiSafi.IPV6_UNICAST,
                List.of(Prefix.parse("2001:db8:100::1/128")))), List.of());
        roundTrip(MARKER + """
                002e 02 0000 0017
                80 0f 14        # MP_UNREACH_NLRI, 20 octets
                  0002 01       # AFI IPv6, SAFI unicast
                  80 20010db8010000000000000000000001
                """, u, CodecOptions.MODERN);
    }

    @Test
    void ipv4Withdrawal() {
        Update u = new Update(List.of(Prefix.parse("192.168.1.0/24"), Prefix.parse("172.19.100.1/32")), List.of(), List.of());
        roundTrip(MARKER + """
                0020 02         # length 32, UPDATE
                0009            # withdrawn routes length 9
                18 c0a801       # 192.168.1.0/24
                20 ac136401     # 172.19.100.1/32
                0000            # no attributes
                """, u, CodecOptions.MODERN);
    }

    @Test
    void endOfRibMarkers() {
        roundTrip(MARKER + "0017 02 0000 0000  # empty UPDATE: IPv4 End-of-RIB", Update.endOfRib(AfiSafi.IPV4_UNICAST), CodecOptions.MODERN);
        roundTrip(MARKER + "001d 02 0000 0006 800f03 000201  # MP_UNREACH with no NLRI: IPv6 End-of-RIB",
                Update.endOfRib(AfiSafi.IPV6_UNICAST), CodecOptions.MODERN);
        assertThat(Update.endOfRib(AfiSafi.IPV6_UNICAST).endOfRibFamily()).contains(AfiSafi.IPV6_UNICAST);
    }

    @Test
    void notificationWithShutdownCommunication() {
        Notification n = Notification.cease(Notification.CEASE_ADMIN_SHUTDOWN, "bye");
        roundTrip(MARKER + """
                0019 03         # length 25, NOTIFICATION
                06 02           # Cease / Administrative Shutdown
                03 627965       # RFC 8203 shutdown communication: length 3, "bye"
                """, n, CodecOptions.MODERN);
        assertThat(n.shutdownMessage()).contains("bye");
        assertThat(n.describe()).isEqualTo("6/2 Cease/Administrative Shutdown \"bye\"");
    }

    @Test
    void shutdownCommunicationIsCutAtACharacterBoundary() {
        String s = "é".repeat(200); // 400 octets of UTF-8
        Notification n = Notification.cease(Notification.CEASE_ADMIN_SHUTDOWN, s);
        assertThat(n.data()[0] & 0xFF).isEqualTo(254);
        assertThat(n.shutdownMessage()).contains("é".repeat(127));
    }

    @Test
    void routeRefresh() {
        roundTrip(MARKER + """
                0017 05         # length 23, ROUTE-REFRESH
                0001 00 01      # AFI IPv4, reserved, SAFI unicast
                """, new RouteRefresh(AfiSafi.IPV4_UNICAST, 0), CodecOptions.MODERN);
    }

    @Test
    void longAttributesUseTheExtendedLengthBit() {
        List<Long> many = new java.util.ArrayList<>();
        for (long i = 0; i < 70; i++) many.add(0xfde80000L + i);
        Update u = new Update(List.of(), List.of(PathAttribute.Origin.IGP, AsPath.EMPTY,
                new PathAttribute.NextHop(ip("10.0.0.1")), new PathAttribute.Communities(many)),
                List.of(Prefix.parse("10.1.0.0/16")));
        byte[] wire = encode(u, CodecOptions.MODERN);
        // ORIGIN 4 + AS_PATH 3 + NEXT_HOP 7, then COMMUNITIES with flags 0xd0 (extended length) and a 2-octet length
        assertThat(Hex.of(wire).substring(2 * (19 + 4 + 14), 2 * (19 + 4 + 18))).isEqualTo("d0080118");
        assertThat(decode(wire, CodecOptions.MODERN)).isEqualTo(u);
    }

    @Test
    void encoderRefusesMessagesLongerThanNegotiated() {
        List<Prefix> lots = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) lots.add(Prefix.of(new byte[] {10, 0, (byte) (i >> 8), (byte) i}, 32));
        Update u = new Update(lots, List.of(), List.of());
        assertThatThrownBy(() -> encode(u, CodecOptions.MODERN)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds the maximum of 4096");
        assertThat(decode(encode(u, new CodecOptions(true, true)), new CodecOptions(true, true))).isEqualTo(u);
    }
}
