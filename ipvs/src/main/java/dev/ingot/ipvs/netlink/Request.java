package dev.ingot.ipvs.netlink;

import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One request for {@link NetlinkSocket#execute}: how to write it, what kind of answer it gets, and who takes the
 * data replies. Its description ("add 10.0.0.1/32 to kube-ipvs0") is only built when an error or a log needs it.
 */
public final class Request {

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

    private final Supplier<String> description;
    private final Kind kind;
    private final Encoder encoder;
    private final Consumer<Message> onReply;

    public Request(Supplier<String> description, Kind kind, Encoder encoder, Consumer<Message> onReply) {
        this.description = Objects.requireNonNull(description);
        this.kind = Objects.requireNonNull(kind);
        this.encoder = Objects.requireNonNull(encoder);
        this.onReply = Objects.requireNonNull(onReply);
    }

    public static Request change(Supplier<String> description, Encoder encoder) {
        return new Request(description, Kind.CHANGE, encoder, m -> { });
    }

    public static Request change(String description, Encoder encoder) {
        return change(() -> description, encoder);
    }

    public static Request get(String description, Encoder encoder, Consumer<Message> onReply) {
        return new Request(() -> description, Kind.GET, encoder, onReply);
    }

    public static Request dump(String description, Encoder encoder, Consumer<Message> onReply) {
        return new Request(() -> description, Kind.DUMP, encoder, onReply);
    }

    public String description() {
        return description.get();
    }

    public Kind kind() {
        return kind;
    }

    public Encoder encoder() {
        return encoder;
    }

    public Consumer<Message> onReply() {
        return onReply;
    }

    @Override
    public String toString() {
        return kind + " " + description();
    }
}
