package io.h2ws.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/** A blocking InputStream fed with chunks by another thread: one HTTP/2 stream's DATA bytes. */
final class ChunkInput extends InputStream {

    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private byte[] current;
    private int pos;
    private boolean ended;
    private IOException failure;

    synchronized void add(byte[] chunk) {
        if (chunk.length > 0 && !ended && failure == null) {
            chunks.add(chunk);
            notifyAll();
        }
    }

    /** END_STREAM: reads return -1 once the bytes before it are read. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** A reset: reads throw once the bytes before it are read. */
    synchronized void fail(IOException e) {
        if (!ended && failure == null) {
            failure = e;
        }
        notifyAll();
    }

    synchronized boolean isEnded() {
        return ended;
    }

    @Override
    public synchronized int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (current == null || pos == current.length) {
            current = chunks.poll();
            pos = 0;
            if (current != null) {
                break;
            }
            if (failure != null) {
                throw failure;
            }
            if (ended) {
                return -1;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException();
            }
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }
}
