package io.h2ws.h2.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.util.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.h2ws.core.internal.socket.Timers;
import io.h2ws.h2.internal.ClientConnection.State;
import io.h2ws.h2.internal.H2Connector.StreamLimitPolicy;

/**
 * The connections to one origin and the sockets waiting for a stream on them. Its monitor
 * guards the waiters and every connection's state and counters.
 */
final class Origin {

    // the connector's logger, so that logging set up for H2Connector still covers its pool
    private static final Logger LOG = LoggerFactory.getLogger(H2Connector.class);

    /** A socket waiting for a stream: an extended CONNECT attempt, as the origin sees it. */
    interface Waiter {
        URI uri();

        /** Failed, timed out or open: its turn is skipped. */
        boolean isSettled();

        /** Its turn: one stream of {@code c} is counted for it until it releases the stream. */
        void granted(ClientConnection c);

        void fail(Throwable failure);
    }

    final H2ConnectionPool pool;
    final String key;
    private final boolean secure;
    private final String host;
    private final int port;
    private final List<ClientConnection> conns = new ArrayList<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

    Origin(H2ConnectionPool pool, String key, boolean secure, String host, int port) {
        this.pool = pool;
        this.key = key;
        this.secure = secure;
        this.host = host;
        this.port = port;
    }

    synchronized int connectionCount() {
        return conns.size();
    }

    synchronized List<ClientConnection> connections() {
        return List.copyOf(conns);
    }

    void acquire(Waiter a) {
        synchronized (this) {
            waiters.add(a);
        }
        dispatch();
    }

    /** Hands free streams to waiters in arrival order; opens a connection when one is needed. */
    void dispatch() {
        List<Runnable> grants = new ArrayList<>();
        synchronized (this) {
            while (!waiters.isEmpty()) {
                Waiter a = waiters.peek();
                if (a.isSettled()) {
                    waiters.poll();
                    continue;
                }
                ClientConnection c = free();
                if (c == null) {
                    break;
                }
                waiters.poll();
                c.active++;
                grants.add(() -> a.granted(c));
            }
            if (!waiters.isEmpty() && needsConnection() && !pool.isClosed()) {
                open();
            }
        }
        grants.forEach(Runnable::run);
    }

    private ClientConnection free() {
        for (ClientConnection c : conns) {
            if (c.state == State.READY && !c.goingAway && !c.isDead() && c.active < c.maxStreams) {
                return c;
            }
        }
        return null;
    }

    private boolean needsConnection() {
        int usable = 0;
        for (ClientConnection c : conns) {
            if (c.state == State.CONNECTING) {
                return false; // wait for its SETTINGS before deciding
            }
            if (c.state == State.READY && !c.goingAway && !c.isDead()) {
                usable++;
            }
        }
        return usable == 0 || (pool.policy == StreamLimitPolicy.NEW_CONNECTION && usable < pool.maxConnectionsPerOrigin);
    }

    private void open() {
        ClientConnection c = new ClientConnection(this);
        conns.add(c);
        InetSocketAddress address = new InetSocketAddress(host, port);
        Promise<Session> promise = new Promise<>() {
            @Override
            public void succeeded(Session session) {
                c.session = session;
            }

            @Override
            public void failed(Throwable x) {
                connectionFailed(c, H2ConnectFailures.beforeSettings(null, x,
                        uri -> new IOException(uri + ": cannot connect to " + key + ": " + x, x)));
            }
        };
        LOG.debug("h2ws: opening an HTTP/2 connection to {}", key);
        pool.connect(secure, address, c, promise);
    }

    void ready(ClientConnection c) {
        synchronized (this) {
            if (c.state != State.CONNECTING) {
                return;
            }
            c.state = State.READY;
        }
        dispatch();
    }

    /** The connection never became usable: waiters fail unless another connection may serve them. */
    void connectionFailed(ClientConnection c, Function<URI, IOException> failure) {
        List<Waiter> failed = new ArrayList<>();
        synchronized (this) {
            if (c.state == State.CLOSED) {
                return;
            }
            boolean wasReady = c.state == State.READY;
            c.state = State.CLOSED;
            conns.remove(c);
            LOG.debug("h2ws: connection to {} removed (was ready: {}), {} left", key, wasReady, conns.size());
            if (!wasReady) {
                boolean alternative = conns.stream().anyMatch(o -> o.state != State.CLOSED && !o.goingAway);
                if (!alternative) {
                    failed.addAll(waiters);
                    waiters.clear();
                }
            }
        }
        for (Waiter a : failed) {
            a.fail(failure.apply(a.uri()));
        }
        dispatch();
    }

    void release(ClientConnection c) {
        synchronized (this) {
            c.active--;
        }
        dispatch();
    }

    /** Puts a waiter back first in line, e.g. when Jetty counted a closing stream still open. */
    void retry(Waiter a) {
        synchronized (this) {
            waiters.addFirst(a);
        }
        Timers.shared().schedule(() -> pool.client.getExecutor().execute(this::dispatch), 10, TimeUnit.MILLISECONDS);
    }

    void failAll(Function<URI, IOException> failure) {
        List<Waiter> failed;
        synchronized (this) {
            failed = new ArrayList<>(waiters);
            waiters.clear();
        }
        for (Waiter a : failed) {
            a.fail(failure.apply(a.uri()));
        }
    }
}
