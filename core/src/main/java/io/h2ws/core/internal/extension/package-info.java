/**
 * The sans-I/O pieces of permessage-deflate (RFC 7692 section 7): parameter negotiation for both
 * ends (section 7.1) and the per-message payload transformation (section 7.2) over
 * {@code java.util.zip}. Nothing here touches frames, RSV1 or the session; the caller decides which
 * messages are compressed (section 6) and feeds payloads in. No sockets, threads or clocks.
 */
package io.h2ws.core.internal.extension;
