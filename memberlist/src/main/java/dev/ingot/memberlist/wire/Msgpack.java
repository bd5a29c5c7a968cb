package dev.ingot.memberlist.wire;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The msgpack dialect of Go's {@code codec.MsgpackHandle} as memberlist uses it.
 *
 * <p>Writing: maps with keys in ascending byte order, the shortest positive integer form, strings and byte slices both
 * as the legacy raw family (fixstr, str16, str32; never str8 or bin), nil for a nil slice, and bool. Reading is
 * lenient: every integer width, str8 and bin, arrays, and nested maps are accepted, and unknown keys are kept
 * for the caller to ignore. Every declared length is bounded by {@code maxLength}.
 */
public final class Msgpack {
    private Msgpack() {}

    /** A struct under construction: its fields are written sorted by name, whatever order they were put in. */
    public static final class Fields {
        private final TreeMap<String, Object> fields = new TreeMap<>();

        /** Puts a field. Values: String, byte[] (raw), null (nil), Boolean, Integer/Long (unsigned), InetAddress. */
        public Fields put(String name, Object value) {
            fields.put(name, value);
            return this;
        }

        /** Puts a field only when it is not empty (Go's {@code omitempty}): not null, not "", not 0, not a zero-length array. */
        public Fields putOmitEmpty(String name, Object value) {
            boolean empty = value == null
                    || value instanceof String s && s.isEmpty()
                    || value instanceof byte[] b && b.length == 0
                    || value instanceof Number n && n.longValue() == 0
                    || value instanceof Boolean bo && !bo;
            return empty ? this : put(name, value);
        }

        public void writeTo(ByteArrayOutputStream out) {
            writeMapHeader(out, fields.size());
            fields.forEach((k, v) -> {
                writeRaw(out, k.getBytes(StandardCharsets.UTF_8));
                writeValue(out, v);
            });
        }
    }

    static void writeMapHeader(ByteArrayOutputStream out, int n) {
        if (n < 16) {
            out.write(0x80 | n);
        } else if (n < 65536) {
            out.write(0xde);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0xdf);
            writeInt32(out, n);
        }
    }

    static void writeValue(ByteArrayOutputStream out, Object v) {
        switch (v) {
            case null -> out.write(0xc0);
            case String s -> writeRaw(out, s.getBytes(StandardCharsets.UTF_8));
            case byte[] b -> writeRaw(out, b);
            case Boolean b -> out.write(b ? 0xc3 : 0xc2);
            case Integer i -> writeUint(out, Integer.toUnsignedLong(i));
            case Long l -> writeUint(out, l);
            case InetAddress a -> writeRaw(out, a.getAddress());
            default -> throw new IllegalArgumentException("no msgpack form for " + v.getClass());
        }
    }

    /** The raw string family as Go's old codec writes it: fixstr, str16, str32 (never str8, never bin). */
    static void writeRaw(ByteArrayOutputStream out, byte[] b) {
        int n = b.length;
        if (n < 32) {
            out.write(0xa0 | n);
        } else if (n < 65536) {
            out.write(0xda);
            out.write(n >>> 8);
            out.write(n);
        } else {
            out.write(0xdb);
            writeInt32(out, n);
        }
        out.write(b, 0, n);
    }

    /** A non-negative integer in its shortest form. */
    static void writeUint(ByteArrayOutputStream out, long v) {
        if (v < 0) {
            throw new IllegalArgumentException("memberlist never writes negative integers: " + v);
        }
        if (v < 0x80) {
            out.write((int) v);
        } else if (v < 0x100) {
            out.write(0xcc);
            out.write((int) v);
        } else if (v < 0x10000) {
            out.write(0xcd);
            out.write((int) (v >>> 8));
            out.write((int) v);
        } else if (v < 0x1_0000_0000L) {
            out.write(0xce);
            writeInt32(out, (int) v);
        } else {
            out.write(0xcf);
            writeInt32(out, (int) (v >>> 32));
            writeInt32(out, (int) v);
        }
    }

    static void writeInt32(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /**
     * Reads one value from a stream: null, Boolean, Long, Double, byte[] (any string or binary), List, or
     * Map&lt;String,Object&gt; (keys decoded as UTF-8). Declared lengths above {@code maxLength} and nesting deeper than
     * 8 are rejected before anything is allocated.
     */
    public static Object read(InputStream in, int maxLength) throws WireException {
        try {
            return read(in, maxLength, 0);
        } catch (EOFException e) {
            throw new WireException("truncated", "msgpack value runs past the end of its input");
        } catch (IOException e) {
            throw new WireException("io", "reading msgpack: " + e.getMessage());
        }
    }

    /** Reads a value that must be a map. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readMap(InputStream in, int maxLength) throws WireException {
        Object v = read(in, maxLength);
        if (!(v instanceof Map<?, ?>)) {
            throw new WireException("malformed", "expected a msgpack map, got " + describe(v));
        }
        return (Map<String, Object>) v;
    }

    private static Object read(InputStream in, int max, int depth) throws IOException, WireException {
        if (depth > 8) {
            throw new WireException("malformed", "msgpack nesting deeper than 8");
        }
        int b = u8(in);
        if (b <= 0x7f) return (long) b;
        if (b >= 0xe0) return (long) (byte) b;
        if (b >= 0x80 && b <= 0x8f) return map(in, b & 0x0f, max, depth);
        if (b >= 0x90 && b <= 0x9f) return array(in, b & 0x0f, max, depth);
        if (b >= 0xa0 && b <= 0xbf) return bytes(in, b & 0x1f, max);
        return switch (b) {
            case 0xc0 -> null;
            case 0xc2 -> Boolean.FALSE;
            case 0xc3 -> Boolean.TRUE;
            case 0xc4, 0xd9 -> bytes(in, u8(in), max);
            case 0xc5, 0xda -> bytes(in, u16(in), max);
            case 0xc6, 0xdb -> bytes(in, len32(in), max);
            case 0xca -> (double) Float.intBitsToFloat(s32(in));
            case 0xcb -> Double.longBitsToDouble(((long) s32(in) << 32) | (s32(in) & 0xffffffffL));
            case 0xcc -> (long) u8(in);
            case 0xcd -> (long) u16(in);
            case 0xce -> s32(in) & 0xffffffffL;
            case 0xcf -> ((long) s32(in) << 32) | (s32(in) & 0xffffffffL);
            case 0xd0 -> (long) (byte) u8(in);
            case 0xd1 -> (long) (short) u16(in);
            case 0xd2 -> (long) s32(in);
            case 0xd3 -> ((long) s32(in) << 32) | (s32(in) & 0xffffffffL);
            case 0xdc -> array(in, u16(in), max, depth);
            case 0xdd -> array(in, len32(in), max, depth);
            case 0xde -> map(in, u16(in), max, depth);
            case 0xdf -> map(in, len32(in), max, depth);
            default -> throw new WireException("malformed", String.format("msgpack type byte 0x%02x is not used by memberlist", b));
        };
    }

    private static Map<String, Object> map(InputStream in, int n, int max, int depth) throws IOException, WireException {
        if (n > max) throw new WireException("size", "msgpack map of " + n + " entries exceeds " + max);
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Object k = read(in, max, depth + 1);
            if (!(k instanceof byte[] kb)) {
                throw new WireException("malformed", "msgpack map key is " + describe(k) + ", not a string");
            }
            m.put(new String(kb, StandardCharsets.UTF_8), read(in, max, depth + 1));
        }
        return m;
    }

    private static List<Object> array(InputStream in, int n, int max, int depth) throws IOException, WireException {
        if (n > max) throw new WireException("size", "msgpack array of " + n + " entries exceeds " + max);
        List<Object> l = new ArrayList<>(Math.min(n, 64));
        for (int i = 0; i < n; i++) l.add(read(in, max, depth + 1));
        return l;
    }

    private static byte[] bytes(InputStream in, int n, int max) throws IOException, WireException {
        if (n > max) throw new WireException("size", "msgpack string of " + n + " bytes exceeds " + max);
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw new EOFException();
        return b;
    }

    static int u8(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) throw new EOFException();
        return b;
    }

    static int u16(InputStream in) throws IOException {
        return (u8(in) << 8) | u8(in);
    }

    static int s32(InputStream in) throws IOException {
        return (u8(in) << 24) | (u8(in) << 16) | (u8(in) << 8) | u8(in);
    }

    private static int len32(InputStream in) throws IOException {
        long n = s32(in) & 0xffffffffL;
        return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
    }

    static String describe(Object v) {
        return v == null ? "nil" : v.getClass().getSimpleName();
    }

    // ---- lenient field access, as Go's decoder does it: missing keys are zero, any integer width fits ----

    static long uint(Map<String, Object> m, String key, long max) throws WireException {
        Object v = m.get(key);
        if (v == null) return 0;
        if (!(v instanceof Long l)) throw new WireException("malformed", "field " + key + " is " + describe(v) + ", not an integer");
        if (l < 0 || l > max) throw new WireException("malformed", "field " + key + " = " + l + " is out of range 0.." + max);
        return l;
    }

    static boolean bool(Map<String, Object> m, String key) throws WireException {
        Object v = m.get(key);
        if (v == null) return false;
        if (!(v instanceof Boolean b)) throw new WireException("malformed", "field " + key + " is " + describe(v) + ", not a bool");
        return b;
    }

    static String str(Map<String, Object> m, String key) throws WireException {
        Object v = m.get(key);
        if (v == null) return "";
        if (!(v instanceof byte[] b)) throw new WireException("malformed", "field " + key + " is " + describe(v) + ", not a string");
        return new String(b, StandardCharsets.UTF_8);
    }

    /** A byte slice: null stays null (Go's nil slice), any string or binary is accepted, and so is an array of small ints. */
    static byte[] raw(Map<String, Object> m, String key) throws WireException {
        Object v = m.get(key);
        if (v == null || v instanceof byte[]) return (byte[]) v;
        if (v instanceof List<?> l) {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++) {
                if (!(l.get(i) instanceof Long x) || x < 0 || x > 255) {
                    throw new WireException("malformed", "field " + key + " is an array with a non-byte element");
                }
                b[i] = (byte) (long) x;
            }
            return b;
        }
        throw new WireException("malformed", "field " + key + " is " + describe(v) + ", not bytes");
    }

    /** An IP address field: 4 or 16 bytes (a v4-mapped IPv6 address becomes IPv4), or null when absent or empty. */
    static InetAddress ip(Map<String, Object> m, String key) throws WireException {
        byte[] b = raw(m, key);
        if (b == null || b.length == 0) return null;
        if (b.length != 4 && b.length != 16) {
            throw new WireException("malformed", "field " + key + " holds " + b.length + " bytes, not an IPv4 or IPv6 address");
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
