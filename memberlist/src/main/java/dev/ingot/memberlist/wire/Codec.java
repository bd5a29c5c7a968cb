package dev.ingot.memberlist.wire;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * The wrapper layers around messages, for UDP packets and TCP streams: compound, LZW compression, CRC32, AES-GCM
 * encryption and labels. Pure: bytes in, bytes or messages out. Configured once per member.
 *
 * @param keyring         null for no encryption
 * @param encryptionVsn   0 (PKCS#7-padded, what protocol version 1 sends) or 1
 * @param label           "" for none; otherwise it frames every packet and stream and is authenticated with them
 * @param compression     LZW-compress outgoing packets (when smaller) and streams (always), as EnableCompression
 * @param verifyIncoming  drop unencrypted input when a keyring is set (GossipVerifyIncoming)
 */
public record Codec(Keyring keyring, int encryptionVsn, String label, boolean compression, boolean verifyIncoming) {
    /** The largest encrypted stream payload accepted (upstream's 20 MiB). */
    public static final int MAX_STREAM_BLOB = 20 << 20;
    /** The largest decompressed stream (upstream's 40 MiB) and packet. */
    public static final int MAX_STREAM_INFLATED = 40 << 20, MAX_PACKET_INFLATED = 1 << 20;
    private static final int MAX_DEPTH = 4;

    public Codec {
        if (encryptionVsn != 0 && encryptionVsn != 1) throw new IllegalArgumentException("encryption version must be 0 or 1");
        if (label.getBytes(StandardCharsets.UTF_8).length > 255) throw new IllegalArgumentException("a label is at most 255 bytes");
    }

    /** A codec with no encryption, no label and compression on. */
    public static Codec plain() {
        return new Codec(null, 1, "", true, true);
    }

    private byte[] labelBytes() {
        return label.getBytes(StandardCharsets.UTF_8);
    }

    /** Bytes that labelling and encryption add to every packet; gossip budgets UDP space with it. */
    public int packetOverhead() {
        int l = label.isEmpty() ? 0 : 2 + labelBytes().length;
        return l + (keyring == null ? 0 : encryptionVsn == 0 ? 45 : 29);
    }

    // ------------------------------------------------------------------------------------------------ UDP packets

    /** {@code 07 ‖ n ‖ n × u16 length ‖ parts}; at most 255 parts of at most 65535 bytes. */
    public static byte[] compound(List<byte[]> parts) {
        if (parts.isEmpty() || parts.size() > 255) throw new IllegalArgumentException("a compound holds 1 to 255 parts");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(Message.Type.COMPOUND);
        out.write(parts.size());
        for (byte[] p : parts) {
            if (p.length > 0xffff) throw new IllegalArgumentException("a compound part is at most 65535 bytes");
            out.write(p.length >>> 8);
            out.write(p.length);
        }
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** {@code 09 ‖ {Algo: 0, Buf: lzw(inner)}}. */
    public static byte[] compress(byte[] inner) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(inner.length);
        out.write(Message.Type.COMPRESS);
        new Msgpack.Fields().put("Algo", 0).put("Buf", Lzw.compress(inner)).writeTo(out);
        return out.toByteArray();
    }

    /** {@code 0c ‖ crc32-IEEE(inner) ‖ inner}. */
    public static byte[] crc(byte[] inner) {
        CRC32 c = new CRC32();
        c.update(inner);
        long v = c.getValue();
        byte[] out = new byte[5 + inner.length];
        out[0] = Message.Type.HAS_CRC;
        out[1] = (byte) (v >>> 24);
        out[2] = (byte) (v >>> 16);
        out[3] = (byte) (v >>> 8);
        out[4] = (byte) v;
        System.arraycopy(inner, 0, out, 5, inner.length);
        return out;
    }

    /**
     * Wraps one packet payload (a message or a compound) for sending: compression when it makes the packet smaller,
     * a CRC when the destination speaks protocol 5, then encryption and the label.
     */
    public byte[] sealPacket(byte[] payload, boolean addCrc) {
        byte[] p = payload;
        if (compression) {
            byte[] c = compress(p);
            if (c.length < p.length) p = c;
        }
        if (addCrc) p = crc(p);
        if (keyring != null) p = keyring.encrypt(encryptionVsn, p, labelBytes());
        if (!label.isEmpty()) p = withLabel(p);
        return p;
    }

    private byte[] withLabel(byte[] p) {
        byte[] l = labelBytes();
        byte[] out = new byte[2 + l.length + p.length];
        out[0] = (byte) Message.Type.HAS_LABEL;
        out[1] = (byte) l.length;
        System.arraycopy(l, 0, out, 2, l.length);
        System.arraycopy(p, 0, out, 2 + l.length, p.length);
        return out;
    }

    /**
     * Unwraps a received packet and hands every message in it to {@code sink}. A packet that fails as a whole (label,
     * decryption, CRC, framing) throws; a compound part that fails is reported to {@code partErrors} and the other
     * parts are still delivered, as memberlist does.
     */
    public void openPacket(byte[] pkt, Consumer<Message> sink, Consumer<WireException> partErrors) throws WireException {
        byte[] buf = pkt;
        if (buf.length > 0 && (buf[0] & 0xff) == Message.Type.HAS_LABEL) {
            if (buf.length < 2 || (buf[1] & 0xff) == 0 || buf.length < 2 + (buf[1] & 0xff)) {
                throw new WireException("label", "truncated packet label");
            }
            byte[] got = Arrays.copyOfRange(buf, 2, 2 + (buf[1] & 0xff));
            if (!Arrays.equals(got, labelBytes())) {
                throw new WireException("label", "packet label \"" + new String(got, StandardCharsets.UTF_8)
                        + "\" does not match ours \"" + label + "\"");
            }
            buf = Arrays.copyOfRange(buf, 2 + got.length, buf.length);
        } else if (!label.isEmpty()) {
            throw new WireException("label", "unlabelled packet, but our label is \"" + label + "\"");
        }
        if (keyring != null) {
            try {
                buf = keyring.decrypt(buf, labelBytes());
            } catch (WireException e) {
                if (verifyIncoming) throw e;
            }
        }
        messages(buf, 0, sink, partErrors);
    }

    private static void messages(byte[] buf, int depth, Consumer<Message> sink, Consumer<WireException> partErrors)
            throws WireException {
        if (buf.length == 0) throw new WireException("malformed", "empty packet");
        if (depth > MAX_DEPTH) throw new WireException("malformed", "wrappers nested deeper than " + MAX_DEPTH);
        switch (buf[0] & 0xff) {
            case Message.Type.HAS_CRC -> {
                if (buf.length < 5) throw new WireException("malformed", "CRC header truncated");
                CRC32 c = new CRC32();
                c.update(buf, 5, buf.length - 5);
                long want = ((buf[1] & 0xffL) << 24) | ((buf[2] & 0xffL) << 16) | ((buf[3] & 0xffL) << 8) | (buf[4] & 0xffL);
                if (c.getValue() != want) {
                    throw new WireException("crc", String.format("CRC32 mismatch: packet says %08x, content has %08x", want, c.getValue()));
                }
                messages(Arrays.copyOfRange(buf, 5, buf.length), depth + 1, sink, partErrors);
            }
            case Message.Type.COMPOUND -> {
                if (buf.length < 2) throw new WireException("malformed", "compound header truncated");
                int n = buf[1] & 0xff;
                int off = 2 + 2 * n;
                if (buf.length < off) throw new WireException("malformed", "compound length table truncated (" + n + " parts)");
                for (int i = 0; i < n; i++) {
                    int len = ((buf[2 + 2 * i] & 0xff) << 8) | (buf[3 + 2 * i] & 0xff);
                    if (off + len > buf.length) {
                        partErrors.accept(new WireException("truncated", "compound part " + i + " of " + n + " runs past the packet"));
                        return;
                    }
                    try {
                        messages(Arrays.copyOfRange(buf, off, off + len), depth + 1, sink, partErrors);
                    } catch (WireException e) {
                        partErrors.accept(e);
                    }
                    off += len;
                }
            }
            case Message.Type.COMPRESS -> messages(inflate(new ByteArrayInputStream(buf, 1, buf.length - 1), buf.length, MAX_PACKET_INFLATED),
                    depth + 1, sink, partErrors);
            default -> sink.accept(Messages.decode(buf));
        }
    }

    private static byte[] inflate(InputStream in, int maxLength, int maxOut) throws WireException {
        Map<String, Object> m = Msgpack.readMap(in, maxLength);
        long algo = Msgpack.uint(m, "Algo", Long.MAX_VALUE);
        if (algo != 0) throw new WireException("malformed", "compression algorithm " + algo + " is unknown (only 0, LZW)");
        byte[] b = Msgpack.raw(m, "Buf");
        return Lzw.decompress(b == null ? new byte[0] : b, maxOut);
    }

    // ------------------------------------------------------------------------------------------------ TCP streams

    /** Everything the initiator (or the replier) writes on a connection for one message. */
    public byte[] sealStream(byte[] msg) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(msg.length + 64);
        byte[] l = labelBytes();
        if (l.length > 0) {
            out.write(Message.Type.HAS_LABEL);
            out.write(l.length);
            out.writeBytes(l);
        }
        byte[] body = compression ? compress(msg) : msg;
        if (keyring == null) {
            out.writeBytes(body);
        } else {
            int len = Keyring.overhead(encryptionVsn, body.length) + body.length;
            byte[] header = {Message.Type.ENCRYPT, (byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len};
            out.writeBytes(header);
            out.writeBytes(keyring.encrypt(encryptionVsn, body, concat(header, l)));
        }
        return out.toByteArray();
    }

    /** Reads one message from a stream (label, encryption, compression), bounded in every length. */
    public Message readStream(InputStream in) throws WireException {
        try {
            int b = Msgpack.u8(in);
            byte[] l = labelBytes();
            if (b == Message.Type.HAS_LABEL) {
                int n = Msgpack.u8(in);
                byte[] got = in.readNBytes(n);
                if (n == 0 || !Arrays.equals(got, l)) {
                    throw new WireException("label", "stream label \"" + new String(got, StandardCharsets.UTF_8)
                            + "\" does not match ours \"" + label + "\"");
                }
                b = Msgpack.u8(in);
            } else if (l.length > 0) {
                throw new WireException("label", "unlabelled stream, but our label is \"" + label + "\"");
            }
            if (b == Message.Type.ENCRYPT) {
                if (keyring == null) throw new WireException("decrypt", "remote state is encrypted and encryption is not configured");
                byte[] header = new byte[5];
                header[0] = (byte) b;
                if (in.readNBytes(header, 1, 4) != 4) throw new EOFException();
                long len = ((header[1] & 0xffL) << 24) | ((header[2] & 0xffL) << 16) | ((header[3] & 0xffL) << 8) | (header[4] & 0xffL);
                if (len > MAX_STREAM_BLOB) throw new WireException("size", "encrypted stream of " + len + " bytes exceeds " + MAX_STREAM_BLOB);
                byte[] blob = in.readNBytes((int) len);
                if (blob.length != len) throw new EOFException();
                byte[] plain = keyring.decrypt(blob, concat(header, l));
                if (plain.length == 0) throw new WireException("malformed", "empty decrypted stream");
                in = new ByteArrayInputStream(plain, 1, plain.length - 1);
                b = plain[0] & 0xff;
            } else if (keyring != null && verifyIncoming) {
                throw new WireException("decrypt", "encryption is configured but remote state is not encrypted");
            }
            if (b == Message.Type.COMPRESS) {
                byte[] inner = inflate(in, MAX_STREAM_BLOB, MAX_STREAM_INFLATED);
                if (inner.length == 0) throw new WireException("malformed", "empty decompressed stream");
                in = new ByteArrayInputStream(inner, 1, inner.length - 1);
                b = inner[0] & 0xff;
            }
            return Messages.decodeBody(b, in, Messages.MAX_USER_BYTES, true);
        } catch (EOFException e) {
            throw new WireException("truncated", "stream ended in the middle of a message");
        } catch (IOException e) {
            throw new WireException("io", "reading stream: " + e.getMessage());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
