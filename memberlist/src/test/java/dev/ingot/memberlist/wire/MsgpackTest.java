package dev.ingot.memberlist.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The width boundaries of Go's msgpack dialect, and the lenient reader. */
class MsgpackTest {
    static String enc(Object v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Msgpack.writeValue(out, v);
        return HexFormat.of().formatHex(out.toByteArray());
    }

    @Test
    void integersUseTheShortestPositiveForm() {
        assertThat(enc(0)).isEqualTo("00");
        assertThat(enc(127)).isEqualTo("7f");
        assertThat(enc(128)).isEqualTo("cc80");
        assertThat(enc(255)).isEqualTo("ccff");
        assertThat(enc(256)).isEqualTo("cd0100");
        assertThat(enc(7946)).isEqualTo("cd1f0a");
        assertThat(enc(65536)).isEqualTo("ce00010000");
        assertThat(enc(0xffffffffL)).isEqualTo("ceffffffff");
        assertThat(enc(0x100000000L)).isEqualTo("cf0000000100000000");
    }

    @Test
    void bytesAndStringsAreRawStringsNeverStr8OrBin() {
        assertThat(enc(new byte[31])).startsWith("bf");
        assertThat(enc(new byte[32])).startsWith("da0020");
        assertThat(enc("x".repeat(255))).startsWith("da00ff");
        assertThat(enc(new byte[65536])).startsWith("db00010000");
        assertThat(enc((Object) null)).isEqualTo("c0");
        assertThat(enc(new byte[0])).isEqualTo("a0");
        assertThat(enc(true)).isEqualTo("c3");
    }

    @Test
    void fieldsAreWrittenSortedAndOmitEmptyDropsZeroValues() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Msgpack.Fields().put("b", 1).put("a", 2).putOmitEmpty("c", "").putOmitEmpty("d", 0).putOmitEmpty("e", null).writeTo(out);
        assertThat(HexFormat.of().formatHex(out.toByteArray())).isEqualTo("82a16102a16201");
    }

    @Test
    void readerAcceptsEveryWidthStr8BinAndArrays() throws WireException {
        // {"A": int8 -1, "B": uint64 5, "C": str8 "hi", "D": bin8 [1,2], "E": [1,5,2], "F": map16 {}, "G": float64 1.5}
        byte[] in = HexFormat.of().parseHex("87a141d0ffa142cf0000000000000005a143d9026869a144c4020102a1459301"
                + "0502a146de0000a147cb3ff8000000000000");
        Map<String, Object> m = Msgpack.readMap(new ByteArrayInputStream(in), 100);
        assertThat(m).containsEntry("A", -1L).containsEntry("B", 5L).containsEntry("F", Map.of()).containsEntry("G", 1.5);
        assertThat((byte[]) m.get("C")).asString().isEqualTo("hi");
        assertThat(Msgpack.raw(m, "D")).containsExactly(1, 2);
        assertThat(Msgpack.raw(m, "E")).containsExactly(1, 5, 2);
        assertThat(m.get("E")).isEqualTo(List.of(1L, 5L, 2L));
    }
}
