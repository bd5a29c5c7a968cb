package dev.ingot.ipvs.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageWriterTest {
    @Test
    void aMessageThatDoesNotFitIsRolledBackAndTheBatchKept() {
        MessageWriter w = new MessageWriter(64);
        w.begin(16, Nl.F_REQUEST, 1).u32(0).attrU32(1, 7).end();
        int size = w.size();
        w.begin(16, Nl.F_REQUEST, 2);
        assertThatThrownBy(() -> w.attr(3, new byte[100])).isInstanceOf(BufferOverflowException.class);
        w.abandon();
        assertThat(w.size()).isEqualTo(size);
        assertThat(w.messages()).isEqualTo(1);
        List<Message> all = Message.parseAll(w.contents());
        assertThat(all).singleElement().extracting(Message::seq).isEqualTo(1);
    }

    @Test
    void theAckFlagGoesOnTheLastMessageOnly() {
        MessageWriter w = new MessageWriter(256);
        for (int seq = 1; seq <= 3; seq++) {
            w.begin(16, Nl.F_REQUEST, seq).end();
        }
        w.orFlagsOfLast(Nl.F_ACK);
        assertThat(Message.parseAll(w.contents())).extracting(Message::flags)
                .containsExactly(Nl.F_REQUEST, Nl.F_REQUEST, Nl.F_REQUEST | Nl.F_ACK);
    }

    @Test
    void nestsAndPaddingFollowTheNetlinkRules() {
        MessageWriter w = new MessageWriter(256);
        w.begin(20, 0, 9).nestStart(1).attrString(2, "ab").attrU8(3, 5).nestEnd().end();
        ByteBuffer b = ByteBuffer.wrap(w.toByteArray()).order(ByteOrder.nativeOrder());
        assertThat(b.getInt(0)).isEqualTo(16 + 4 + 8 + 8);
        assertThat(b.getShort(16)).isEqualTo((short) 20);
        assertThat(b.getShort(18) & 0xffff).isEqualTo(1 | Nl.NLA_F_NESTED);
        Attributes a = Attributes.parse(Message.parseAll(w.contents()).getFirst().payload()).nested(1);
        assertThat(a.string(2)).isEqualTo("ab");
        assertThat(a.u8(3, -1)).isEqualTo(5);
    }

    @Test
    void malformedLengthsAreRejected() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).putInt(0, 99);
        assertThatThrownBy(() -> Message.parseAll(b)).hasMessageContaining("malformed netlink message: length 99");
    }
}
