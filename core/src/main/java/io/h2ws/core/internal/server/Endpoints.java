package io.h2ws.core.internal.server;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import io.h2ws.server.Endpoint;

/** The endpoints of a server by exact path; both transports look them up here. */
public final class Endpoints {

    private final Map<String, Endpoint> byPath = new ConcurrentHashMap<>();

    /** Registers an endpoint; a path can be registered once. */
    public Endpoints add(Endpoint endpoint) {
        if (byPath.putIfAbsent(endpoint.path(), endpoint) != null) {
            throw new IllegalArgumentException("an endpoint is already registered at " + endpoint.path());
        }
        return this;
    }

    /** The endpoint for a request path (its query ignored). */
    public Optional<Endpoint> match(String pathWithQuery) {
        int q = pathWithQuery.indexOf('?');
        return Optional.ofNullable(byPath.get(q < 0 ? pathWithQuery : pathWithQuery.substring(0, q)));
    }

    public Collection<Endpoint> all() {
        return byPath.values();
    }
}
