package io.linuxns;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pipe streams become {@code java.io} streams on their first read or write only
 * (PipeStreams.End): each way a stream can be used first behaves as the JDK's process streams.
 */
class LazyPipeStreamsTest {
    @Test
    void closedBeforeAnyUseAStreamRefusesReadsAndWrites() throws Exception {
        Process p = new NamespacedProcessBuilder("/bin/sh", "-c", "echo err >&2").start();
        InputStream out = p.getInputStream();
        OutputStream in = p.getOutputStream();
        out.close();
        in.close();
        out.close(); // twice is fine, as for the JDK's
        assertThrows(IOException.class, out::read);
        assertThrows(IOException.class, out::available);
        assertThrows(IOException.class, () -> {
            in.write('x');
            in.flush();
        });
        assertEquals("err\n", new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, p.waitFor());
    }

    @Test
    void availableBeforeTheFirstReadSeesWhatIsWaiting() throws Exception {
        Process p = new NamespacedProcessBuilder("/bin/sh", "-c", "printf abc; exec sleep 5").start();
        try {
            InputStream out = p.getInputStream();
            assertEquals(0, p.getErrorStream().available(), "nothing written there");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (out.available() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
            assertTrue(out.available() > 0, "three bytes are waiting");
            assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), out.readNBytes(3));
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    @Test
    void writtenFirstAStdinPipeReachesTheCommand() throws Exception {
        Process p = new NamespacedProcessBuilder("cat").start();
        p.getOutputStream().write("through\n".getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertEquals("through\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, p.waitFor());
    }

    @Test
    void outputNobodyReadBeforeTheExitIsKeptAndUntouchedStreamsLeaveNoDescriptor() throws Exception {
        Set<String> fds = TestSupport.openFds();
        for (int i = 0; i < 20; i++) {
            Process p = new NamespacedProcessBuilder("/bin/sh", "-c", "echo kept").start();
            assertEquals(0, p.waitFor());
            // Drained into memory at the exit: still readable, with the pipe closed.
            assertEquals("kept\n", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            new NamespacedProcessBuilder("true").start().waitFor(); // streams never touched
        }
        assertEquals(Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }
}
