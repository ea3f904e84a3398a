package io.h2ws.conformance;

import java.util.ArrayList;
import java.util.List;

/**
 * One Autobahn-style case: what the client does, which event sequences count as passing (Autobahn's
 * "OK" and, where the spec allows it, "NON-STRICT"), and how the connection must close: who
 * starts the closing handshake, the close codes the server may send, and whether the end must be
 * clean (h1 FIN after the close handshake, h2 END_STREAM) rather than a reset.
 */
final class Case {

    /** Autobahn's verdicts. */
    enum Result { OK, NON_STRICT, INFORMATIONAL, UNIMPLEMENTED, FAILED }

    /** Who closes. */
    enum CloseBy {
        /** The server fails the connection on its own (Autobahn's closedByMe = False). */
        SERVER,
        /** Once the expected events are in, the client sends Close(1000) (closedByMe = True). */
        CLIENT_AFTER_EVENTS,
        /** The case's actions send the client's Close themselves (closedByMe = True). */
        CLIENT_IN_ACTIONS,
        /**
         * No closing handshake: the client ends its half without a Close, or resets. The server
         * may send a Close (any valid code) or none; it must end its side if {@link #expectEnd}, and
         * release the socket either way.
         */
        ABRUPT
    }

    interface Actions {
        void run(Peer p) throws Exception;
    }

    final String id;
    final String section;
    final String title;
    Actions actions = p -> { };
    List<Peer.Ev> ok = List.of();
    List<List<Peer.Ev>> nonStrict = new ArrayList<>();
    String nonStrictWhy;
    boolean informational;
    CloseBy closeBy = CloseBy.CLIENT_AFTER_EVENTS;
    int[] codes = {1000};
    boolean requireClean = true;
    /** permessage-deflate offer (Sec-WebSocket-Extensions), or null. */
    String offer;
    /** With an offer: true if the server must accept it, false if it must decline it (Autobahn UNIMPLEMENTED). */
    Boolean mustNegotiate;
    long eventTimeoutMs = 3000;
    boolean expectEnd = true;
    /** Not an Autobahn case: an h2ws addition in the same style (listed apart in the summary). */
    boolean extra;

    private Case(String id, String section, String title) {
        this.id = id;
        this.section = section;
        this.title = title;
    }

    static Case of(String id, String section, String title) {
        return new Case(id, section, title);
    }

    Case does(Actions a) {
        this.actions = a;
        return this;
    }

    Case expect(Peer.Ev... events) {
        this.ok = List.of(events);
        return this;
    }

    Case expect(List<Peer.Ev> events) {
        this.ok = List.copyOf(events);
        return this;
    }

    /** An outcome Autobahn grades NON-STRICT: allowed by RFC 6455, not the preferred one. */
    Case orNonStrict(String why, List<Peer.Ev> events) {
        this.nonStrict.add(List.copyOf(events));
        this.nonStrictWhy = why;
        return this;
    }

    /** Autobahn INFORMATIONAL: the spec leaves the outcome open; only the close rules are checked. */
    Case informational() {
        this.informational = true;
        return this;
    }

    /** The server must fail the connection with one of these codes. */
    Case serverFails(int... codes) {
        this.closeBy = CloseBy.SERVER;
        this.codes = codes;
        this.requireClean = false;
        return this;
    }

    /** The actions send our Close; the server answers with one of these codes. */
    Case clientClosesInActions(boolean requireClean, int... codes) {
        this.closeBy = CloseBy.CLIENT_IN_ACTIONS;
        this.codes = codes;
        this.requireClean = requireClean;
        return this;
    }

    /** No closing handshake (see {@link CloseBy#ABRUPT}); {@code expectEnd}: the server must end its side within 1 s. */
    Case abrupt(boolean expectEnd) {
        this.closeBy = CloseBy.ABRUPT;
        this.codes = new int[0];
        this.requireClean = false;
        this.expectEnd = expectEnd;
        return this;
    }

    Case extra() {
        this.extra = true;
        return this;
    }

    Case offer(String offer, boolean mustNegotiate) {
        this.offer = offer;
        this.mustNegotiate = mustNegotiate;
        return this;
    }

    Case eventTimeout(long ms) {
        this.eventTimeoutMs = ms;
        return this;
    }

    int category() {
        return Integer.parseInt(id.substring(0, id.indexOf('.')));
    }

    List<List<Peer.Ev>> allowed() {
        List<List<Peer.Ev>> all = new ArrayList<>();
        all.add(ok);
        all.addAll(nonStrict);
        return all;
    }

    String display() {
        return id + " " + (extra ? "(h2ws, not Autobahn) " : "") + title + " [" + section + "]";
    }

    @Override
    public String toString() {
        return display();
    }
}
