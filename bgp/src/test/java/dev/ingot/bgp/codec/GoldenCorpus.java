package dev.ingot.bgp.codec;

import dev.ingot.bgp.codec.BgpMessage.Update;
import java.net.Inet4Address;
import java.util.List;

/** A set of valid messages covering every message type, capability and attribute; the fuzz test mutates them. */
final class GoldenCorpus {
    private GoldenCorpus() {}

    static final List<BgpMessage> MESSAGES = List.of(
            BgpMessage.Keepalive.INSTANCE,
            new BgpMessage.Open(4, 65000, 90, (Inet4Address) GoldenBytesTest.ip("10.0.0.1"), List.of(
                    new Capability.Multiprotocol(AfiSafi.IPV4_UNICAST), new Capability.Multiprotocol(AfiSafi.IPV6_UNICAST),
                    new Capability.RouteRefresh(), new Capability.ExtendedMessage(),
                    new Capability.GracefulRestart(8, 120, List.of(new Capability.GracefulRestart.Family(AfiSafi.IPV4_UNICAST, 0x80))),
                    new Capability.FourOctetAs(65000), new Capability.Unknown(73, new byte[] {1, 2, 3}))),
            new Update(List.of(Prefix.parse("10.9.0.0/16")), List.of(PathAttribute.Origin.IGP,
                    PathAttribute.AsPath.sequence(65000, 4200000000L),
                    new PathAttribute.NextHop(GoldenBytesTest.ip("10.0.0.1")), new PathAttribute.MultiExitDisc(5),
                    new PathAttribute.LocalPref(100), new PathAttribute.Communities(List.of(1L, 0xffffff01L)),
                    new PathAttribute.ExtendedCommunities(List.of(0x0002fde800000007L)),
                    new PathAttribute.LargeCommunities(List.of(new PathAttribute.LargeCommunity(1, 2, 3))),
                    new PathAttribute.Unknown(0xC0, 99, new byte[] {1, 2})),
                    List.of(Prefix.parse("172.19.100.1/32"), Prefix.parse("192.168.0.0/22"))),
            new Update(List.of(), List.of(PathAttribute.Origin.IGP, PathAttribute.AsPath.EMPTY,
                    new PathAttribute.MpReach(AfiSafi.IPV6_UNICAST, List.of(GoldenBytesTest.ip("2001:db8::1"), GoldenBytesTest.ip("fe80::1")),
                            List.of(Prefix.parse("2001:db8:100::1/128"), Prefix.parse("2001:db8::/33")))), List.of()),
            new Update(List.of(), List.of(new PathAttribute.MpUnreach(AfiSafi.IPV6_UNICAST, List.of(Prefix.parse("2001:db8:100::1/128")))), List.of()),
            Update.endOfRib(AfiSafi.IPV4_UNICAST),
            BgpMessage.Notification.cease(2, "maintenance"),
            new BgpMessage.RouteRefresh(AfiSafi.IPV4_UNICAST, 0));
}
