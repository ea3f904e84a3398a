package io.h2ws.conformance;

import static io.h2ws.conformance.Peer.BINARY;
import static io.h2ws.conformance.Peer.CLOSE;
import static io.h2ws.conformance.Peer.CONT;
import static io.h2ws.conformance.Peer.PING;
import static io.h2ws.conformance.Peer.PONG;
import static io.h2ws.conformance.Peer.TEXT;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.h2ws.conformance.Peer.Ev;

/**
 * The cases, numbered as in the Autobahn|Testsuite (fuzzingclient) and written from its case
 * descriptions and expectations: categories 1 (framing), 2 (pings and pongs), 3 (reserved bits),
 * 4 (reserved opcodes), 5 (fragmentation), 6 (UTF-8), 7 (closing), 9 (a few bulk cases), and
 * 12/13 (permessage-deflate, fewer messages per case than Autobahn's 1000). Where Autobahn waits
 * a second between steps the suite waits {@link #WAIT} ms; what is checked is the same.
 */
final class Cases {

    /** Autobahn's 1 s pauses, shortened: long enough for the server to act on what came before. */
    static final long WAIT = 150;

    private Cases() {}

    static List<Case> all() {
        List<Case> all = new ArrayList<>();
        framing(all);
        pingPong(all);
        reservedBits(all);
        opcodes(all);
        fragmentation(all);
        utf8(all);
        closing(all);
        closingExtras(all);
        bulk(all);
        autoFragment(all);
        deflate(all);
        return all;
    }

    // ------------------------------------------------------------------ helpers

    static byte[] u(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] fill(int b, int n) {
        byte[] a = new byte[n];
        Arrays.fill(a, (byte) b);
        return a;
    }

    static byte[] stars(int n) {
        return fill('*', n);
    }

    /** {@code pattern} repeated to {@code len} bytes (Autobahn's payload_len). */
    static byte[] pattern(byte[] pattern, int len) {
        byte[] a = new byte[len];
        for (int i = 0; i < len; i++) {
            a[i] = pattern[i % pattern.length];
        }
        return a;
    }

    static byte[] hex(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    /** A message as single-payload-byte frames (Autobahn's sendMessage with fragmentSize = 1). */
    static byte[][] oneBytePerFrame(Peer p, int opcode, byte[] message) {
        byte[][] frames = new byte[message.length][];
        for (int i = 0; i < message.length; i++) {
            frames[i] = p.frame(i == message.length - 1, 0, i == 0 ? opcode : CONT, new byte[] {message[i]});
        }
        return frames;
    }

    private static final String RFC = "RFC 6455 ";

    // ------------------------------------------------------------------ 1 framing

    private static void framing(List<Case> all) {
        int[] lengths = {0, 125, 126, 127, 128, 65535, 65536};
        for (int i = 0; i < lengths.length; i++) {
            int n = lengths[i];
            all.add(Case.of("1.1." + (i + 1), RFC + "5.2, 5.6", "text message, payload length " + n)
                    .does(p -> p.send(p.frame(TEXT, stars(n))))
                    .expect(Ev.text(stars(n))));
        }
        all.add(Case.of("1.1.8", RFC + "5.2, 5.6", "text message, payload length 65536, sent in chops of 997 octets")
                .does(p -> p.sendChopped(997, p.frame(TEXT, stars(65536))))
                .expect(Ev.text(stars(65536))));
        for (int i = 0; i < lengths.length; i++) {
            int n = lengths[i];
            all.add(Case.of("1.2." + (i + 1), RFC + "5.2, 5.6", "binary message, payload length " + n)
                    .does(p -> p.send(p.frame(BINARY, fill(0xFE, n))))
                    .expect(Ev.binary(fill(0xFE, n))));
        }
        all.add(Case.of("1.2.8", RFC + "5.2, 5.6", "binary message, payload length 65536, sent in chops of 997 octets")
                .does(p -> p.sendChopped(997, p.frame(BINARY, fill(0xFE, 65536))))
                .expect(Ev.binary(fill(0xFE, 65536))));
    }

    // ------------------------------------------------------------------ 2 ping / pong

    private static void pingPong(List<Case> all) {
        String s = RFC + "5.5.2, 5.5.3";
        all.add(Case.of("2.1", s, "ping without payload")
                .does(p -> p.send(p.frame(PING, new byte[0])))
                .expect(Ev.pong(new byte[0])));
        all.add(Case.of("2.2", s, "ping with small text payload")
                .does(p -> p.send(p.frame(PING, "Hello, world!")))
                .expect(Ev.pong("Hello, world!")));
        byte[] bin = bytes(0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff);
        all.add(Case.of("2.3", s, "ping with small binary payload")
                .does(p -> p.send(p.frame(PING, bin)))
                .expect(Ev.pong(bin)));
        all.add(Case.of("2.4", s, "ping with binary payload of 125 octets")
                .does(p -> p.send(p.frame(PING, fill(0xFE, 125))))
                .expect(Ev.pong(fill(0xFE, 125))));
        all.add(Case.of("2.5", RFC + "5.5", "ping with payload of 126 octets: fail with 1002")
                .does(p -> p.send(p.frame(PING, fill(0xFE, 126))))
                .expect()
                .serverFails(1002));
        all.add(Case.of("2.6", s, "ping with payload of 125 octets, sent in octet-wise chops")
                .does(p -> p.sendChopped(1, p.frame(PING, fill(0xFE, 125))))
                .expect(Ev.pong(fill(0xFE, 125))));
        all.add(Case.of("2.7", s, "unsolicited pong without payload is ignored")
                .does(p -> {
                    p.send(p.frame(PONG, new byte[0]));
                    p.sendClose(1000);
                })
                .expect()
                .clientClosesInActions(true, 1000));
        all.add(Case.of("2.8", s, "unsolicited pong with payload is ignored")
                .does(p -> {
                    p.send(p.frame(PONG, "unsolicited pong payload"));
                    p.sendClose(1000);
                })
                .expect()
                .clientClosesInActions(true, 1000));
        all.add(Case.of("2.9", s, "unsolicited pong, then ping: only the ping is answered")
                .does(p -> p.send(p.frame(PONG, "unsolicited pong payload"), p.frame(PING, "ping payload")))
                .expect(Ev.pong("ping payload")));
        List<Ev> pongs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pongs.add(Ev.pong("payload-" + i));
        }
        all.add(Case.of("2.10", s, "10 pings in one write: 10 pongs, in order")
                .does(p -> {
                    byte[][] pings = new byte[10][];
                    for (int i = 0; i < 10; i++) {
                        pings[i] = p.frame(PING, "payload-" + i);
                    }
                    p.send(pings);
                })
                .expect(pongs));
        all.add(Case.of("2.11", s, "10 pings, sent in octet-wise chops: 10 pongs, in order")
                .does(p -> {
                    for (int i = 0; i < 10; i++) {
                        p.sendChopped(1, p.frame(PING, "payload-" + i));
                    }
                })
                .expect(pongs));
    }

    // ------------------------------------------------------------------ 3 reserved bits

    /**
     * Autobahn grades "no echo" NON-STRICT in 3.2-3.4 and 4.x.3-5: the valid message before the
     * bad frame may or may not be echoed before the connection fails (the server may read both
     * at once and fail first).
     */
    private static final String ECHO_BEFORE_FAILURE = "the valid message before the bad frame was not echoed"
            + " (the server failed the connection first; Autobahn NON-STRICT)";

    private static void reservedBits(List<Case> all) {
        String s = RFC + "5.2";
        String hello = "Hello, world!";
        all.add(Case.of("3.1", s, "text message with RSV = 1 (no extension): fail with 1002")
                .does(p -> p.send(p.frame(true, 1, TEXT, u(hello))))
                .expect().serverFails(1002));
        all.add(Case.of("3.2", s, "text message, then text with RSV = 2, then ping, in one write")
                .does(p -> p.send(p.frame(TEXT, hello), p.frame(true, 2, TEXT, u(hello)), p.frame(PING, new byte[0])))
                .expect(Ev.text(hello)).orNonStrict(ECHO_BEFORE_FAILURE, List.of()).serverFails(1002));
        all.add(Case.of("3.3", s, "text message, then text with RSV = 3, then ping, frame by frame")
                .does(p -> p.sendEach(p.frame(TEXT, hello), p.frame(true, 3, TEXT, u(hello)), p.frame(PING, new byte[0])))
                .expect(Ev.text(hello)).orNonStrict(ECHO_BEFORE_FAILURE, List.of()).serverFails(1002));
        all.add(Case.of("3.4", s, "text message, then text with RSV = 4, then ping, in octet-wise chops")
                .does(p -> p.sendChopped(1, p.frame(TEXT, hello), p.frame(true, 4, TEXT, u(hello)), p.frame(PING, new byte[0])))
                .expect(Ev.text(hello)).orNonStrict(ECHO_BEFORE_FAILURE, List.of()).serverFails(1002));
        all.add(Case.of("3.5", s, "binary message with RSV = 5: fail with 1002")
                .does(p -> p.send(p.frame(true, 5, BINARY, bytes(0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff))))
                .expect().serverFails(1002));
        // Autobahn's 3.6 sends a binary frame although its title says Ping; the suite sends the Ping.
        all.add(Case.of("3.6", s, "ping with RSV = 6: fail with 1002")
                .does(p -> p.send(p.frame(true, 6, PING, u(hello))))
                .expect().serverFails(1002));
        all.add(Case.of("3.7", s, "close with RSV = 7: fail with 1002")
                .does(p -> p.send(p.frame(true, 7, CLOSE, new byte[0])))
                .expect().serverFails(1002));
    }

    // ------------------------------------------------------------------ 4 reserved opcodes

    private static void opcodes(List<Case> all) {
        String s = RFC + "5.2";
        String hello = "Hello, world!";
        for (int group = 1; group <= 2; group++) {
            int base = group == 1 ? 3 : 11;
            String kind = group == 1 ? "non-control" : "control";
            String g = "4." + group + ".";
            int op1 = base;
            int op2 = base + 1;
            int op3 = base + 2;
            int op4 = base + 3;
            int op5 = base + 4;
            all.add(Case.of(g + 1, s, "frame with reserved " + kind + " opcode " + op1 + ": fail with 1002")
                    .does(p -> p.send(p.frame(op1, new byte[0])))
                    .expect().serverFails(1002));
            all.add(Case.of(g + 2, s, "frame with reserved " + kind + " opcode " + op2 + " and payload: fail with 1002")
                    .does(p -> p.send(p.frame(op2, "reserved opcode payload")))
                    .expect().serverFails(1002));
            all.add(Case.of(g + 3, s, "text message, then reserved opcode " + op3 + ", then ping")
                    .does(p -> p.send(p.frame(TEXT, hello), p.frame(op3, new byte[0]), p.frame(PING, new byte[0])))
                    .expect(Ev.text(hello)).orNonStrict(ECHO_BEFORE_FAILURE, List.of()).serverFails(1002));
            all.add(Case.of(g + 4, s, "text message, then reserved opcode " + op4 + " with payload, then ping")
                    .does(p -> p.send(p.frame(TEXT, hello), p.frame(op4, hello), p.frame(PING, new byte[0])))
                    .expect(Ev.text(hello)).orNonStrict(ECHO_BEFORE_FAILURE, List.of()).serverFails(1002));
            all.add(Case.of(g + 5, s, "text message, then reserved opcode " + op5 + " with payload, then ping, in octet-wise chops")
                    .does(p -> p.sendChopped(1, p.frame(TEXT, hello), p.frame(op5, hello), p.frame(PING, new byte[0])))
                    .expect(Ev.text(hello)).orNonStrict(ECHO_BEFORE_FAILURE, List.of()).serverFails(1002));
        }
    }

    // ------------------------------------------------------------------ 5 fragmentation

    interface Sender {
        void send(Peer p, byte[]... frames);
    }

    private static final Sender ONE_WRITE = Peer::send;
    private static final Sender FRAME_WISE = Peer::sendEach;
    private static final Sender OCTET_WISE = (p, frames) -> p.sendChopped(1, frames);

    private static void fragmentation(List<Case> all) {
        String s = RFC + "5.4";
        all.add(Case.of("5.1", s + ", 5.5", "ping fragmented into 2 fragments: fail with 1002")
                .does(p -> p.send(p.frame(false, PING, "fragment1"), p.frame(true, CONT, "fragment2")))
                .expect().serverFails(1002));
        all.add(Case.of("5.2", s + ", 5.5", "pong fragmented into 2 fragments: fail with 1002")
                .does(p -> p.send(p.frame(false, PONG, "fragment1"), p.frame(true, CONT, "fragment2")))
                .expect().serverFails(1002));
        Sender[] senders = {ONE_WRITE, FRAME_WISE, OCTET_WISE};
        String[] how = {"", ", frame by frame", ", in octet-wise chops"};
        for (int i = 0; i < 3; i++) {
            Sender send = senders[i];
            all.add(Case.of("5." + (3 + i), s, "text message in 2 fragments" + how[i])
                    .does(p -> send.send(p, p.frame(false, TEXT, "fragment1"), p.frame(true, CONT, "fragment2")))
                    .expect(Ev.text("fragment1fragment2")));
        }
        for (int i = 0; i < 3; i++) {
            Sender send = senders[i];
            all.add(Case.of("5." + (6 + i), s + ", 5.5", "text message in 2 fragments with a ping between them" + how[i])
                    .does(p -> send.send(p, p.frame(false, TEXT, "fragment1"), p.frame(PING, "ping payload"),
                            p.frame(true, CONT, "fragment2")))
                    .expect(Ev.pong("ping payload"), Ev.text("fragment1fragment2")));
        }
        for (int i = 0; i < 3; i++) {
            Sender send = senders[i];
            all.add(Case.of("5." + (9 + i), s, "continuation (FIN set) with nothing to continue, then text" + how[i] + ": fail with 1002")
                    .does(p -> send.send(p, p.frame(true, CONT, "non-continuation payload"), p.frame(TEXT, "Hello, world!")))
                    .expect().serverFails(1002));
        }
        for (int i = 0; i < 3; i++) {
            Sender send = senders[i];
            all.add(Case.of("5." + (12 + i), s, "continuation (FIN clear) with nothing to continue, then text" + how[i] + ": fail with 1002")
                    .does(p -> send.send(p, p.frame(false, CONT, "non-continuation payload"), p.frame(TEXT, "Hello, world!")))
                    .expect().serverFails(1002));
        }
        all.add(Case.of("5.15", s, "text in 2 fragments, then a continuation with nothing to continue, then text")
                .does(p -> p.send(p.frame(false, TEXT, "fragment1"), p.frame(true, CONT, "fragment2"),
                        p.frame(false, CONT, "fragment3"), p.frame(true, TEXT, "fragment4")))
                .expect(Ev.text("fragment1fragment2")).orNonStrict(ECHO_BEFORE_FAILURE, List.of()).serverFails(1002));
        all.add(Case.of("5.16", s, "2x: continuation (FIN clear) with nothing to continue, then text in 2 fragments: fail with 1002")
                .does(p -> {
                    List<byte[]> f = new ArrayList<>();
                    for (int k = 0; k < 2; k++) {
                        f.add(p.frame(false, CONT, "fragment1"));
                        f.add(p.frame(false, TEXT, "fragment2"));
                        f.add(p.frame(true, CONT, "fragment3"));
                    }
                    p.send(f.toArray(new byte[0][]));
                })
                .expect().serverFails(1002));
        all.add(Case.of("5.17", s, "2x: continuation (FIN set) with nothing to continue, then text in 2 fragments: fail with 1002")
                .does(p -> {
                    List<byte[]> f = new ArrayList<>();
                    for (int k = 0; k < 2; k++) {
                        f.add(p.frame(true, CONT, "fragment1"));
                        f.add(p.frame(false, TEXT, "fragment2"));
                        f.add(p.frame(true, CONT, "fragment3"));
                    }
                    p.send(f.toArray(new byte[0][]));
                })
                .expect().serverFails(1002));
        all.add(Case.of("5.18", s, "text in 2 fragments, both with the text opcode: fail with 1002")
                .does(p -> p.send(p.frame(false, TEXT, "fragment1"), p.frame(true, TEXT, "fragment2")))
                .expect().serverFails(1002));
        for (int i = 0; i < 2; i++) {
            Sender send = i == 0 ? ONE_WRITE : FRAME_WISE;
            all.add(Case.of("5." + (19 + i), s + ", 5.5", "text in 5 fragments with 2 pings between them and a pause"
                    + (i == 0 ? "" : ", frame by frame"))
                    .does(p -> {
                        send.send(p, p.frame(false, TEXT, "fragment1"), p.frame(false, CONT, "fragment2"), p.frame(PING, "pongme 1!"));
                        Peer.pause(WAIT);
                        send.send(p, p.frame(false, CONT, "fragment3"), p.frame(false, CONT, "fragment4"), p.frame(PING, "pongme 2!"),
                                p.frame(true, CONT, "fragment5"));
                    })
                    .expect(Ev.pong("pongme 1!"), Ev.pong("pongme 2!"), Ev.text("fragment1fragment2fragment3fragment4fragment5")));
        }
    }

    // ------------------------------------------------------------------ 6 UTF-8

    private static void utf8(List<Case> all) {
        String s = RFC + "8.1, 5.6";
        all.add(Case.of("6.1.1", s, "text message of length 0")
                .does(p -> p.send(p.frame(TEXT, new byte[0])))
                .expect(Ev.text("")));
        all.add(Case.of("6.1.2", s, "text message in 3 fragments, each of length 0")
                .does(p -> p.send(p.frame(false, TEXT, ""), p.frame(false, CONT, ""), p.frame(true, CONT, "")))
                .expect(Ev.text("")));
        all.add(Case.of("6.1.3", s, "text message in 3 fragments, first and last of length 0")
                .does(p -> p.send(p.frame(false, TEXT, ""), p.frame(false, CONT, "middle frame payload"), p.frame(true, CONT, "")))
                .expect(Ev.text("middle frame payload")));
        String valid = "Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!";
        all.add(Case.of("6.2.1", s, "valid UTF-8 text in one fragment")
                .does(p -> p.send(p.frame(TEXT, valid)))
                .expect(Ev.text(valid)));
        String part1 = "Hello-\u00b5@\u00df\u00f6\u00e4";
        String part2 = "\u00fc\u00e0\u00e1-UTF-8!!";
        all.add(Case.of("6.2.2", s, "valid UTF-8 text in 2 fragments, split on a code point boundary")
                .does(p -> p.send(p.frame(false, TEXT, part1), p.frame(true, CONT, part2)))
                .expect(Ev.text(part1 + part2)));
        all.add(Case.of("6.2.3", s, "valid UTF-8 text in 1-octet fragments, splitting code points")
                .does(p -> p.send(oneBytePerFrame(p, TEXT, u(valid))))
                .expect(Ev.text(valid)));
        byte[] kosme = hex("cebae1bdb9cf83cebcceb5");
        all.add(Case.of("6.2.4", s, "valid UTF-8 text (kosme) in 1-octet fragments")
                .does(p -> p.send(oneBytePerFrame(p, TEXT, kosme)))
                .expect(Ev.text(kosme)));
        byte[] bad = hex("cebae1bdb9cf83cebcceb5eda080656469746564");
        all.add(Case.of("6.3.1", s, "invalid UTF-8 (a surrogate) in one fragment: fail with 1007")
                .does(p -> p.send(p.frame(TEXT, bad)))
                .expect().serverFails(1007));
        all.add(Case.of("6.3.2", s, "invalid UTF-8 (a surrogate) in 1-octet fragments: fail with 1007")
                .does(p -> p.send(oneBytePerFrame(p, TEXT, bad)))
                .expect().serverFails(1007));
        failFast(all, s);
        vectors(all, s);
    }

    /**
     * 6.4.x, fail fast (section 8.1: "MUST Fail the WebSocket Connection" when the data is found
     * invalid): the first part is valid and must not end the connection (timeout A passes); the
     * second makes the text invalid (U+110000 encoded as F4 90 80 80) and must end it before the
     * third is sent. NON-STRICT, as Autobahn: failing only at the message's end (timeout B passes).
     */
    private static void failFast(List<Case> all, String s) {
        byte[] p1 = hex("cebae1bdb9cf83cebcceb5");
        byte[] p2 = hex("f4908080");
        byte[] p3 = hex("656469746564");
        byte[] whole = concat(p1, p2, p3);
        byte[][][] splits = {
            {p1, p2, p3},
            {Arrays.copyOfRange(whole, 0, 12), Arrays.copyOfRange(whole, 12, 13), Arrays.copyOfRange(whole, 13, whole.length)},
        };
        List<Ev> okEvents = List.of(Ev.timeout("A"));
        List<Ev> lateEvents = List.of(Ev.timeout("A"), Ev.timeout("B"));
        String late = "the invalid text was found only at the message's end, not at the octet that made it invalid";
        for (int k = 0; k < 2; k++) {
            byte[][] parts = splits[k];
            String which = k == 0 ? "U+110000 as F4 90 80 80" : "only up to the octet (0x90) that makes it invalid";
            all.add(Case.of("6.4." + (1 + k), s, "invalid UTF-8 in 3 fragments, the 2nd (" + which + ") must fail at once with 1007")
                    .does(p -> {
                        p.send(p.frame(false, 0, TEXT, parts[0]));
                        Peer.pause(WAIT);
                        p.mark("A");
                        if (p.isOpen()) {
                            p.send(p.frame(false, 0, CONT, parts[1]));
                            Peer.pause(WAIT);
                            p.mark("B");
                            if (p.isOpen()) {
                                p.send(p.frame(true, 0, CONT, parts[2]));
                            }
                        }
                    })
                    .expect(okEvents).orNonStrict(late, lateEvents).serverFails(1007));
        }
        for (int k = 0; k < 2; k++) {
            byte[][] parts = splits[k];
            String which = k == 0 ? "U+110000 as F4 90 80 80" : "only up to the octet (0x90) that makes it invalid";
            all.add(Case.of("6.4." + (3 + k), s, "invalid UTF-8 in 3 chops of one frame, the 2nd (" + which + ") must fail at once with 1007")
                    .does(p -> {
                        byte[] frame = p.frame(TEXT, whole);
                        int header = frame.length - whole.length;
                        int cut1 = header + parts[0].length;
                        int cut2 = cut1 + parts[1].length;
                        p.sendRaw(Arrays.copyOfRange(frame, 0, cut1));
                        Peer.pause(WAIT);
                        p.mark("A");
                        if (p.isOpen()) {
                            p.sendRaw(Arrays.copyOfRange(frame, cut1, cut2));
                            Peer.pause(WAIT);
                            p.mark("B");
                            if (p.isOpen()) {
                                p.sendRaw(Arrays.copyOfRange(frame, cut2, frame.length));
                            }
                        }
                    })
                    .expect(okEvents).orNonStrict(late, lateEvents).serverFails(1007));
        }
    }

    /** 6.5 to 6.23: Markus Kuhn's UTF-8 decoder stress test, grouped as Autobahn groups it. */
    private static void vectors(List<Case> all, String s) {
        int group = 5;
        for (Utf8Vectors.Group g : Utf8Vectors.groups()) {
            int n = 1;
            for (Utf8Vectors.Vector v : g.vectors()) {
                String id = "6." + group + "." + n++;
                String title = g.name() + ": " + Peer.hex(v.bytes(), 12) + (v.valid() ? " (valid)" : " (invalid): fail with 1007");
                Case c = Case.of(id, s, title).does(p -> p.send(p.frame(TEXT, v.bytes())));
                if (v.valid()) {
                    c.expect(Ev.text(v.bytes()));
                } else {
                    c.expect().serverFails(1007);
                }
                all.add(c);
            }
            group++;
        }
    }

    // ------------------------------------------------------------------ 7 closing

    private static void closing(List<Case> all) {
        String s = RFC + "5.5.1, 7.1";
        all.add(Case.of("7.1.1", s, "text message, then close: echo, then clean close")
                .does(p -> p.send(p.frame(TEXT, "Hello World!")))
                .expect(Ev.text("Hello World!")));
        all.add(Case.of("7.1.2", s, "two close frames: the second is ignored")
                .does(p -> {
                    p.sendClose(1000);
                    p.send(p.frame(CLOSE, new byte[0]));
                })
                .expect().clientClosesInActions(true, 1000));
        all.add(Case.of("7.1.3", s, "ping after close: no pong")
                .does(p -> {
                    p.sendClose(1000);
                    p.send(p.frame(PING, new byte[0]));
                })
                .expect().clientClosesInActions(true, 1000));
        all.add(Case.of("7.1.4", s, "text after close: ignored")
                .does(p -> {
                    p.sendClose(1000);
                    p.send(p.frame(TEXT, "Hello World!"));
                })
                .expect().clientClosesInActions(true, 1000));
        all.add(Case.of("7.1.5", s, "first fragment, close, last fragment: clean close, no message")
                .does(p -> {
                    p.send(p.frame(false, TEXT, "fragment1"));
                    p.sendClose(1000);
                    p.send(p.frame(true, CONT, "fragment2"));
                })
                .expect().clientClosesInActions(true, 1000));
        byte[] big = pattern(u("BAsd7&jh23"), 256 * 1024);
        // Autobahn INFORMATIONAL: whether the messages before the Close are echoed depends on the
        // server's processing model; only the close rules are held strictly here.
        all.add(Case.of("7.1.6", s, "256 KiB text, text, close, ping back to back (informational)")
                .does(p -> {
                    p.send(p.frame(TEXT, big), p.frame(TEXT, "Hello World!"));
                    p.sendClose(1000);
                    p.send(p.frame(PING, new byte[0]));
                })
                .expect(Ev.text(big), Ev.text("Hello World!"))
                .orNonStrict("close processed before the echoes", List.of())
                .orNonStrict("close processed before the second echo", List.of(Ev.text(big)))
                .informational()
                .clientClosesInActions(true, 1000));
        String c = RFC + "5.5.1, 7.4";
        // Autobahn takes an empty Close as the answer to an empty Close as well as 1000.
        all.add(Case.of("7.3.1", c, "close without payload: clean close (1000 or no code)")
                .does(p -> p.sendCloseFrame(new byte[0]))
                .expect().clientClosesInActions(true, 1000, 1005));
        all.add(Case.of("7.3.2", c, "close with a 1-octet payload: 1002")
                .does(p -> p.sendCloseFrame(u("a")))
                .expect().clientClosesInActions(false, 1002));
        all.add(Case.of("7.3.3", c, "close with code 1000 and no reason")
                .does(p -> p.sendClose(1000))
                .expect().clientClosesInActions(true, 1000));
        all.add(Case.of("7.3.4", c, "close with code 1000 and a reason")
                .does(p -> p.sendClose(1000, u("Hello World!")))
                .expect().clientClosesInActions(true, 1000));
        all.add(Case.of("7.3.5", c, "close with code 1000 and a reason of 123 octets (the maximum)")
                .does(p -> p.sendClose(1000, stars(123)))
                .expect().clientClosesInActions(true, 1000));
        all.add(Case.of("7.3.6", RFC + "5.5", "close with a reason of 124 octets (payload 126): 1002")
                .does(p -> p.sendClose(1000, stars(124)))
                .expect().clientClosesInActions(false, 1002));
        all.add(Case.of("7.5.1", RFC + "5.5.1, 8.1", "close with a reason that is not UTF-8: 1007")
                .does(p -> p.sendClose(1000, hex("cebae1bdb9cf83cebcceb5eda080656469746564")))
                .expect().clientClosesInActions(false, 1007));
        int[] valid = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999};
        for (int i = 0; i < valid.length; i++) {
            int code = valid[i];
            // Autobahn also accepts 1000 in reply; this server echoes the code (section 5.5.1), and the suite holds it to that.
            all.add(Case.of("7.7." + (i + 1), c, "close with valid code " + code + ": echoed")
                    .does(p -> p.sendClose(code))
                    .expect().clientClosesInActions(true, code));
        }
        int[] invalid = {0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999};
        for (int i = 0; i < invalid.length; i++) {
            int code = invalid[i];
            all.add(Case.of("7.9." + (i + 1), c, "close with invalid code " + code + ": 1002")
                    .does(p -> p.sendClose(code))
                    .expect().clientClosesInActions(false, 1002));
        }
        // Autobahn grades 7.13.x INFORMATIONAL (section 7.4.2 defines no codes above 4999); they are
        // not valid on the wire, so the suite expects 1002 as for 7.9.x.
        int[] above = {5000, 65535};
        for (int i = 0; i < above.length; i++) {
            int code = above[i];
            all.add(Case.of("7.13." + (i + 1), c, "close with undefined code " + code + ": 1002")
                    .does(p -> p.sendClose(code))
                    .expect().clientClosesInActions(false, 1002));
        }
    }

    /**
     * Not Autobahn cases (its client always completes the closing handshake): how the server takes
     * a client that ends its half with or without a Close, or drops the WebSocket mid-message. On
     * h1 the half is TCP (FIN, RST); on h2 the stream (END_STREAM, RST_STREAM), which must leave
     * the connection usable.
     */
    private static void closingExtras(List<Case> all) {
        String s = RFC + "7.1.1, 7.1.5; RFC 8441 5.1";
        all.add(Case.of("7.90.1", s, "text, then Close and the end of our half together: echo, Close 1000, clean end")
                .does(p -> {
                    p.send(p.frame(TEXT, "Hello World!"));
                    p.awaitCount(1, 2000);
                    p.sendClose(1000);
                    p.halfClose();
                })
                .expect(Ev.text("Hello World!")).clientClosesInActions(true, 1000).extra());
        all.add(Case.of("7.90.2", s, "first fragment, then the end of our half without a Close: the server ends its side")
                .does(p -> {
                    p.send(p.frame(false, TEXT, "fragment1"));
                    Peer.pause(20);
                    p.halfClose();
                })
                .expect().abrupt(true).extra());
        all.add(Case.of("7.90.3", s, "first fragment, then a reset: the server releases the socket")
                .does(p -> {
                    p.send(p.frame(false, TEXT, "fragment1"));
                    Peer.pause(20);
                    p.reset();
                })
                .expect().abrupt(false).extra());
        all.add(Case.of("7.90.4", s, "Close, then a reset at once: the server releases the socket")
                .does(p -> {
                    p.sendClose(1000);
                    p.reset();
                })
                .expect().abrupt(false).extra());
        all.add(Case.of("7.90.5", s, "1 MiB binary message, then a reset while the echo is on its way: the server releases the socket")
                .does(p -> {
                    p.send(p.frame(BINARY, fill(0xFE, 1 << 20)));
                    Peer.pause(5);
                    p.reset();
                })
                .expect().orNonStrict("the echo was read before the reset", List.of(Ev.binary(fill(0xFE, 1 << 20))))
                .informational().abrupt(false).extra());
    }

    // ------------------------------------------------------------------ 10 auto-fragmentation

    private static void autoFragment(List<Case> all) {
        all.add(Case.of("10.1.1", RFC + "5.4", "text message of 65536 octets in frames of 1300 octets")
                .does(p -> p.sendMessage(false, stars(65536), 1300))
                .expect(Ev.text(stars(65536))));
    }

    // ------------------------------------------------------------------ 9 bulk

    private static void bulk(List<Case> all) {
        String s = RFC + "5.6 (bulk)";
        byte[] textPattern = u("BAsd7&jh23");
        byte[] binPattern = bytes(0x00, 0xfe, 0x23, 0xfa, 0xf0);
        int mib = 1 << 20;
        all.add(Case.of("9.1.3", s, "text message of 1 MiB")
                .does(p -> p.send(p.frame(TEXT, pattern(textPattern, mib))))
                .expect(Ev.text(pattern(textPattern, mib))).eventTimeout(10_000));
        all.add(Case.of("9.1.6", s, "text message of 16 MiB (serve's default message limit)")
                .does(p -> p.send(p.frame(TEXT, pattern(textPattern, 16 * mib))))
                .expect(Ev.text(pattern(textPattern, 16 * mib))).eventTimeout(20_000));
        all.add(Case.of("9.2.3", s, "binary message of 1 MiB")
                .does(p -> p.send(p.frame(BINARY, pattern(binPattern, mib))))
                .expect(Ev.binary(pattern(binPattern, mib))).eventTimeout(10_000));
        all.add(Case.of("9.2.6", s, "binary message of 16 MiB (serve's default message limit)")
                .does(p -> p.send(p.frame(BINARY, pattern(binPattern, 16 * mib))))
                .expect(Ev.binary(pattern(binPattern, 16 * mib))).eventTimeout(20_000));
        all.add(Case.of("9.3.1", s, "text message of 4 MiB in fragments of 64 octets")
                .does(p -> p.sendMessage(false, stars(4 * mib), 64))
                .expect(Ev.text(stars(4 * mib))).eventTimeout(10_000));
        all.add(Case.of("9.4.1", s, "binary message of 4 MiB in fragments of 64 octets")
                .does(p -> p.sendMessage(true, fill(0xFE, 4 * mib), 64))
                .expect(Ev.binary(fill(0xFE, 4 * mib))).eventTimeout(10_000));
        all.add(Case.of("9.5.1", s, "text message of 1 MiB sent in chops of 64 octets")
                .does(p -> p.sendChopped(64, p.frame(TEXT, pattern(textPattern, mib))))
                .expect(Ev.text(pattern(textPattern, mib))).eventTimeout(10_000));
        all.add(Case.of("9.6.1", s, "binary message of 1 MiB sent in chops of 64 octets")
                .does(p -> p.sendChopped(64, p.frame(BINARY, pattern(binPattern, mib))))
                .expect(Ev.binary(pattern(binPattern, mib))).eventTimeout(10_000));
        int[][] roundTrips = {{1, 0}, {3, 64}, {6, 4096}};
        for (int[] rt : roundTrips) {
            for (boolean binary : new boolean[] {false, true}) {
                int size = rt[1];
                String id = (binary ? "9.8." : "9.7.") + rt[0];
                List<Ev> expected = new ArrayList<>();
                byte[] payload = binary ? fill(0xFE, size) : stars(size);
                for (int i = 0; i < 1000; i++) {
                    expected.add(binary ? Ev.binary(payload) : Ev.text(payload));
                }
                all.add(Case.of(id, s, "1000 " + (binary ? "binary" : "text") + " messages of " + size + " octets, one at a time")
                        .does(p -> {
                            for (int i = 0; i < 1000; i++) {
                                p.send(p.frame(binary ? BINARY : TEXT, payload));
                                if (!p.awaitCount(i + 1, 5000)) {
                                    return;
                                }
                            }
                        })
                        .expect(expected).eventTimeout(10_000));
            }
        }
    }

    // ------------------------------------------------------------------ 12, 13 permessage-deflate

    /** Autobahn's default client offer: PerMessageDeflateOffer() (client_no_context_takeover and client_max_window_bits accepted). */
    static final String DEFAULT_OFFER = "permessage-deflate; client_no_context_takeover; client_max_window_bits";

    /** (payload size, auto-fragment size) pairs from Autobahn's MSG_SIZES, a subset. */
    private static final int[][] SIZES = {
        {1, 16, 0}, {4, 1024, 0}, {7, 16384, 0}, {10, 131072, 0}, {11, 8192, 256}, {15, 131072, 256}, {18, 131072, 32768},
    };

    private static void deflate(List<Case> all) {
        String s = "RFC 7692 7.2";
        byte[] json = Corpus.json();
        byte[] bitmap = Corpus.bitmap();
        byte[] html = Corpus.html();
        Object[][] data = {
            {1, "JSON text", json, false},
            {2, "bitmap (binary)", bitmap, true},
            {4, "HTML text", html, false},
        };
        for (Object[] d : data) {
            for (int[] size : SIZES) {
                all.add(deflateCase("12." + d[0] + "." + size[0], s, (String) d[1], (byte[]) d[2], (boolean) d[3],
                        size[1], size[2], DEFAULT_OFFER, true, "default offer"));
            }
        }
        String[][] offers = {
            {DEFAULT_OFFER, "true", "default offer"},
            {DEFAULT_OFFER + "; server_no_context_takeover", "true", "server_no_context_takeover"},
            // java.util.zip cannot compress with less than a 15-bit window; RFC 7692 section 7.1.2.1
            // lets the server decline such an offer, which Autobahn grades UNIMPLEMENTED
            {DEFAULT_OFFER + "; server_max_window_bits=9", "false", "server_max_window_bits=9"},
            {DEFAULT_OFFER + "; server_max_window_bits=15", "true", "server_max_window_bits=15"},
            {DEFAULT_OFFER + "; server_no_context_takeover; server_max_window_bits=9", "false",
                "server_no_context_takeover, server_max_window_bits=9"},
            {DEFAULT_OFFER + "; server_no_context_takeover; server_max_window_bits=15", "true",
                "server_no_context_takeover, server_max_window_bits=15"},
            {DEFAULT_OFFER + "; server_no_context_takeover; server_max_window_bits=9, " + DEFAULT_OFFER
                + "; server_no_context_takeover, " + DEFAULT_OFFER, "true", "three offers, the first one declined"},
        };
        deflateExtras(all);
        int[][] sizes13 = {{1, 16, 0}, {4, 1024, 0}, {10, 131072, 0}, {15, 131072, 256}};
        for (int j = 0; j < offers.length; j++) {
            for (int[] size : sizes13) {
                all.add(deflateCase("13." + (j + 1) + "." + size[0], s + ", 7.1", "JSON text", json, false,
                        size[1], size[2], offers[j][0], Boolean.parseBoolean(offers[j][1]), offers[j][2]));
            }
        }
    }

    /**
     * Not Autobahn cases: the receive rules of RFC 7692 that its 12.x/13.x cases do not reach
     * (they only send well-formed compressed messages with client_no_context_takeover agreed).
     */
    private static void deflateExtras(List<Case> all) {
        String s = "RFC 7692 6.1, 7.2";
        String offer = DEFAULT_OFFER;
        all.add(Case.of("12.90.1", s + "; RFC 6455 8.1", "compressed text that inflates to invalid UTF-8: fail with 1007")
                .offer(offer, true)
                .does(p -> p.send(p.frame(true, 4, TEXT, p.deflate().compress(hex("cebae1bdb9cf83cebcceb5eda080656469746564")))))
                .expect().serverFails(1007).extra());
        all.add(Case.of("12.90.2", s, "compressed message with RSV1 on its continuation frame too: fail with 1002")
                .offer(offer, true)
                .does(p -> {
                    byte[] z = p.deflate().compress(stars(1000));
                    int half = z.length / 2;
                    p.send(p.frame(false, 4, TEXT, Arrays.copyOfRange(z, 0, half)), p.frame(true, 4, CONT, Arrays.copyOfRange(z, half, z.length)));
                })
                .expect().serverFails(1002).extra());
        all.add(Case.of("12.90.3", s, "ping with RSV1: fail with 1002")
                .offer(offer, true)
                .does(p -> p.send(p.frame(true, 4, PING, u("ping"))))
                .expect().serverFails(1002).extra());
        all.add(Case.of("12.90.4", s, "compressed message in 3 fragments with a ping between them")
                .offer(offer, true)
                .does(p -> {
                    byte[] z = p.deflate().compress(Corpus.slices(Corpus.json(), false, 4000, 1).get(0));
                    int a = z.length / 3;
                    int b = 2 * z.length / 3;
                    p.send(p.frame(false, 4, TEXT, Arrays.copyOfRange(z, 0, a)), p.frame(false, 0, CONT, Arrays.copyOfRange(z, a, b)),
                            p.frame(PING, "between"), p.frame(true, 0, CONT, Arrays.copyOfRange(z, b, z.length)));
                })
                .expect(Ev.pong("between"), Ev.text(Corpus.slices(Corpus.json(), false, 4000, 1).get(0))).extra());
        all.add(Case.of("12.90.5", s, "uncompressed messages (RSV1 clear) in a compressing session are echoed")
                .offer(offer, true)
                .does(p -> p.send(p.frame(TEXT, "plain text"), p.frame(BINARY, fill(0xAB, 300))))
                .expect(Ev.text("plain text"), Ev.binary(fill(0xAB, 300))).extra());
        all.add(Case.of("12.90.6", s, "empty compressed text and binary messages")
                .offer(offer, true)
                .does(p -> {
                    p.sendMessage(false, new byte[0], 0);
                    p.sendMessage(true, new byte[0], 0);
                    p.send(p.frame(true, 4, TEXT, new byte[] {0x00})); // section 7.2.3.6: an empty message as one 0x00
                })
                .expect(Ev.text(""), Ev.binary(new byte[0]), Ev.text("")).extra());
        all.add(Case.of("12.90.7", s + "; RFC 6455 7.4.1", "17 MiB of zeros in 17 KiB compressed (over the 16 MiB limit): fail with 1009")
                .offer(offer, true)
                .does(p -> p.send(p.frame(true, 4, BINARY, p.deflate().compress(new byte[17 << 20]))))
                .expect().serverFails(1009).extra());
        // RFC 7692 section 7.2.2 says to fail the connection but names no code; 1007 (data
        // inconsistent with the message) is what the server sends, 1002 would do as well
        all.add(Case.of("12.90.8", s, "compressed message that is not DEFLATE data: fail (1007 or 1002)")
                .offer(offer, true)
                .does(p -> p.send(p.frame(true, 4, BINARY, fill(0xFF, 64))))
                .expect().serverFails(1007, 1002).extra());
        for (String[] o : new String[][] {{"12.90.9", "permessage-deflate"}, {"12.90.10", "permessage-deflate; client_max_window_bits"}}) {
            all.add(deflateCase(o[0], s, "JSON text", Corpus.json(), false, 1024, 0, o[1], true,
                    "offer \"" + o[1] + "\" (client context takeover)").extra());
        }
    }

    private static Case deflateCase(String id, String section, String dataName, byte[] corpus, boolean binary,
                                    int len, int fragment, String offer, boolean mustNegotiate, String offerName) {
        int count = len <= 16384 ? 100 : 25;
        List<Ev> expected = new ArrayList<>();
        for (byte[] m : Corpus.slices(corpus, binary, len, count)) {
            expected.add(binary ? Ev.binary(m) : Ev.text(m));
        }
        String data = dataName; // the corpus is made again when the case runs: cases stay small on the heap
        return Case.of(id, section, count + " compressed " + dataName + " messages of " + len + " octets"
                        + (fragment > 0 ? ", fragments of " + fragment : "") + ", " + offerName)
                .offer(offer, mustNegotiate)
                .does(p -> {
                    List<byte[]> messages = Corpus.slices(Corpus.named(data), binary, len, count);
                    for (int i = 0; i < messages.size(); i++) {
                        p.sendMessage(binary, messages.get(i), fragment);
                        if (!p.awaitCount(i + 1, 5000)) {
                            return;
                        }
                    }
                })
                .expect(expected).eventTimeout(10_000);
    }

    /** Deterministic stand-ins for Autobahn's test files (not copied): text with structure, and an image-like bitmap. */
    static final class Corpus {
        private Corpus() {}

        static byte[] named(String dataName) {
            return switch (dataName) {
                case "JSON text" -> json();
                case "HTML text" -> html();
                case "bitmap (binary)" -> bitmap();
                default -> throw new IllegalArgumentException(dataName);
            };
        }

        static byte[] json() {
            Random r = new Random(12);
            StringBuilder b = new StringBuilder("[");
            String[] words = {"alpha", "beta", "gamma", "delta", "omega", "websocket", "stream", "frame", "deflate", "window"};
            while (b.length() < 300_000) {
                b.append("{\"id\":").append(r.nextInt(100000)).append(",\"name\":\"").append(words[r.nextInt(words.length)])
                        .append('-').append(words[r.nextInt(words.length)]).append("\",\"score\":").append(r.nextDouble())
                        .append(",\"tags\":[\"").append(words[r.nextInt(words.length)]).append("\",\"")
                        .append(words[r.nextInt(words.length)]).append("\"],\"ok\":").append(r.nextBoolean()).append("},\n");
            }
            return u(b.append("{}]").toString());
        }

        static byte[] html() {
            Random r = new Random(13);
            StringBuilder b = new StringBuilder("<!doctype html><html><body>\n");
            String[] words = {"Stra\u00dfe", "Gr\u00fc\u00dfe", "\u03ba\u03cc\u03c3\u03bc\u03b5", "caf\u00e9", "na\u00efve",
                "\u65e5\u672c", "text", "message", "frame", "\ud83d\ude00"};
            while (b.length() < 300_000) {
                b.append("<p class=\"c").append(r.nextInt(10)).append("\">");
                for (int i = 0; i < 12; i++) {
                    b.append(words[r.nextInt(words.length)]).append(' ');
                }
                b.append("</p>\n");
            }
            return u(b.append("</body></html>").toString());
        }

        static byte[] bitmap() {
            Random r = new Random(14);
            byte[] b = new byte[512 * 512];
            for (int y = 0; y < 512; y++) {
                for (int x = 0; x < 512; x++) {
                    double v = 128 + 60 * Math.sin(x / 23.0) + 50 * Math.cos(y / 17.0) + r.nextGaussian() * 6;
                    b[y * 512 + x] = (byte) Math.max(0, Math.min(255, (int) v));
                }
            }
            return b;
        }

        /**
         * {@code count} consecutive slices of {@code len} units, wrapping around (Autobahn's
         * payloadRXPtr); text is sliced by code points so that every slice is valid UTF-8.
         */
        static List<byte[]> slices(byte[] corpus, boolean binary, int len, int count) {
            List<byte[]> out = new ArrayList<>();
            if (binary) {
                int ptr = 0;
                for (int i = 0; i < count; i++) {
                    byte[] m = new byte[len];
                    for (int k = 0; k < len; k++) {
                        m[k] = corpus[(ptr + k) % corpus.length];
                    }
                    ptr = (ptr + len) % corpus.length;
                    out.add(m);
                }
                return out;
            }
            int[] cps = new String(corpus, StandardCharsets.UTF_8).codePoints().toArray();
            int ptr = 0;
            for (int i = 0; i < count; i++) {
                StringBuilder b = new StringBuilder();
                for (int k = 0; k < len; k++) {
                    b.appendCodePoint(cps[(ptr + k) % cps.length]);
                }
                ptr = (ptr + len) % cps.length;
                out.add(u(b.toString()));
            }
            return out;
        }
    }
}
