package io.h2ws;

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
    private final boolean autoPong;

    private WebSocketOptions(Builder b) {
        this.maxFrameSize = b.maxFrameSize;
        this.maxMessageSize = b.maxMessageSize;
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.closeTimeout = b.closeTimeout;
        this.idleTimeout = b.idleTimeout;
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

    /** Time without any frame either way after which the socket closes with 1001; zero means never. Default zero. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Whether a Ping is answered by a Pong automatically (RFC 6455 section 5.5.2). Default true. */
    public boolean autoPong() {
        return autoPong;
    }

    @Override
    public String toString() {
        return "WebSocketOptions[maxFrameSize=" + maxFrameSize + ", maxMessageSize=" + maxMessageSize
                + ", maxQueuedBytes=" + maxQueuedBytes + ", closeTimeout=" + closeTimeout
                + ", idleTimeout=" + idleTimeout + ", autoPong=" + autoPong + "]";
    }

    /** Builds {@link WebSocketOptions}. */
    public static final class Builder {
        private long maxFrameSize = 16L << 20;
        private long maxMessageSize = 16L << 20;
        private long maxQueuedBytes = 16L << 20;
        private Duration closeTimeout = Duration.ofSeconds(5);
        private Duration idleTimeout = Duration.ZERO;
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
