import java.net.URI;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import io.h2ws.H2wsClient;
import io.h2ws.H2wsServer;
import io.h2ws.server.EchoListener;
import io.h2ws.server.Endpoint;
import io.h2ws.socket.H2wsSocket;
import io.h2ws.socket.Transport;

/** An echo server, and a client that sends it one message over each transport. */
public class EchoExample {
    public static void main(String[] args) throws Exception {
        // server: endpoints registered once; one cleartext port for HTTP/1.1 Upgrade and h2c
        // (127.0.0.1 and a free port by default; .port(8080).tlsPort(8443) for fixed ones and TLS)
        try (H2wsServer server = H2wsServer.builder()
                     .endpoint(Endpoint.builder("/echo").listener(EchoListener::new).build())
                     .build().start();
             H2wsClient client = H2wsClient.create()) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/echo");
            for (Transport transport : new Transport[] {Transport.H1, Transport.H2}) {
                CompletableFuture<String> reply = new CompletableFuture<>();
                // the JDK's WebSocket.Listener; a message up to 256 KiB arrives whole
                WebSocket.Listener listener = new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        reply.complete(data.toString());
                        return null;
                    }
                };
                WebSocket ws = client.newWebSocketBuilder()
                        .transport(transport)   // AUTO (the default): HTTP/2 where the server offers RFC 8441
                        .buildAsync(uri, listener).get(10, TimeUnit.SECONDS);
                ws.sendText("hello over " + transport, true);
                System.out.println(((H2wsSocket) ws).transport() + " echoed: " + reply.get(10, TimeUnit.SECONDS));
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
            }
        }
    }
}
