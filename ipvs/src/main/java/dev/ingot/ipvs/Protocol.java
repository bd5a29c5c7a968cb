package dev.ingot.ipvs;

/** The transport protocol of a virtual service, with its IP protocol number. */
public enum Protocol {
    TCP(6), UDP(17), SCTP(132);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The protocol of an IP protocol number, or null for one IPVS virtual services here never use. */
    public static Protocol ofNumber(int n) {
        for (Protocol p : values()) {
            if (p.number == n) {
                return p;
            }
        }
        return null;
    }
}
