package dev.ingot.bgp.codec;

import java.util.HexFormat;

/** Annotated hex for golden tests: everything after '#' on a line is a comment, whitespace is ignored. */
final class Hex {
    private Hex() {}

    static byte[] bytes(String annotated) {
        StringBuilder sb = new StringBuilder();
        for (String line : annotated.split("\n")) {
            int hash = line.indexOf('#');
            sb.append((hash < 0 ? line : line.substring(0, hash)).replaceAll("\\s+", ""));
        }
        return HexFormat.of().parseHex(sb.toString());
    }

    static String of(byte[] b) { return HexFormat.of().formatHex(b); }

    static final String MARKER = "ffffffffffffffffffffffffffffffff";
}
