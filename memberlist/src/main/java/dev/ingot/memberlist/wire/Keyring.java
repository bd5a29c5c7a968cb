package dev.ingot.memberlist.wire;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * memberlist's AES-GCM encryption: a ring of 16-, 24- or 32-byte keys. The first key (the primary) encrypts; every
 * key is tried in order to decrypt. The encrypted blob is {@code vsn ‖ nonce(12) ‖ ciphertext ‖ tag(16)}; version 0
 * pads the plaintext with PKCS#7 to a multiple of 16, version 1 does not.
 */
public final class Keyring {
    public static final int NONCE = 12, TAG = 16;
    private final List<byte[]> keys;
    private final Consumer<byte[]> nonceSource;

    /** A keyring with random nonces. */
    public Keyring(List<byte[]> keys) {
        this(keys, new SecureRandom()::nextBytes);
    }

    /** A keyring whose nonces come from {@code nonceSource} (fixed nonces make encryption testable byte for byte). */
    public Keyring(List<byte[]> keys, Consumer<byte[]> nonceSource) {
        if (keys.isEmpty()) throw new IllegalArgumentException("a keyring needs at least one key");
        List<byte[]> copy = new ArrayList<>();
        for (byte[] k : keys) {
            if (k.length != 16 && k.length != 24 && k.length != 32) {
                throw new IllegalArgumentException("a memberlist key must be 16, 24 or 32 bytes (AES-128/192/256), not " + k.length);
            }
            copy.add(k.clone());
        }
        this.keys = List.copyOf(copy);
        this.nonceSource = nonceSource;
    }

    /** The bytes {@code encrypt} adds to a message of length {@code n}. */
    public static int overhead(int vsn, int n) {
        return vsn == 0 ? 1 + NONCE + (16 - n % 16) + TAG : 1 + NONCE + TAG;
    }

    /**
     * The key MetalLB's speaker derives from the {@code memberlist} Secret: Go's {@code sha256.New().Sum(secret)}
     * appends the hash of nothing to the secret, so the key is the first {@code n} bytes of
     * {@code secret ‖ sha256("")}: 16 bytes in MetalLB up to v0.13, 32 bytes from v0.14.
     */
    public static byte[] metallbKey(String secret, String metallbVersion) {
        int n = switch (metallbVersion) {
            case "0.13" -> 16;
            case "0.14" -> 32;
            default -> throw new IllegalArgumentException("MetalLB key version must be 0.13 (16-byte key, MetalLB <= v0.13) "
                    + "or 0.14 (32-byte key, MetalLB >= v0.14), not " + metallbVersion);
        };
        byte[] s = secret.getBytes(StandardCharsets.UTF_8);
        try {
            byte[] all = Arrays.copyOf(s, s.length + 32);
            System.arraycopy(MessageDigest.getInstance("SHA-256").digest(), 0, all, s.length, 32);
            return Arrays.copyOf(all, n);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Encrypts with the primary key. */
    public byte[] encrypt(int vsn, byte[] msg, byte[] aad) {
        if (vsn != 0 && vsn != 1) throw new IllegalArgumentException("encryption version must be 0 or 1");
        byte[] plain = msg;
        if (vsn == 0) {
            int pad = 16 - msg.length % 16;
            plain = Arrays.copyOf(msg, msg.length + pad);
            Arrays.fill(plain, msg.length, plain.length, (byte) pad);
        }
        byte[] nonce = new byte[NONCE];
        nonceSource.accept(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.getFirst(), "AES"), new GCMParameterSpec(TAG * 8, nonce));
            if (aad.length > 0) c.updateAAD(aad);
            byte[] out = new byte[1 + NONCE + plain.length + TAG];
            out[0] = (byte) vsn;
            System.arraycopy(nonce, 0, out, 1, NONCE);
            c.doFinal(plain, 0, plain.length, out, 1 + NONCE);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /** Decrypts a blob with the first key that authenticates it. */
    public byte[] decrypt(byte[] blob, byte[] aad) throws WireException {
        if (blob.length < 1) throw new WireException("decrypt", "empty encrypted payload");
        int vsn = blob[0] & 0xff;
        if (vsn > 1) throw new WireException("decrypt", "unsupported encryption version " + vsn);
        if (blob.length < overhead(vsn, 0)) {
            throw new WireException("decrypt", "encrypted payload of " + blob.length + " bytes is too short for version " + vsn);
        }
        for (byte[] key : keys) {
            try {
                Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
                c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG * 8, blob, 1, NONCE));
                if (aad.length > 0) c.updateAAD(aad);
                byte[] plain = c.doFinal(blob, 1 + NONCE, blob.length - 1 - NONCE);
                if (vsn == 0) {
                    int pad = plain.length == 0 ? 0 : plain[plain.length - 1] & 0xff;
                    if (pad < 1 || pad > 16 || pad > plain.length) {
                        throw new WireException("decrypt", "invalid PKCS#7 padding in a version 0 payload");
                    }
                    plain = Arrays.copyOf(plain, plain.length - pad);
                }
                return plain;
            } catch (AEADBadTagException e) {
                // try the next key
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
            }
        }
        throw new WireException("decrypt", "no installed keys could decrypt the message");
    }
}
