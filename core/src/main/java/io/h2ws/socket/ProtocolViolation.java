package io.h2ws.socket;

/**
 * A peer broke a rule: carries the close code the connection must fail with and the RFC section
 * that states the rule, so the close frame, the listener's error and the log all say the same.
 */
public class ProtocolViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int closeCode;
    private final String section;

    public ProtocolViolation(int closeCode, String section, String message) {
        super(message + " (" + section + ")");
        this.closeCode = closeCode;
        this.section = section;
    }

    /** The close code to fail the connection with, e.g. 1002, 1007 or 1009. */
    public int closeCode() {
        return closeCode;
    }

    /** The RFC section, e.g. "RFC 6455 section 5.1". */
    public String section() {
        return section;
    }
}
