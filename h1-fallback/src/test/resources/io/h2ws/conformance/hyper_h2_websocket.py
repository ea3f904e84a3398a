# A WebSocket over HTTP/2 (RFC 8441) client on hyper-h2 (Python's "h2", Debian python3-h2),
# used by io.h2ws.conformance.HyperH2InteropTest. hyper-h2 keeps its DEFAULT settings, which include
# SETTINGS_ENABLE_CONNECT_PROTOCOL = 0: a server must ignore that (RFC 8441 section 3).
#
# usage: hyper_h2_websocket.py HOST PORT h2c|tls PATH MESSAGE
# prints one line per step (SETTINGS, STATUS, ECHO, CLOSE, DONE); exits 1 on any failure.
import os
import socket
import ssl
import struct
import sys

import h2.config
import h2.connection
import h2.events
import h2.settings

host, port, mode, path, message = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

sock = socket.create_connection((host, port), timeout=10)  # every read is bounded
if mode == "tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # loopback only, against the test's self-signed certificate
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    sock = ctx.wrap_socket(sock, server_hostname=host)
    print("ALPN %s" % sock.selected_alpn_protocol(), flush=True)
    if sock.selected_alpn_protocol() != "h2":
        sys.exit(1)

conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
conn.initiate_connection()
print("CLIENT_ENABLE_CONNECT_PROTOCOL %d" % conn.local_settings.enable_connect_protocol, flush=True)
sock.sendall(conn.data_to_send())


def events():
    """Yields hyper-h2 events as data arrives; a closed socket or a timeout ends the run."""
    while True:
        data = sock.recv(65536)
        if not data:
            print("EOF", flush=True)
            sys.exit(1)
        for event in conn.receive_data(data):
            if isinstance(event, (h2.events.StreamReset, h2.events.ConnectionTerminated)):
                print("FAILED %r" % event, flush=True)
                sys.exit(1)
            yield event
        pending = conn.data_to_send()
        if pending:
            sock.sendall(pending)


def client_frame(opcode, payload):
    """One masked, final WebSocket frame (RFC 6455 section 5.2)."""
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def server_frame(buf):
    """(opcode, payload, rest) of one unmasked server frame in buf, or None while incomplete."""
    if len(buf) < 2:
        return None
    opcode, n, at = buf[0] & 0x0F, buf[1] & 0x7F, 2
    if buf[1] & 0x80:
        raise ValueError("server frame is masked")
    if n == 126:
        if len(buf) < 4:
            return None
        n, at = struct.unpack("!H", buf[2:4])[0], 4
    elif n == 127:
        if len(buf) < 10:
            return None
        n, at = struct.unpack("!Q", buf[2:10])[0], 10
    if len(buf) < at + n:
        return None
    return opcode, buf[at:at + n], buf[at + n:]


it = events()
for event in it:
    if isinstance(event, h2.events.RemoteSettingsChanged):
        break
print("SERVER_ENABLE_CONNECT_PROTOCOL %d" % conn.remote_settings.enable_connect_protocol, flush=True)

stream = conn.get_next_available_stream_id()
conn.send_headers(stream, [
    (":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "https" if mode == "tls" else "http"),
    (":path", path), (":authority", "%s:%d" % (host, port)), ("sec-websocket-version", "13"),
], end_stream=False)
sock.sendall(conn.data_to_send())

for event in it:
    if isinstance(event, h2.events.ResponseReceived) and event.stream_id == stream:
        status = dict(event.headers).get(":status")
        print("STATUS %s" % status, flush=True)
        if status != "200":
            sys.exit(1)
        break

conn.send_data(stream, client_frame(0x1, message.encode("utf-8")))
sock.sendall(conn.data_to_send())

buf = b""
stage = "echo"
for event in it:
    if isinstance(event, h2.events.DataReceived) and event.stream_id == stream:
        conn.acknowledge_received_data(event.flow_controlled_length, stream)
        sock.sendall(conn.data_to_send())
        buf += event.data
        frame = server_frame(buf)
        while frame is not None:
            opcode, payload, buf = frame
            if stage == "echo" and opcode == 0x1:
                print("ECHO %s" % payload.decode("utf-8"), flush=True)
                conn.send_data(stream, client_frame(0x8, struct.pack("!H", 1000)), end_stream=True)
                sock.sendall(conn.data_to_send())
                stage = "close"
            elif stage == "close" and opcode == 0x8:
                print("CLOSE %d" % struct.unpack("!H", payload[:2])[0], flush=True)
                stage = "end"
            else:
                print("UNEXPECTED opcode %d in stage %s" % (opcode, stage), flush=True)
                sys.exit(1)
            frame = server_frame(buf)
    if isinstance(event, h2.events.StreamEnded) and event.stream_id == stream:
        if stage != "end":
            print("ENDED early in stage %s" % stage, flush=True)
            sys.exit(1)
        break

conn.close_connection()
sock.sendall(conn.data_to_send())
sock.close()
print("DONE", flush=True)
