package dev.ingot.bgp.codec;

/** Lets tests in other packages use the annotated-hex helper. */
public final class HexAccess {
    private HexAccess() {}

    public static byte[] bytes(String annotated) { return Hex.bytes(annotated); }
}
