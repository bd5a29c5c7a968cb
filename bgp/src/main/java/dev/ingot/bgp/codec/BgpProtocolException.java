package dev.ingot.bgp.codec;

import java.util.Arrays;

/**
 * A protocol error found in a peer's bytes. It carries the NOTIFICATION the session must send (RFC 4271 §6):
 * error code, subcode and data. Its message names the RFC rule that was broken, for people reading the logs.
 */
public final class BgpProtocolException extends RuntimeException {
    private final int code;
    private final int subcode;
    private final byte[] data;

    public BgpProtocolException(int code, int subcode, byte[] data, String message) {
        super(message);
        this.code = code;
        this.subcode = subcode;
        this.data = data == null ? new byte[0] : data.clone();
    }

    public BgpProtocolException(int code, int subcode, String message) {
        this(code, subcode, null, message);
    }

    public int code() { return code; }
    public int subcode() { return subcode; }
    public byte[] data() { return data.clone(); }

    /** The NOTIFICATION to send for this error. */
    public BgpMessage.Notification toNotification() {
        return new BgpMessage.Notification(code, subcode, data);
    }

    @Override
    public String toString() {
        return "BgpProtocolException{" + code + "/" + subcode + " " + getMessage()
                + (data.length == 0 ? "" : " data=" + Arrays.toString(data)) + "}";
    }
}
