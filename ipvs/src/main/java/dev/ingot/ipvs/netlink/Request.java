package dev.ingot.ipvs.netlink;

import java.util.function.Consumer;

/**
 * One request for {@link NetlinkSocket#execute}: how to write it, what kind of answer it gets, and who takes the
 * data replies.
 *
 * @param description what it does, for errors and logs ("add 10.0.0.1/32 to kube-ipvs0")
 * @param kind        {@link Kind}
 * @param encoder     writes exactly one message with the given sequence number and base flags
 * @param onReply     receives each data reply (GET and DUMP); it must not keep the message's buffer
 */
public record Request(String description, Kind kind, Encoder encoder, Consumer<Message> onReply) {

    /** The three ways the kernel answers. */
    public enum Kind {
        /** A change (new, set, delete): no data; sent in batches, errors are reported per message. */
        CHANGE,
        /** A single object: one data reply or an error. */
        GET,
        /** All objects: multi-part replies ended by NLMSG_DONE. */
        DUMP
    }

    /** Writes the message; {@code flags} holds NLM_F_REQUEST and, as the socket decides, NLM_F_ACK or NLM_F_DUMP. */
    @FunctionalInterface
    public interface Encoder {
        void write(MessageWriter w, int seq, int flags);
    }

    public static Request change(String description, Encoder encoder) {
        return new Request(description, Kind.CHANGE, encoder, m -> { });
    }

    public static Request get(String description, Encoder encoder, Consumer<Message> onReply) {
        return new Request(description, Kind.GET, encoder, onReply);
    }

    public static Request dump(String description, Encoder encoder, Consumer<Message> onReply) {
        return new Request(description, Kind.DUMP, encoder, onReply);
    }
}
