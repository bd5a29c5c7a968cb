package dev.ingot.bgp.codec;

import static dev.ingot.bgp.codec.Hex.MARKER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.ingot.bgp.codec.BgpMessage.Update;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Malformed input gives the NOTIFICATION RFC 4271 §6 names, or treat-as-withdraw where RFC 7606 allows it. */
class ProtocolErrorTest {

    static BgpProtocolException error(String annotated) {
        ByteBuf b = Unpooled.wrappedBuffer(Hex.bytes(annotated));
        try {
            return catchThrowableOfType(BgpProtocolException.class, () -> BgpCodec.decode(b, CodecOptions.MODERN));
        } finally {
            b.release();
        }
    }

    static Update update(String annotated) {
        ByteBuf b = Unpooled.wrappedBuffer(Hex.bytes(annotated));
        try {
            return (Update) BgpCodec.decode(b, CodecOptions.MODERN);
        } finally {
            b.release();
        }
    }

    static void assertCode(BgpProtocolException e, int code, int subcode) {
        assertThat(e).isNotNull();
        assertThat(e.code() + "/" + e.subcode()).as(e.getMessage()).isEqualTo(code + "/" + subcode);
    }

    @Test
    void badMarkerIsConnectionNotSynchronized() {
        assertCode(error("ffffffffffffffffffffffffffffff00 0013 04"), 1, 1);
    }

    @Test
    void keepaliveWithABodyIsBadMessageLength() {
        BgpProtocolException e = error(MARKER + "0014 04 00");
        assertCode(e, 1, 2);
        assertThat(e.data()).containsExactly(0x00, 0x14); // the erroneous length field (RFC 4271 §6.1)
    }

    @Test
    void unknownTypeIsBadMessageType() {
        BgpProtocolException e = error(MARKER + "0013 09");
        assertCode(e, 1, 3);
        assertThat(e.data()).containsExactly(9);
    }

    @Test
    void openVersion3IsUnsupportedVersion() {
        BgpProtocolException e = error(MARKER + "001d 01 03 fde8 005a 0a000001 00");
        assertCode(e, 2, 1);
        assertThat(e.data()).containsExactly(0, 4);
    }

    @Test
    void openWithAuthenticationParameterIsUnsupportedOptionalParameter() {
        assertCode(error(MARKER + "0020 01 04 fde8 005a 0a000001 03 01 01 00"), 2, 4);
    }

    @Test
    void openCapabilityOverrun() {
        assertCode(error(MARKER + "0021 01 04 fde8 005a 0a000001 04 02 02 41 04"), 2, 0);
    }

    @Test
    void withdrawnLengthOverrunIsMalformedAttributeList() {
        assertCode(error(MARKER + "0017 02 0005 0000"), 3, 1);
    }

    @Test
    void attributeOverrunIsMalformedAttributeList() {
        assertCode(error(MARKER + "001b 02 0000 0004 40 01 05 00"), 3, 1);
    }

    @Test
    void badNlriIsInvalidNetworkField() {
        assertCode(error(MARKER + "001c 02 0000 0000 21 0a000001"), 3, 10); // /33
    }

    @Test
    void unknownWellKnownAttributeIsUnrecognized() {
        BgpProtocolException e = error(MARKER + "001b 02 0000 0004 40 63 01 00");
        assertCode(e, 3, 2);
        assertThat(Hex.of(e.data())).isEqualTo("40630100");
    }

    @Test
    void duplicateMpReachIsSessionReset() {
        assertCode(error(MARKER + "0023 02 0000 000c 800f03000201 800f03000201"), 3, 1);
    }

    @Test
    void malformedMpReachIsSessionReset() {
        assertCode(error(MARKER + "0022 02 0000 000b 800e08 0002 01 05 00000000"), 3, 9);
    }

    @Test
    void routeRefreshWithBadLength() {
        assertCode(error(MARKER + "0018 05 0001 00 01 00"), 7, 1);
    }

    @Test
    void badOriginIsTreatAsWithdraw() {
        Update u = update(MARKER + """
                002a 02 0000 000e
                40 01 01 07                 # ORIGIN 7: undefined
                40 02 00                    # AS_PATH empty
                40 03 04 0a000001           # NEXT_HOP
                20 ac136401                 # 172.19.100.1/32
                """);
        assertThat(u.treatAsWithdraw()).contains("ORIGIN value 7");
        assertThat(u.nlri()).containsExactly(Prefix.parse("172.19.100.1/32"));
    }

    @Test
    void missingNextHopIsTreatAsWithdraw() {
        Update u = update(MARKER + "0023 02 0000 0007 40010100 400200 20ac136401");
        assertThat(u.treatAsWithdraw()).contains("NEXT_HOP");
    }

    @Test
    void communitiesOfBadLengthIsTreatAsWithdraw() {
        Update u = update(MARKER + "002f 02 0000 0013 40010100 400200 4003040a000001 c00802ffff 20ac136401");
        assertThat(u.treatAsWithdraw()).contains("COMMUNITIES");
    }

    @Test
    void attributeFlagsConflictIsTreatAsWithdraw() {
        Update u = update(MARKER + "002a 02 0000 000e c0010100 400200 4003040a000001 20ac136401");
        assertThat(u.treatAsWithdraw()).contains("ORIGIN has attribute flags");
    }

    @Test
    void duplicateOrdinaryAttributeKeepsTheFirst() {
        Update u = update(MARKER + "002e 02 0000 0012 40010100 40010102 400200 4003040a000001 20ac136401");
        assertThat(u.treatAsWithdraw()).isNull();
        assertThat(u.attribute(PathAttribute.Origin.class)).contains(PathAttribute.Origin.IGP);
    }
}
