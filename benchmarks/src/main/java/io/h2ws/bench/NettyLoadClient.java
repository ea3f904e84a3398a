package io.h2ws.bench;

import io.h2ws.cli.measure.LoadClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Netty's WebSocket client over HTTP/1.1: one TCP connection per socket, masking on (RFC 6455
 * section 5.3 requires it of clients), whole messages through {@link WebSocketFrameAggregator}.
 * A send made on the event loop (the echo callback) is written and flushed once at the end of
 * the read batch, as the Netty server does; a send from another thread is flushed at once.
 */
public final class NettyLoadClient implements LoadClient {
    private final URI uri;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
    private final Bootstrap bootstrap;

    public NettyLoadClient(URI uri) {
        this.uri = uri;
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    }

    @Override
    public String name() {
        return "netty-h1";
    }

    @Override
    public CompletableFuture<LoadSocket> open(Consumer<ByteBuffer> onMessage) {
        CompletableFuture<LoadSocket> result = new CompletableFuture<>();
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .version(WebSocketVersion.V13)
                .performMasking(true)
                .maxFramePayloadLength(JettyEchoServer.MAX_MESSAGE)
                .handshakeTimeoutMillis(10_000)
                .build();
        Handler handler = new Handler(onMessage, result);
        ChannelFuture connect = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(
                        new HttpClientCodec(),
                        new HttpObjectAggregator(65_536),
                        new WebSocketClientProtocolHandler(config),
                        new WebSocketFrameAggregator(JettyEchoServer.MAX_MESSAGE),
                        handler);
            }
        }).connect(uri.getHost(), uri.getPort());
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(f.cause());
            }
        });
        return result;
    }

    private static final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> implements LoadSocket {
        private final Consumer<ByteBuffer> onMessage;
        private final CompletableFuture<LoadSocket> opened;
        private volatile Channel channel;
        /** Event-loop only: a write is waiting for the flush at the end of this read batch. */
        private boolean flushPending;
        /** Event-loop only: between this channel's channelRead and channelReadComplete. */
        private boolean reading;

        Handler(Consumer<ByteBuffer> onMessage, CompletableFuture<LoadSocket> opened) {
            this.onMessage = onMessage;
            this.opened = opened;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                channel = ctx.channel();
                opened.complete(this);
            } else if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                opened.completeExceptionally(new java.util.concurrent.TimeoutException("handshake timeout"));
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            reading = true;
            if (frame instanceof BinaryWebSocketFrame) {
                ByteBuf content = frame.content();
                ByteBuffer copy = ByteBuffer.allocate(content.readableBytes());
                content.getBytes(content.readerIndex(), copy);
                copy.flip();
                onMessage.accept(copy);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            reading = false;
            if (flushPending) {
                flushPending = false;
                ctx.flush();
            }
            ctx.fireChannelReadComplete();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            opened.completeExceptionally(new java.io.IOException("connection closed before the handshake completed"));
            super.channelInactive(ctx);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            opened.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public CompletableFuture<?> send(ByteBuffer message) {
            Channel ch = channel;
            CompletableFuture<Void> done = new CompletableFuture<>();
            BinaryWebSocketFrame frame = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(message.slice()));
            ChannelFuture f;
            if (reading && ch.eventLoop().inEventLoop()) {
                f = ch.write(frame);
                flushPending = true;
            } else {
                f = ch.writeAndFlush(frame);
            }
            f.addListener(w -> {
                if (w.isSuccess()) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(w.cause());
                }
            });
            return done;
        }

        @Override
        public void close() {
            Channel ch = channel;
            if (ch != null) {
                ch.close();
            }
        }
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
