package io.h2ws.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Netty's WebSocket echo over HTTP/1.1: {@link WebSocketServerProtocolHandler} does the
 * handshake, Close and Ping, {@link WebSocketFrameAggregator} makes whole messages, and the echo
 * writes each message back and flushes once per read batch (channelReadComplete), Netty's usual
 * pattern.
 */
final class NettyEchoServer {
    private NettyEchoServer() {}

    static EchoServers.Running start(int port) throws Exception {
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/")
                .checkStartsWith(true)
                .maxFramePayloadLength(JettyEchoServer.MAX_MESSAGE)
                .build();
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(
                                new HttpServerCodec(),
                                new HttpObjectAggregator(65_536),
                                new WebSocketServerProtocolHandler(ws),
                                new WebSocketFrameAggregator(JettyEchoServer.MAX_MESSAGE),
                                new Echo());
                    }
                });
        Channel server = b.bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        int bound = ((InetSocketAddress) server.localAddress()).getPort();
        return new EchoServers.Running() {
            @Override
            public int port() {
                return bound;
            }

            @Override
            public void close() {
                server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
                boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
                workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
        };
    }

    /** Writes each whole message back; one flush per read batch. */
    static final class Echo extends SimpleChannelInboundHandler<WebSocketFrame> {
        Echo() {
            super(false); // the frame is handed to write, which releases it
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof BinaryWebSocketFrame || frame instanceof TextWebSocketFrame) {
                ctx.write(frame);
            } else {
                frame.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
