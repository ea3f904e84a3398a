package io.h2ws.socket;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits and timeouts of one socket, the same on both transports and both sides. The defaults
 * are safe for a public server: a peer cannot make us buffer more than these bounds.
 */
public final class WebSocketOptions {

    /** The defaults: see each accessor. */
    public static final WebSocketOptions DEFAULTS = builder().build();

    private final long maxFrameSize;
    private final long maxMessageSize;
    private final long maxQueuedBytes;
    private final Duration closeTimeout;
    private final Duration idleTimeout;
    private final Duration pingInterval;
    private final Duration pongTimeout;
    private final boolean autoPong;

    private WebSocketOptions(Builder b) {
        this.maxFrameSize = b.maxFrameSize;
        this.maxMessageSize = b.maxMessageSize;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.closeTimeout = b.closeTimeout;
        this.idleTimeout = b.idleTimeout;
        this.pingInterval = b.pingInterval;
        this.pongTimeout = b.pongTimeout;
        this.autoPong = b.autoPong;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxFrameSize = maxFrameSize;
        b.maxMessageSize = maxMessageSize;
        b.maxQueuedBytes = maxQueuedBytes;
        b.closeTimeout = closeTimeout;
        b.idleTimeout = idleTimeout;
        b.pingInterval = pingInterval;
        b.pongTimeout = pongTimeout;
        b.autoPong = autoPong;
        return b;
    }

    /** Largest data frame payload accepted; larger ones fail the connection with 1009. Default 16 MiB. */
    public long maxFrameSize() {
        return maxFrameSize;
    }

    /** Largest message (all fragments) accepted; larger ones fail with 1009. Default 16 MiB. */
    public long maxMessageSize() {
        return maxMessageSize;
    }

    /** Bytes queued for sending beyond which a send fails at once instead of growing the heap. Default 16 MiB. */
    public long maxQueuedBytes() {
        return maxQueuedBytes;
    }

    /** How long we wait for the peer's Close (and then its end of stream) after ours. Default 5 s. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * Time without any frame either way after which the socket closes with 1001 ("idle timeout");
     * zero means never. Default zero. Every frame the peer sends counts except a Pong, and every
     * frame the application sends counts; the socket's own keepalive pings ({@link #pingInterval})
     * and the pongs answering them do not, so keepalive and idle timeout work together: keepalive
     * finds dead peers, the idle timeout closes live but quiet ones. The listener learns of it
     * from the peer's answering Close ({@code onClose(1001, ...)}), or {@code onClose(1006, ...)}
     * when no answer comes within {@link #closeTimeout}.
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /**
     * How often the socket sends a keepalive Ping (RFC 6455 section 5.5.2); zero means never.
     * Default zero. One ping is outstanding at a time; any bytes from the peer answer it.
     */
    public Duration pingInterval() {
        return pingInterval;
    }

    /**
     * How long after a keepalive Ping the peer has to send something (its Pong or any frame)
     * before it is taken for dead: the socket is aborted and the listener gets
     * {@code onClose(1006, "ping timeout")}. Counted only while the socket is reading: a listener
     * that stops requesting stops reading, and then the Pong could not be seen. Default 10 s;
     * used only with a {@link #pingInterval}.
     */
    public Duration pongTimeout() {
        return pongTimeout;
    }

    /** Whether a Ping is answered by a Pong automatically (RFC 6455 section 5.5.2). Default true. */
    public boolean autoPong() {
        return autoPong;
    }

    @Override
    public String toString() {
        return "WebSocketOptions[maxFrameSize=" + maxFrameSize + ", maxMessageSize=" + maxMessageSize
                + ", maxQueuedBytes=" + maxQueuedBytes + ", closeTimeout=" + closeTimeout
                + ", idleTimeout=" + idleTimeout + ", pingInterval=" + pingInterval + ", pongTimeout=" + pongTimeout
                + ", autoPong=" + autoPong + "]";
    }

    /** Builds {@link WebSocketOptions}. */
    public static final class Builder {
        private long maxFrameSize = 16L << 20;
        private long maxMessageSize = 16L << 20;
        private long maxQueuedBytes = 16L << 20;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ZERO;
        private Duration pingInterval = Duration.ZERO;
        private Duration pongTimeout = Duration.ofSeconds(10);
        private boolean autoPong = true;

        private Builder() {}

        public Builder maxFrameSize(long bytes) {
            this.maxFrameSize = positive(bytes, "maxFrameSize");
            return this;
        }

        public Builder maxMessageSize(long bytes) {
            this.maxMessageSize = positive(bytes, "maxMessageSize");
            return this;
        }

        public Builder maxQueuedBytes(long bytes) {
            this.maxQueuedBytes = positive(bytes, "maxQueuedBytes");
            return this;
        }

        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = nonNegative(timeout, "closeTimeout");
            return this;
        }

        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative(timeout, "idleTimeout");
            return this;
        }

        public Builder pingInterval(Duration interval) {
            this.pingInterval = nonNegative(interval, "pingInterval");
            return this;
        }

        public Builder pongTimeout(Duration timeout) {
            Duration d = nonNegative(timeout, "pongTimeout");
            if (d.isZero()) {
                throw new IllegalArgumentException("pongTimeout must be positive");
            }
            this.pongTimeout = d;
            return this;
        }

        public Builder autoPong(boolean on) {
            this.autoPong = on;
            return this;
        }

        public WebSocketOptions build() {
            return new WebSocketOptions(this);
        }

        private static long positive(long v, String name) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + " must be positive: " + v);
            }
            return v;
        }

        private static Duration nonNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative: " + d);
            }
            return d;
        }
    }
}
