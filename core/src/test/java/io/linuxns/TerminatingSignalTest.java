package io.linuxns;

import org.junit.jupiter.api.Test;

import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NamespacedProcess#terminatingSignal()}: a death by a signal and an exit with 128 + that
 * signal give the same {@code exitValue()}, and only this tells them apart.
 */
class TerminatingSignalTest {

    @Test
    void aSignalDeathIsTold() throws Exception {
        NamespacedProcess p = new NamespacedProcessBuilder("/bin/sh", "-c", "kill -TERM $$").start();
        assertEquals(143, p.waitFor());
        assertEquals(OptionalInt.of(15), p.terminatingSignal());
    }

    @Test
    void anExitWithTheSameValueIsAnExit() throws Exception {
        NamespacedProcess p = new NamespacedProcessBuilder("/bin/sh", "-c", "exit 143").start();
        assertEquals(143, p.waitFor());
        assertEquals(OptionalInt.empty(), p.terminatingSignal());
    }

    @Test
    void aCoreDumpingSignalAndSigkillThroughTheHelper() throws Exception {
        // SIGQUIT dumps core (CLD_DUMPED where core dumps are on): still the signal. Through the
        // helper path (a new UTS namespace with a hostname) and seen by the reaper (onExit), not waitFor.
        NamespacedProcess quit = new NamespacedProcessBuilder("/bin/sh", "-c", "ulimit -c 0; kill -QUIT $$")
                .unshare(NamespaceType.UTS).hostname("quit").mapRootToCurrentUser().start();
        quit.onExit().get(30, TimeUnit.SECONDS);
        assertEquals(OptionalInt.of(3), quit.terminatingSignal());
        assertEquals(131, quit.exitValue());

        NamespacedProcess sleeper = new NamespacedProcessBuilder("sleep", "60").start();
        sleeper.destroyForcibly();
        assertTrue(sleeper.waitFor(30, TimeUnit.SECONDS));
        assertEquals(OptionalInt.of(9), sleeper.terminatingSignal());
    }

    @Test
    void sendSignalSendsThatSignal() throws Exception {
        NamespacedProcess p = new NamespacedProcessBuilder("sleep", "60").start();
        assertThrows(IllegalArgumentException.class, () -> p.sendSignal(0));
        assertThrows(IllegalArgumentException.class, () -> p.sendSignal(65));
        assertTrue(p.sendSignal(10));
        assertEquals(128 + 10, p.waitFor());
        assertEquals(OptionalInt.of(10), p.terminatingSignal());
        assertEquals(false, p.sendSignal(15), "sent to a reaped process");
    }

    @Test
    void notYetTerminated() throws Exception {
        NamespacedProcess p = new NamespacedProcessBuilder("sleep", "60").start();
        try {
            assertThrows(IllegalThreadStateException.class, p::terminatingSignal);
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Test
    void anInitExitsWith128PlusTheCommandsSignal() throws Exception {
        // The init is not killed with its command: it exits, as documented.
        NamespacedProcess p = new NamespacedProcessBuilder("/bin/sh", "-c", "kill -TERM $$")
                .mapRootToCurrentUser().unshare(NamespaceType.PID).init(true).start();
        assertEquals(143, p.waitFor());
        assertEquals(OptionalInt.empty(), p.terminatingSignal());
    }
}
