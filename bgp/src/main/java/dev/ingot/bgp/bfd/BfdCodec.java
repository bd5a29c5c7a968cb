package dev.ingot.bgp.bfd;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Encoder and decoder of BFD control packets (RFC 5880 §4.1). Pure: no I/O, no state, no
 * exceptions for bad input. {@link #decode} applies every §6.8.6 rule that depends on the packet
 * alone and returns either the packet or the rule it breaks; the rules that need a session
 * (discriminator lookup, authentication in use) are in {@link BfdValidation}.
 */
public final class BfdCodec {
    /** Octets in the mandatory section. */
    public static final int MANDATORY_LENGTH = 24;

    private BfdCodec() {
    }

    /** The outcome of {@link #decode}: a packet that passed the packet-only checks, or why not. */
    public sealed interface Decoded permits Valid, Discarded {
    }

    public record Valid(BfdPacket packet) implements Decoded {
    }

    public record Discarded(BfdDiscard reason) implements Decoded {
    }

    /** Encodes a packet; the Length field is 24 plus the authentication section's length. */
    public static byte[] encode(BfdPacket p) {
        int authLen = p.authentication().map(a -> a.data().length + 2).orElse(0);
        ByteBuffer b = ByteBuffer.allocate(MANDATORY_LENGTH + authLen);
        b.put((byte) ((BfdPacket.VERSION << 5) | p.diagnosticCode()));
        int flags = p.state().code() << 6;
        flags |= p.poll() ? 0x20 : 0;
        flags |= p.fin() ? 0x10 : 0;
        flags |= p.controlPlaneIndependent() ? 0x08 : 0;
        flags |= p.authenticationPresent() ? 0x04 : 0;
        flags |= p.demand() ? 0x02 : 0;
        flags |= p.multipoint() ? 0x01 : 0;
        b.put((byte) flags);
        b.put((byte) p.detectMult());
        b.put((byte) (MANDATORY_LENGTH + authLen));
        b.putInt(p.myDiscriminator());
        b.putInt(p.yourDiscriminator());
        b.putInt((int) p.desiredMinTxUs());
        b.putInt((int) p.requiredMinRxUs());
        b.putInt((int) p.requiredMinEchoRxUs());
        p.authentication().ifPresent(a -> {
            b.put((byte) a.type().code());
            b.put((byte) authLen);
            b.put(a.data());
        });
        return b.array();
    }

    /** Decodes the UDP payload {@code datagram}. Never throws for any content. */
    public static Decoded decode(byte[] datagram) {
        return decode(datagram, 0, datagram.length);
    }

    /** Decodes {@code length} octets of UDP payload at {@code offset}. Never throws for any content. */
    public static Decoded decode(byte[] buf, int offset, int length) {
        if (length < MANDATORY_LENGTH) {
            return new Discarded(BfdDiscard.TRUNCATED);
        }
        ByteBuffer b = ByteBuffer.wrap(buf, offset, length).slice();
        int b0 = b.get(0) & 0xff;
        int flags = b.get(1) & 0xff;
        int detectMult = b.get(2) & 0xff;
        int lengthField = b.get(3) & 0xff;
        if (b0 >>> 5 != BfdPacket.VERSION) {
            return new Discarded(BfdDiscard.BAD_VERSION);
        }
        boolean auth = (flags & 0x04) != 0;
        if (lengthField < (auth ? MANDATORY_LENGTH + 2 : MANDATORY_LENGTH)) {
            return new Discarded(BfdDiscard.LENGTH_TOO_SMALL);
        }
        if (lengthField > length) {
            return new Discarded(BfdDiscard.LENGTH_EXCEEDS_PAYLOAD);
        }
        Optional<BfdPacket.Authentication> authentication = Optional.empty();
        if (auth) {
            int type = b.get(MANDATORY_LENGTH) & 0xff;
            int authLen = b.get(MANDATORY_LENGTH + 1) & 0xff;
            BfdPacket.AuthType authType = BfdPacket.AuthType.ofCode(type);
            if (authType == null || MANDATORY_LENGTH + authLen > lengthField || !authLenFits(authType, authLen)) {
                return new Discarded(BfdDiscard.AUTH_MALFORMED);
            }
            byte[] data = new byte[authLen - 2];
            b.get(MANDATORY_LENGTH + 2, data);
            authentication = Optional.of(new BfdPacket.Authentication(authType, data));
        }
        BfdPacket p = new BfdPacket(
                b0 & 0x1f,
                BfdState.ofCode(flags >>> 6),
                (flags & 0x20) != 0,
                (flags & 0x10) != 0,
                (flags & 0x08) != 0,
                (flags & 0x02) != 0,
                (flags & 0x01) != 0,
                detectMult,
                b.getInt(4),
                b.getInt(8),
                Integer.toUnsignedLong(b.getInt(12)),
                Integer.toUnsignedLong(b.getInt(16)),
                Integer.toUnsignedLong(b.getInt(20)),
                authentication);
        return BfdValidation.checkPacket(p).<Decoded>map(Discarded::new).orElseGet(() -> new Valid(p));
    }

    /** Auth Len per type: RFC 5880 §4.2 (password of 1..16 octets plus key id), §4.3, §4.4. */
    private static boolean authLenFits(BfdPacket.AuthType type, int authLen) {
        return switch (type) {
            case SIMPLE_PASSWORD -> authLen >= 4 && authLen <= 19;
            case KEYED_MD5, METICULOUS_KEYED_MD5 -> authLen == 24;
            case KEYED_SHA1, METICULOUS_KEYED_SHA1 -> authLen == 28;
        };
    }
}
