package io.h2ws.client;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.h2ws.trace.ConnectionStats;

/**
 * The HTTP/2 connections a client holds, as {@code H2wsClient.h2()} shows them: many sockets share
 * one connection, so what a user can observe of it (count, statistics, a PING round trip) is here
 * rather than on a socket. The HTTP/2 connector implements it; the connector itself is internal.
 */
public interface H2Connections {

    /**
     * Open (or opening) HTTP/2 connections to the origin of a URI.
     *
     * @param uri any URI of the origin (scheme, host and port count)
     * @return the number of connections
     */
    int connectionCount(URI uri);

    /**
     * Open (or opening) HTTP/2 connections to every origin.
     *
     * @return the number of connections
     */
    int connectionCount();

    /**
     * Statistics of every open HTTP/2 connection, to any origin: bytes each way always; frames each
     * way and the time the connection window blocked sends when the client was built with
     * statistics or a trace (else -1 frames and 0 ns); PING round trips measured by {@link #ping}.
     *
     * @return one entry per open connection
     */
    List<ConnectionStats> connectionStats();

    /**
     * Sends an HTTP/2 PING on each open connection to the origin of a URI.
     *
     * @param uri any URI of the origin
     * @return the first connection's round trip, from the write request to the reply's arrival;
     *         failed when no connection to that origin is open
     */
    CompletableFuture<Duration> ping(URI uri);
}
