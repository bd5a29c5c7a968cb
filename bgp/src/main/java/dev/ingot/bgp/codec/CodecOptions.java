package dev.ingot.bgp.codec;

/**
 * What the OPEN exchange negotiated that changes the wire format: 4-octet ASNs in AS_PATH (RFC 6793) and
 * extended messages up to 65535 octets (RFC 8654). Before OPEN, both are off.
 */
public record CodecOptions(boolean fourOctetAs, boolean extendedMessages) {
    public static final CodecOptions INITIAL = new CodecOptions(false, false);
    public static final CodecOptions MODERN = new CodecOptions(true, false);

    public int maxMessageLength() {
        return extendedMessages ? BgpMessage.MAX_EXTENDED_LENGTH : BgpMessage.MAX_LENGTH;
    }
}
