package io.h2ws.h2.internal;

/**
 * The flags both halves of a {@link StreamCarrier} read, and their one lock (this object): the
 * writer stops once the stream is aborted, an abort or close resets only a stream whose halves
 * did not both end cleanly, and an abort ends delivery to the receiver. One lock because every
 * decision here reads flags that the other half writes; {@link StreamReadAhead}'s own fields are
 * guarded by it too.
 */
final class StreamState {
    // all guarded by this
    boolean aborted;     // we reset the stream: abort, or close before a clean end
    boolean terminal;    // onEnd or onFailure was queued for the receiver, or we aborted
    boolean endReceived; // the peer's END_STREAM was read from Jetty
    boolean endSent;     // our END_STREAM (or the trailers ending our half) was written
    Throwable failure;   // the stream failed; reported on start or at once

    /** Under the lock: both halves ended cleanly, so Jetty has freed the stream and there is nothing to reset. */
    boolean bothEndedLocked() {
        return endSent && endReceived;
    }
}
