package io.h2ws.h2.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.api.Stream;
import org.eclipse.jetty.http2.frames.DataFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

import io.h2ws.core.internal.socket.Carrier.WriteCallback;

/**
 * The writing half of a {@link StreamCarrier}: what it is handed goes out as DATA frames, as it
 * is (the socket's write queue has gathered and copied already), and a last write ends our half
 * with END_STREAM or trailers. The caller keeps at most one write outstanding.
 */
final class StreamWriter {

    private final Stream stream;
    private final StreamState state;

    StreamWriter(Stream stream, StreamState state) {
        this.stream = stream;
        this.state = state;
    }

    void write(ByteBuffer[] buffers, boolean last, Map<String, String> trailers, WriteCallback callback) {
        Objects.requireNonNull(callback, "callback");
        synchronized (state) {
            if (state.aborted || state.endSent) {
                callback.completed(new IOException(state.aborted ? "stream aborted" : "stream output already ended"));
                return;
            }
        }
        if (buffers.length == 0 && !last) {
            callback.completed(null);
            return;
        }
        WriteChain c = chain;
        if (c == null) {
            c = new WriteChain();
            chain = c;
        }
        c.start(buffers, last, trailers, callback);
    }

    private WriteChain chain; // reused: one write at a time (issue 19: no object per write)

    /**
     * Writes the buffers as consecutive DATA frames (Jetty allows one pending write per stream and
     * splits a buffer larger than a frame), then the trailers when there are some: RFC 9113
     * section 8.1 allows one HEADERS frame after DATA, and it ends the stream.
     */
    private final class WriteChain implements Callback {
        private ByteBuffer[] buffers;
        private boolean last;
        private Map<String, String> trailers;
        private WriteCallback callback;
        private int index;
        private boolean trailersSent;

        void start(ByteBuffer[] buffers, boolean last, Map<String, String> trailers, WriteCallback callback) {
            this.buffers = buffers;
            this.last = last;
            this.trailers = trailers;
            this.callback = callback;
            this.index = 0;
            this.trailersSent = false;
            next();
        }

        /** Ends this write: the fields are free for the next one before its callback runs. */
        private void done(Throwable failure) {
            WriteCallback cb = callback;
            if (cb == null) {
                return; // completed already: Jetty completes a callback once, but never complete a later write twice
            }
            buffers = null;
            trailers = null;
            callback = null;
            cb.completed(failure);
        }

        void next() {
            try {
                if (index < buffers.length || (last && trailers == null && index == 0)) {
                    // an empty DATA frame carries END_STREAM when there is nothing else to end on
                    ByteBuffer payload = index < buffers.length ? buffers[index++] : BufferUtil.EMPTY_BUFFER;
                    boolean endStream = last && trailers == null && index >= buffers.length;
                    stream.data(new DataFrame(stream.getId(), payload, endStream), this);
                } else {
                    trailersSent = true;
                    HttpFields.Mutable f = HttpFields.build();
                    trailers.forEach(f::put);
                    stream.headers(new HeadersFrame(stream.getId(), new MetaData(HttpVersion.HTTP_2, f), null, true), this);
                }
            } catch (RuntimeException e) {
                failed(e);
            }
        }

        @Override
        public void succeeded() {
            if (index < buffers.length || (last && trailers != null && !trailersSent)) {
                boolean stop;
                synchronized (state) {
                    stop = state.aborted;
                }
                if (stop) {
                    done(new IOException("stream aborted"));
                } else {
                    next();
                }
                return;
            }
            if (last) {
                synchronized (state) {
                    state.endSent = true;
                }
            }
            done(null);
        }

        @Override
        public void failed(Throwable x) {
            done(x instanceof IOException ? x : new IOException("stream write failed: " + x, x));
        }
    }
}
