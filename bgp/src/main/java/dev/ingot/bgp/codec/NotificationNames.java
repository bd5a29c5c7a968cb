package dev.ingot.bgp.codec;

/** Names of NOTIFICATION error codes and subcodes (RFC 4271 §4.5, RFC 4486, RFC 7313, RFC 8203, RFC 9384), for logs. */
final class NotificationNames {
    private NotificationNames() {}

    static String name(int code, int subcode) {
        String[] subs = switch (code) {
            case 1 -> new String[] {"", "Connection Not Synchronized", "Bad Message Length", "Bad Message Type"};
            case 2 -> new String[] {"", "Unsupported Version Number", "Bad Peer AS", "Bad BGP Identifier",
                    "Unsupported Optional Parameter", "", "Unacceptable Hold Time", "Unsupported Capability",
                    "Role Mismatch"};
            case 3 -> new String[] {"", "Malformed Attribute List", "Unrecognized Well-known Attribute",
                    "Missing Well-known Attribute", "Attribute Flags Error", "Attribute Length Error",
                    "Invalid ORIGIN Attribute", "", "Invalid NEXT_HOP Attribute", "Optional Attribute Error",
                    "Invalid Network Field", "Malformed AS_PATH"};
            case 5 -> new String[] {"Unspecified Error", "Receive Unexpected Message in OpenSent State",
                    "Receive Unexpected Message in OpenConfirm State", "Receive Unexpected Message in Established State"};
            case 6 -> new String[] {"", "Maximum Number of Prefixes Reached", "Administrative Shutdown",
                    "Peer De-configured", "Administrative Reset", "Connection Rejected", "Other Configuration Change",
                    "Connection Collision Resolution", "Out of Resources", "Hard Reset", "BFD Down"};
            case 7 -> new String[] {"", "Invalid Message Length"};
            default -> new String[0];
        };
        String c = switch (code) {
            case 1 -> "Message Header Error";
            case 2 -> "OPEN Message Error";
            case 3 -> "UPDATE Message Error";
            case 4 -> "Hold Timer Expired";
            case 5 -> "Finite State Machine Error";
            case 6 -> "Cease";
            case 7 -> "ROUTE-REFRESH Message Error";
            default -> "Unknown Error " + code;
        };
        String s = subcode < subs.length ? subs[subcode] : "";
        return s.isEmpty() ? (subcode == 0 ? c : c + "/subcode " + subcode) : c + "/" + s;
    }
}
