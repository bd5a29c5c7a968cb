package dev.ingot.bgp.rib;

import dev.ingot.bgp.codec.AfiSafi;
import dev.ingot.bgp.codec.BgpCodec;
import dev.ingot.bgp.codec.BgpMessage.Update;
import dev.ingot.bgp.codec.CodecOptions;
import dev.ingot.bgp.codec.PathAttribute;
import dev.ingot.bgp.codec.Prefix;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Packs withdrawals and announcements into as few UPDATEs as the negotiated message size allows: all prefixes that
 * share one attribute list go together (IPv4 in the NLRI field, IPv6 in MP_REACH_NLRI), withdrawals likewise (the
 * Withdrawn Routes field, MP_UNREACH_NLRI). Pure.
 */
public final class UpdatePacker {
    private static final int UPDATE_OVERHEAD = 19 + 2 + 2;

    private UpdatePacker() {}

    /**
     * @param withdraw prefixes the peer must forget
     * @param announce prefix to its full attribute list; for IPv6 the list holds an {@link PathAttribute.MpReach}
     *     with the next hops and no NLRI, which the packer fills
     * @return withdrawals first, then announcements: groups in the order of their lowest prefix, prefixes sorted
     */
    public static List<Update> pack(Collection<Prefix> withdraw, Map<Prefix, List<PathAttribute>> announce, CodecOptions options) {
        int max = options.maxMessageLength();
        List<Update> out = new ArrayList<>();
        TreeSet<Prefix> w4 = new TreeSet<>(), w6 = new TreeSet<>();
        for (Prefix p : withdraw) (p.isIpv4() ? w4 : w6).add(p);
        // IPv4 withdrawals: Withdrawn Routes field
        List<Prefix> batch = new ArrayList<>();
        int size = UPDATE_OVERHEAD;
        for (Prefix p : w4) {
            if (size + p.wireLength() > max) {
                out.add(new Update(batch, List.of(), List.of()));
                batch = new ArrayList<>();
                size = UPDATE_OVERHEAD;
            }
            batch.add(p);
            size += p.wireLength();
        }
        if (!batch.isEmpty()) out.add(new Update(batch, List.of(), List.of()));
        // IPv6 withdrawals: MP_UNREACH_NLRI
        batch = new ArrayList<>();
        int nlri = 0;
        for (Prefix p : w6) {
            if (mpSize(0, 3, nlri + p.wireLength()) > max) {
                out.add(new Update(List.of(), List.of(new PathAttribute.MpUnreach(AfiSafi.IPV6_UNICAST, batch)), List.of()));
                batch = new ArrayList<>();
                nlri = 0;
            }
            batch.add(p);
            nlri += p.wireLength();
        }
        if (!batch.isEmpty()) out.add(new Update(List.of(), List.of(new PathAttribute.MpUnreach(AfiSafi.IPV6_UNICAST, batch)), List.of()));

        // Announcements, grouped by identical attribute lists: first by identity (callers share one list instance
        // per attribute set, so this is cheap), then equal lists merged.
        Map<List<PathAttribute>, List<Prefix>> byIdentity = new IdentityHashMap<>();
        for (var e : announce.entrySet()) byIdentity.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        Map<List<PathAttribute>, List<Prefix>> groups = new HashMap<>();
        for (var e : byIdentity.entrySet()) {
            List<Prefix> l = groups.get(e.getKey());
            if (l == null) groups.put(e.getKey(), e.getValue());
            else l.addAll(e.getValue());
        }
        groups.values().forEach(Collections::sort);
        List<Map.Entry<List<PathAttribute>, List<Prefix>>> ordered = new ArrayList<>(groups.entrySet());
        ordered.sort(Map.Entry.comparingByValue((a, b) -> a.getFirst().compareTo(b.getFirst()))); // deterministic output
        out.addAll(packGroups(ordered, options));
        return out;
    }

    /**
     * Announcements only, from groups the caller already built: each entry is one attribute list and its prefixes
     * (sorted, for a deterministic output); the UPDATEs follow the order of the entries.
     */
    public static List<Update> packGroups(List<Map.Entry<List<PathAttribute>, List<Prefix>>> ordered, CodecOptions options) {
        int max = options.maxMessageLength();
        List<Update> out = new ArrayList<>();
        List<Prefix> batch;
        int nlri;
        for (var g : ordered) {
            List<PathAttribute> attrs = g.getKey();
            PathAttribute.MpReach mp = attrs.stream().filter(a -> a instanceof PathAttribute.MpReach)
                    .map(a -> (PathAttribute.MpReach) a).findFirst().orElse(null);
            int other = 0;
            for (PathAttribute a : attrs) if (a != mp) other += BgpCodec.attributeLength(a, options);
            batch = new ArrayList<>();
            nlri = 0;
            if (mp == null) {
                for (Prefix p : g.getValue()) {
                    if (UPDATE_OVERHEAD + other + nlri + p.wireLength() > max && !batch.isEmpty()) {
                        out.add(new Update(List.of(), attrs, batch));
                        batch = new ArrayList<>();
                        nlri = 0;
                    }
                    batch.add(p);
                    nlri += p.wireLength();
                }
                if (!batch.isEmpty()) out.add(new Update(List.of(), attrs, batch));
            } else {
                int fixed = 5 + mp.nextHops().stream().mapToInt(h -> h.getAddress().length).sum();
                for (Prefix p : g.getValue()) {
                    if (mpSize(other, fixed, nlri + p.wireLength()) > max && !batch.isEmpty()) {
                        out.add(withMpNlri(attrs, mp, batch));
                        batch = new ArrayList<>();
                        nlri = 0;
                    }
                    batch.add(p);
                    nlri += p.wireLength();
                }
                if (!batch.isEmpty()) out.add(withMpNlri(attrs, mp, batch));
            }
        }
        return out;
    }

    private static int mpSize(int otherAttrs, int fixed, int nlriBytes) {
        int v = fixed + nlriBytes;
        return UPDATE_OVERHEAD + otherAttrs + (v > 255 ? 4 : 3) + v;
    }

    private static Update withMpNlri(List<PathAttribute> attrs, PathAttribute.MpReach mp, List<Prefix> nlri) {
        List<PathAttribute> a = new ArrayList<>(attrs.size());
        for (PathAttribute x : attrs) a.add(x == mp ? new PathAttribute.MpReach(mp.family(), mp.nextHops(), nlri) : x);
        return new Update(List.of(), a, List.of());
    }
}
