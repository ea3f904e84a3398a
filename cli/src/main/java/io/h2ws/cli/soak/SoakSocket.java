package io.h2ws.cli.soak;

import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One soak socket: it keeps up to {@code window} sequence-numbered, checksummed messages in
 * flight, sends each in 1 to 4 parts (sometimes with a Ping between the parts), sends Pings now
 * and then, and checks every echo against what it sent.
 *
 * <p>Locks: the send state is guarded by {@code this}; send-future callbacks take no lock (they
 * may run on a transport thread that holds the socket's own lock). Listener calls are serialised
 * by the socket, so the receive-side fields need no lock.
 */
public final class SoakSocket implements WebSocket.Listener {

    /** What was sent and is not yet echoed. */
    private record Sent(int payload, int crc) {}

    private final long id;
    private final int window;
    private final double pingChance;
    private final SoakMessage messages;
    private final SoakCounters counters;
    private final SplittableRandom random;
    private final int[] crcOut = new int[1];

    // send side, guarded by this
    private final LinkedHashMap<Long, Sent> inflight = new LinkedHashMap<>();
    private long nextSeq;
    private long pingCounter;
    private volatile boolean stopping;
    private volatile boolean sendFailed;
    private volatile WebSocket ws;

    // receive side, touched by listener calls only
    private ByteBuffer assembling;
    private long highestSeq = -1;
    private volatile long lastPong;

    // the end
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile Throwable error;

    public SoakSocket(long id, int window, double pingChance, SoakMessage messages, SoakCounters counters, long seed) {
        this.id = id;
        this.window = window;
        this.pingChance = pingChance;
        this.messages = messages;
        this.counters = counters;
        this.random = new SplittableRandom(seed ^ (id * 0x9E3779B97F4A7C15L));
    }

    /** Fills the window; called once the socket is open and after each echo. */
    public void pump() {
        WebSocket w = ws;
        if (w == null || stopping || sendFailed) {
            return;
        }
        synchronized (this) {
            while (inflight.size() < window && !stopping && !sendFailed) {
                sendOneLocked(w);
            }
        }
    }

    private void sendOneLocked(WebSocket w) {
        long seq = nextSeq++;
        int payload = messages.size(random);
        byte[] m = messages.make(id, seq, payload, random, crcOut);
        inflight.put(seq, new Sent(payload, crcOut[0]));
        counters.sent.increment();
        counters.sentBytes.add(payload);
        int parts = 1 + random.nextInt(4);
        if (parts > 1) {
            counters.fragmented.increment();
        }
        // parts-1 distinct-or-not cut points in [0, length]; empty fragments are legal
        int[] cuts = new int[parts + 1];
        cuts[parts] = m.length;
        for (int i = 1; i < parts; i++) {
            cuts[i] = random.nextInt(m.length + 1);
        }
        java.util.Arrays.sort(cuts, 1, parts);
        for (int i = 0; i < parts; i++) {
            boolean last = i == parts - 1;
            watch(w.sendBinary(ByteBuffer.wrap(m, cuts[i], cuts[i + 1] - cuts[i]), last));
            if (!last && random.nextDouble() < pingChance * 4) {
                pingLocked(w); // a control frame between the fragments of a message
            }
        }
        if (random.nextDouble() < pingChance) {
            pingLocked(w);
        }
    }

    private void pingLocked(WebSocket w) {
        long n = ++pingCounter;
        counters.pingsSent.increment();
        watch(w.sendPing(ByteBuffer.allocate(8).putLong(0, n)));
    }

    private void watch(CompletableFuture<?> f) {
        f.whenComplete((r, e) -> {
            if (e != null && !sendFailed) {
                sendFailed = true;
                counters.sendErrors.increment();
                if (error == null) {
                    error = e;
                }
            }
        });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        this.ws = webSocket;
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        if (assembling == null && last) {
            check(data);
        } else {
            if (assembling == null) {
                assembling = ByteBuffer.allocate(Math.max(data.remaining(), 4096));
            }
            if (assembling.remaining() < data.remaining()) {
                int need = assembling.position() + data.remaining();
                if (need > SoakMessage.HEADER + messages.maxPayload()) {
                    counters.corrupted.increment(); // longer than any message we send
                    assembling = null;
                    webSocket.request(1);
                    return null;
                }
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(need, Math.min(2 * assembling.capacity(),
                        SoakMessage.HEADER + messages.maxPayload())));
                assembling.flip();
                bigger.put(assembling);
                assembling = bigger;
            }
            assembling.put(data);
            if (last) {
                assembling.flip();
                ByteBuffer whole = assembling;
                assembling = null;
                check(whole);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (last) {
            counters.corrupted.increment(); // we send binary only
        }
        webSocket.request(1);
        return null;
    }

    private void check(ByteBuffer m) {
        counters.received.increment();
        int n = m.remaining();
        if (n < SoakMessage.HEADER) {
            counters.corrupted.increment();
            return;
        }
        int p = m.position();
        long rid = m.getLong(p);
        long seq = m.getLong(p + 8);
        int crc = m.getInt(p + 16);
        if (rid != id) {
            counters.corrupted.increment(); // someone else's message, or a damaged header
            return;
        }
        boolean crcOk = SoakMessage.payloadCrc(m) == crc;
        Sent s;
        synchronized (this) {
            s = inflight.remove(seq);
            if (s == null) {
                if (seq >= 0 && seq < nextSeq) {
                    counters.duplicated.increment();
                } else {
                    counters.corrupted.increment();
                }
                return;
            }
        }
        if (!crcOk || s.payload() != n - SoakMessage.HEADER || s.crc() != crc) {
            counters.corrupted.increment();
        } else {
            counters.receivedBytes.add(n - SoakMessage.HEADER);
        }
        if (seq < highestSeq) {
            counters.reordered.increment();
        } else {
            highestSeq = seq;
        }
        pump();
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
        // answers may be merged (RFC 6455 section 5.5.3), so they only have to grow, up to the last Ping
        long sentPings;
        synchronized (this) {
            sentPings = pingCounter;
        }
        if (message.remaining() == 8) {
            long v = message.getLong(message.position());
            if (v > lastPong && v <= sentPings) {
                lastPong = v;
                counters.pongsReceived.increment();
            } else {
                counters.pongMismatches.increment();
            }
        } else {
            counters.pongMismatches.increment();
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable e) {
        if (error == null) {
            error = e;
        }
        closed.complete(-1);
    }

    /** Stops sending new messages; echoes still count. */
    public void stop() {
        stopping = true;
    }

    /** Messages sent and not echoed (yet). */
    public synchronized int inflight() {
        return inflight.size();
    }

    /** Sequence numbers still in flight, oldest first, at most {@code max}. */
    public synchronized String inflightSummary(int max) {
        StringBuilder b = new StringBuilder();
        Iterator<Long> it = inflight.keySet().iterator();
        for (int i = 0; i < max && it.hasNext(); i++) {
            b.append(i == 0 ? "" : ",").append(it.next());
        }
        return b.toString();
    }

    public long id() {
        return id;
    }

    public WebSocket webSocket() {
        return ws;
    }

    /** Completes with the close code from the peer, or -1 after an error. */
    public CompletableFuture<Integer> closed() {
        return closed;
    }

    public Throwable error() {
        return error;
    }

    public boolean sendFailed() {
        return sendFailed;
    }
}
