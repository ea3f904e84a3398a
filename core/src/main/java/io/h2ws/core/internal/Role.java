package io.h2ws.core.internal;

/** Which end of the WebSocket we are: it decides who masks (RFC 6455 section 5.1) and who closes TCP first (section 7.1.1). */
public enum Role {
    CLIENT,
    SERVER
}
