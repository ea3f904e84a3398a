package io.h2ws.core.internal.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The memory budget's arithmetic and wake-ups, with an executor that runs tasks where they are queued. */
class ByteBudgetTest {

    final List<String> woken = new ArrayList<>();

    @Test
    void aChildCountsAgainstItsParentAndEitherCanBeFull() {
        ByteBudget server = ByteBudget.root("server", 100, Runnable::run);
        ByteBudget a = server.child("a", 60);
        ByteBudget b = server.child("b", 60);
        a.add(50);
        assertTrue(a.hasRoom(10));
        assertFalse(a.hasRoom(11), "the connection's own limit");
        b.add(45);
        assertFalse(b.hasRoom(10), "the server's limit: 95 + 10 > 100");
        assertEquals(95, server.used());
        assertFalse(b.exhausted());
        b.add(10); // bytes that exist are counted, even past the limit
        assertTrue(b.exhausted(), "the server is used up");
        assertTrue(a.exhausted(), "so is every connection within it");
        a.add(-50);
        b.add(-55);
        assertEquals(0, server.used());
        assertEquals(105, server.peak());
    }

    @Test
    void aWaiterIsWokenWhenTheFullBudgetGivesBackRoomNotBefore() {
        ByteBudget server = ByteBudget.root("server", 100, Runnable::run);
        ByteBudget a = server.child("a", 50);
        ByteBudget b = server.child("b", 80);
        a.add(50);
        a.whenRoom(() -> woken.add("a"));
        assertEquals(List.of(), woken);
        b.add(60); // the server is full too: 110
        a.add(-10); // room in a, but not in the server: a's waiter re-checks and waits on the server
        assertEquals(List.of("a"), woken, "woken by its own budget's release");
        woken.clear();
        a.whenRoom(() -> woken.add("a2"));
        assertEquals(List.of(), woken, "the server is still full");
        b.add(-60);
        assertEquals(List.of("a2"), woken);
    }

    @Test
    void onlySendQueuesRefuseSends() {
        ByteBudget server = ByteBudget.root("server", 100, Runnable::run);
        ByteBudget a = server.child("a", 60);
        a.add(60); // received bytes held for a listener: reading stops...
        assertTrue(a.exhausted());
        assertTrue(a.hasSendRoom(60), "...but the sends that let the listener go on are not refused");
        a.addSend(50);
        assertFalse(a.hasSendRoom(11));
        assertEquals(110, server.used());
        a.addSend(-50);
        a.add(-60);
        assertEquals(0, server.used());
    }

    @Test
    void roomNowRunsAtOnce() {
        ByteBudget root = ByteBudget.root("r", 10, Runnable::run);
        root.whenRoom(() -> woken.add("now"));
        assertEquals(List.of("now"), woken);
        assertThrows(IllegalArgumentException.class, () -> ByteBudget.root("r", 0, Runnable::run));
    }
}
