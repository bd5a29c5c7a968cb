package dev.ingot.bgp.rib;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ingot.bgp.codec.AfiSafi;
import dev.ingot.bgp.codec.BgpCodec;
import dev.ingot.bgp.codec.BgpMessage.Update;
import dev.ingot.bgp.codec.CodecOptions;
import dev.ingot.bgp.codec.PathAttribute;
import dev.ingot.bgp.codec.Prefix;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UpdatePackerTest {
    static List<PathAttribute> v4attrs(long community) throws Exception {
        return List.of(PathAttribute.Origin.IGP, PathAttribute.AsPath.sequence(65001),
                new PathAttribute.NextHop(InetAddress.getByName("10.0.0.2")), new PathAttribute.Communities(List.of(community)));
    }

    static Prefix host(int i) {
        return Prefix.of(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}, 32);
    }

    static int encodedLength(Update u, CodecOptions o) {
        ByteBuf b = Unpooled.buffer();
        try {
            BgpCodec.encode(u, b, o);
            return b.readableBytes();
        } finally {
            b.release();
        }
    }

    @Test
    void packsEqualAttributesIntoFullMessagesAndSeparatesDifferentOnes() throws Exception {
        Map<Prefix, List<PathAttribute>> ann = new HashMap<>();
        for (int i = 0; i < 10_000; i++) ann.put(host(i), v4attrs(i % 2));
        List<Update> ups = UpdatePacker.pack(List.of(), ann, CodecOptions.MODERN);
        // 4096 - 23 - 31 attribute octets = 4042 octets of NLRI = 808 /32s per UPDATE; two attribute groups of 5000
        assertThat(ups).hasSize(2 * (int) Math.ceil(5000 / 808.0));
        Set<Prefix> seen = new HashSet<>();
        for (Update u : ups) {
            assertThat(encodedLength(u, CodecOptions.MODERN)).isLessThanOrEqualTo(4096);
            seen.addAll(u.nlri());
            for (Prefix p : u.nlri()) assertThat(ann.get(p)).isEqualTo(u.attributes());
        }
        assertThat(seen).hasSize(10_000);
        assertThat(UpdatePacker.pack(List.of(), ann, new CodecOptions(true, true))).hasSize(2); // extended messages
    }

    @Test
    void withdrawalsArePackedToo() {
        List<Prefix> w = new ArrayList<>();
        for (int i = 0; i < 2000; i++) w.add(host(i));
        w.add(Prefix.parse("2001:db8::1/128"));
        List<Update> ups = UpdatePacker.pack(w, Map.of(), CodecOptions.MODERN);
        assertThat(ups).hasSize(3 + 1);
        assertThat(ups.stream().mapToInt(u -> u.withdrawn().size()).sum()).isEqualTo(2000);
        assertThat(ups.getLast().attribute(PathAttribute.MpUnreach.class).orElseThrow().withdrawn())
                .containsExactly(Prefix.parse("2001:db8::1/128"));
        ups.forEach(u -> assertThat(encodedLength(u, CodecOptions.MODERN)).isLessThanOrEqualTo(4096));
    }

    @Test
    void ipv6GoesIntoMpReach() throws Exception {
        PathAttribute.MpReach mp = new PathAttribute.MpReach(AfiSafi.IPV6_UNICAST, List.of(InetAddress.getByName("2001:db8::2")), List.of());
        List<PathAttribute> attrs = List.of(PathAttribute.Origin.IGP, PathAttribute.AsPath.sequence(65001), mp);
        Map<Prefix, List<PathAttribute>> ann = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            byte[] a = InetAddress.getByName("2001:db8:100::").getAddress();
            a[14] = (byte) (i >> 8);
            a[15] = (byte) i;
            ann.put(Prefix.of(a, 128), attrs);
        }
        List<Update> ups = UpdatePacker.pack(List.of(), ann, CodecOptions.MODERN);
        assertThat(ups).hasSize((int) Math.ceil(1000 / ((4096 - 23 - 4 - 9 - 4 - 21) / 17.0)));
        int total = 0;
        for (Update u : ups) {
            assertThat(encodedLength(u, CodecOptions.MODERN)).isLessThanOrEqualTo(4096);
            assertThat(u.nlri()).isEmpty();
            total += u.attribute(PathAttribute.MpReach.class).orElseThrow().nlri().size();
        }
        assertThat(total).isEqualTo(1000);
    }

    /** Property: for random tables, every prefix is announced exactly once, with its own attributes, in UPDATEs
     *  that fit, and the wire form decodes back to the same UPDATEs. */
    @Test
    void randomTablesRoundTripThroughTheWire() throws Exception {
        java.util.Random rnd = new java.util.Random(4271);
        for (int round = 0; round < 40; round++) {
            CodecOptions o = new CodecOptions(true, rnd.nextBoolean());
            Map<Prefix, List<PathAttribute>> ann = new HashMap<>();
            List<List<PathAttribute>> sets = new ArrayList<>();
            for (int k = 0; k < 1 + rnd.nextInt(5); k++) sets.add(v4attrs(rnd.nextInt(1000)));
            PathAttribute.MpReach mp = new PathAttribute.MpReach(AfiSafi.IPV6_UNICAST, List.of(InetAddress.getByName("2001:db8::2")), List.of());
            sets.add(List.of(PathAttribute.Origin.IGP, PathAttribute.AsPath.EMPTY, mp));
            List<Prefix> withdraw = new ArrayList<>();
            int n = rnd.nextInt(5000);
            for (int i = 0; i < n; i++) {
                byte[] a = new byte[rnd.nextBoolean() ? 4 : 16];
                rnd.nextBytes(a);
                int len = rnd.nextInt(a.length * 8 + 1);
                for (int bit = len; bit < a.length * 8; bit++) a[bit >> 3] &= (byte) ~(0x80 >>> (bit & 7));
                Prefix p = Prefix.of(a, len);
                if (rnd.nextInt(4) == 0) withdraw.add(p);
                else ann.put(p, p.isIpv4() ? sets.get(rnd.nextInt(sets.size() - 1)) : sets.getLast());
            }
            withdraw.removeAll(ann.keySet());
            List<Update> ups = UpdatePacker.pack(withdraw, ann, o);
            Map<Prefix, List<PathAttribute>> seen = new HashMap<>();
            Set<Prefix> withdrawn = new HashSet<>();
            for (Update u : ups) {
                ByteBuf b = Unpooled.buffer();
                try {
                    BgpCodec.encode(u, b, o);
                    assertThat(b.readableBytes()).isLessThanOrEqualTo(o.maxMessageLength());
                    assertThat(BgpCodec.decode(b, o)).isEqualTo(u);
                } finally {
                    b.release();
                }
                withdrawn.addAll(u.withdrawn());
                u.attribute(PathAttribute.MpUnreach.class).ifPresent(x -> withdrawn.addAll(x.withdrawn()));
                List<PathAttribute> base = u.attributes().stream()
                        .map(a -> a instanceof PathAttribute.MpReach r ? new PathAttribute.MpReach(r.family(), r.nextHops(), List.of()) : a).toList();
                for (Prefix p : u.nlri()) assertThat(seen.put(p, base)).isNull();
                u.attribute(PathAttribute.MpReach.class).ifPresent(r -> r.nlri().forEach(p -> assertThat(seen.put(p, base)).isNull()));
            }
            assertThat(seen).isEqualTo(ann);
            assertThat(withdrawn).isEqualTo(new HashSet<>(withdraw));
        }
    }
}
