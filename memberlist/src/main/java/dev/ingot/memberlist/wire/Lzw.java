package dev.ingot.memberlist.wire;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * LZW as Go's {@code compress/lzw} does it with LSB bit order and 8-bit literals (the GIF flavour): clear code 256,
 * end code 257, codes 9 to 12 bits wide, widening when the next code reaches 2^width, a clear code first, a clear
 * code and reset when the codes run out. The encoder is byte-for-byte Go's, so compressed vectors can be compared.
 */
public final class Lzw {
    private static final int CLEAR = 256, EOF = 257, MAX_WIDTH = 12, MAX_CODE = (1 << MAX_WIDTH) - 1;
    private static final int INVALID = -1;

    private Lzw() {}

    /** Compresses {@code in} exactly as Go's {@code lzw.NewWriter(w, lzw.LSB, 8)} followed by {@code Close}. */
    public static byte[] compress(byte[] in) {
        BitWriter w = new BitWriter(in.length / 2 + 16);
        Table table = new Table();
        w.write(CLEAR);
        int hi = EOF, overflow = 1 << 9;
        int code = INVALID;
        for (byte b : in) {
            int literal = b & 0xff;
            if (code == INVALID) {
                code = literal;
                continue;
            }
            int key = (code << 8) | literal;
            int hit = table.get(key);
            if (hit != INVALID) {
                code = hit;
                continue;
            }
            w.write(code);
            code = literal;
            hi++; // the next implied code
            if (hi == overflow) {
                w.width++;
                overflow <<= 1;
            }
            if (hi == MAX_CODE) { // out of codes: clear and start over
                w.write(CLEAR);
                w.width = 9;
                hi = EOF;
                overflow = 1 << 9;
                table.clear();
                continue;
            }
            table.put(key, hi);
        }
        if (code != INVALID) {
            w.write(code);
            hi++;
            if (hi == overflow) {
                w.width++;
            }
            if (hi == MAX_CODE) {
                w.write(CLEAR);
                w.width = 9;
            }
        }
        w.write(EOF);
        return w.finish();
    }

    /** Open addressing from a 20-bit (prefix code, byte) key to a code; at most 4096 entries live at once. */
    private static final class Table {
        private final int[] keys = new int[1 << 13];
        private final short[] codes = new short[1 << 13];

        Table() { clear(); }

        void clear() { Arrays.fill(keys, INVALID); }

        int get(int key) {
            for (int slot = hash(key); ; slot = (slot + 1) & (keys.length - 1)) {
                if (keys[slot] == INVALID) return INVALID;
                if (keys[slot] == key) return codes[slot];
            }
        }

        void put(int key, int code) {
            int slot = hash(key);
            while (keys[slot] != INVALID) slot = (slot + 1) & (keys.length - 1);
            keys[slot] = key;
            codes[slot] = (short) code;
        }

        private int hash(int key) { return ((key >>> 12) ^ key) * 0x9E3779B1 >>> 19; }
    }

    /** Decompresses a stream up to its end code; more than {@code maxOut} bytes of output is rejected. */
    public static byte[] decompress(byte[] in, int maxOut) throws WireException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxOut, in.length * 3 + 16));
        int[] prefix = new int[1 << MAX_WIDTH];
        byte[] suffix = new byte[1 << MAX_WIDTH];
        byte[] stack = new byte[1 << MAX_WIDTH];
        int width = 9, hi = EOF, overflow = 1 << 9, last = INVALID;
        long bits = 0;
        int nBits = 0, pos = 0;
        while (true) {
            while (nBits < width) {
                if (pos >= in.length) throw new WireException("malformed", "LZW stream ends without its end code");
                bits |= (long) (in[pos++] & 0xff) << nBits;
                nBits += 8;
            }
            int code = (int) (bits & ((1 << width) - 1));
            bits >>>= width;
            nBits -= width;
            if (code < CLEAR) {
                out.write(code);
                if (last != INVALID) {
                    suffix[hi] = (byte) code;
                    prefix[hi] = last;
                }
            } else if (code == CLEAR) {
                width = 9;
                hi = EOF;
                overflow = 1 << 9;
                last = INVALID;
                continue;
            } else if (code == EOF) {
                return out.toByteArray();
            } else if (code <= hi) {
                int i = stack.length - 1, c = code;
                if (code == hi) {
                    if (last == INVALID) throw new WireException("malformed", "LZW code " + code + " refers to nothing");
                    c = last;
                    while (c >= CLEAR) c = prefix[c];
                    stack[i--] = (byte) c;
                    c = last;
                }
                while (c >= CLEAR) {
                    stack[i--] = suffix[c];
                    c = prefix[c];
                }
                stack[i] = (byte) c;
                out.write(stack, i, stack.length - i);
                if (last != INVALID) {
                    suffix[hi] = (byte) c;
                    prefix[hi] = last;
                }
            } else {
                throw new WireException("malformed", "LZW code " + code + " is not yet defined");
            }
            if (out.size() > maxOut) throw new WireException("size", "LZW output exceeds " + maxOut + " bytes");
            last = code;
            hi++;
            if (hi >= overflow) {
                if (width == MAX_WIDTH) {
                    last = INVALID;
                    hi--;
                } else {
                    width++;
                    overflow = 1 << width;
                }
            }
        }
    }

    private static final class BitWriter {
        final ByteArrayOutputStream out;
        int width = 9, nBits;
        long bits;

        BitWriter(int size) { out = new ByteArrayOutputStream(size); }

        void write(int code) {
            bits |= (long) code << nBits;
            nBits += width;
            while (nBits >= 8) {
                out.write((int) (bits & 0xff));
                bits >>>= 8;
                nBits -= 8;
            }
        }

        byte[] finish() {
            if (nBits > 0) out.write((int) (bits & 0xff));
            return out.toByteArray();
        }
    }
}
