package dev.ingot.bgp.codec;

/** An address family (AFI, RFC 4760) and subsequent address family (SAFI). Unknown values are kept as they are. */
public record AfiSafi(int afi, int safi) {
    public static final int AFI_IPV4 = 1;
    public static final int AFI_IPV6 = 2;
    public static final int SAFI_UNICAST = 1;
    public static final AfiSafi IPV4_UNICAST = new AfiSafi(AFI_IPV4, SAFI_UNICAST);
    public static final AfiSafi IPV6_UNICAST = new AfiSafi(AFI_IPV6, SAFI_UNICAST);

    public AfiSafi {
        if (afi < 0 || afi > 0xFFFF || safi < 0 || safi > 0xFF) {
            throw new IllegalArgumentException("AFI must fit 16 bits and SAFI 8 bits: " + afi + "/" + safi);
        }
    }

    @Override
    public String toString() {
        if (equals(IPV4_UNICAST)) return "ipv4-unicast";
        if (equals(IPV6_UNICAST)) return "ipv6-unicast";
        return "afi" + afi + "-safi" + safi;
    }
}
