package dev.ingot.ipvs.netlink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Reads the annotated hex fixtures in src/test/resources/fixtures (hex, then "#" and the field's name). */
public final class Fixtures {
    private Fixtures() {}

    public static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name + ".hex")) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            StringBuilder hex = new StringBuilder();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                int hash = line.indexOf('#');
                hex.append((hash < 0 ? line : line.substring(0, hash)).replaceAll("\\s", ""));
            }
            return HexFormat.of().parseHex(hex);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fixture's single message. */
    public static Message message(String name) {
        var all = Message.parseAll(ByteBuffer.wrap(bytes(name)).order(ByteOrder.nativeOrder()));
        if (all.size() != 1) {
            throw new IllegalArgumentException(name + " holds " + all.size() + " messages");
        }
        return all.getFirst();
    }

    /** The bytes one encoder call writes. */
    public static byte[] encode(java.util.function.Consumer<MessageWriter> encoder) {
        MessageWriter w = new MessageWriter(4096);
        encoder.accept(w);
        return w.toByteArray();
    }
}
