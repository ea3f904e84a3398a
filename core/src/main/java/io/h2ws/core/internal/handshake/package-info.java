/**
 * Handshake rules shared by the HTTP/1.1 upgrade (RFC 6455 section 4) and the HTTP/2 extended
 * CONNECT (RFC 8441 sections 4 and 5): header parsing, subprotocol and extension negotiation
 * checks, and the HTTP/1.1-only key/accept computation. Pure functions; no I/O.
 */
package io.h2ws.core.internal.handshake;
