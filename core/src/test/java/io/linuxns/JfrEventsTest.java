package io.linuxns;

import io.linuxns.internal.jfr.Events;
import io.linuxns.internal.spawn.Request;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The JFR events, recorded in this JVM with {@link Recording} and read back from the file with
 * {@link RecordingFile}: what a user gets from {@code -XX:StartFlightRecording} and {@code jfr print}.
 */
@ExtendWith(ThreadNamespaceGuard.class)
class JfrEventsTest {
    @TempDir
    Path dir;

    /**
     * Loads the event classes before any recording starts, as in a JVM that {@code jcmd PID
     * JFR.start} attaches to later: the events must appear all the same.
     */
    @org.junit.jupiter.api.BeforeAll
    static void spawnAndEnterBeforeRecording() throws Exception {
        TestSupport.warmUp();
        if (TestSupport.isRoot()) NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS)).close();
    }

    /** Wall time around one call on this thread: the event's duration must fit inside it. */
    private record Timed<T>(T value, Duration wall) {}

    private static <T> Timed<T> timed(Callable<T> call) throws Exception {
        long t0 = System.nanoTime();
        T v = call.call();
        return new Timed<>(v, Duration.ofNanos(System.nanoTime() - t0));
    }

    private static Duration timedFailure(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call) {
        long t0 = System.nanoTime();
        assertThrows(type, call);
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    private List<RecordedEvent> record(String event, Callable<Void> work) throws Exception {
        Path file = dir.resolve("events.jfr");
        try (Recording r = new Recording()) {
            r.enable(event).withStackTrace();
            r.start();
            work.call();
            r.stop();
            r.dump(file);
        }
        return RecordingFile.readAllEvents(file).stream().filter(e -> e.getEventType().getName().equals(event)).toList();
    }

    private static void assertOnThisThreadWithin(RecordedEvent e, Duration wall) {
        assertEquals(Thread.currentThread().threadId(), e.getThread().getJavaThreadId(), e.toString());
        assertTrue(!e.getDuration().isNegative() && !e.getDuration().isZero(), "duration " + e.getDuration());
        assertTrue(e.getDuration().compareTo(wall) <= 0, "event lasted " + e.getDuration() + ", the call " + wall);
    }

    private static boolean calledFrom(RecordedEvent e, String type, String method) {
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            if (f.getMethod().getType().getName().equals(type) && f.getMethod().getName().equals(method)) return true;
        }
        return false;
    }

    @Test
    void spawnEventsNameTheNamespacesThePidAndTheFailingStep() throws Exception {
        assumeTrue(TestSupport.isRoot(), "needs root: new UTS/PID/MOUNT namespaces without a user namespace");
        Duration[] wall = new Duration[3];
        long[] pid = new long[1];
        String[] joined = new String[1];
        List<RecordedEvent> events = record("linuxns.Spawn", () -> {
            try (Namespace net = Namespace.ofCurrentThread(NamespaceType.NETWORK)) {
                joined[0] = net.toString();
                Timed<Process> ok = timed(() -> new NamespacedProcessBuilder("true", "a b")
                        .unshare(NamespaceType.UTS, NamespaceType.PID, NamespaceType.MOUNT).init(true).join(net).start());
                wall[0] = ok.wall();
                pid[0] = ok.value().pid();
                assertEquals(0, ok.value().waitFor());
            }
            wall[1] = timedFailure(NamespaceException.class, () -> new NamespacedProcessBuilder("true")
                    .unshare(NamespaceType.MOUNT).tmpfs(Path.of("/no/such/mount/point")).start());
            wall[2] = timedFailure(ExecFailedException.class, () -> new NamespacedProcessBuilder("no-such-program-x").start());
            return null;
        });
        assertEquals(3, events.size(), events.toString());

        RecordedEvent ok = events.get(0);
        assertEquals("true a b", ok.getString("command"));
        assertEquals("MOUNT, UTS, PID", ok.getString("newNamespaces")); // NamespaceType order
        assertEquals(joined[0], ok.getString("joinedNamespaces"));
        assertTrue(ok.getBoolean("init"));
        assertEquals(pid[0], ok.getLong("pid"));
        assertNull(ok.getString("failure"));
        assertNull(ok.getString("failedStep"));
        assertEquals(0, ok.getInt("errno"));
        assertOnThisThreadWithin(ok, wall[0]);
        assertTrue(calledFrom(ok, NamespacedProcessBuilder.class.getName(), "start"), "stack trace of " + ok);

        RecordedEvent mount = events.get(1);
        assertEquals("MOUNT", mount.getString("newNamespaces"));
        assertEquals("", mount.getString("joinedNamespaces"));
        assertEquals(0, mount.getLong("pid"));
        assertTrue(mount.getString("failedStep").matches("child step \\d+ \\(mount a tmpfs\\)"), mount.getString("failedStep"));
        assertTrue(mount.getString("failedCall").startsWith("mount(\"tmpfs\", \"/no/such/mount/point\""), mount.getString("failedCall"));
        assertEquals(2, mount.getInt("errno"));
        assertEquals("ENOENT", mount.getString("errnoName"));
        assertTrue(mount.getString("failure").startsWith(NamespaceException.class.getName() + ": child step"), mount.getString("failure"));
        assertOnThisThreadWithin(mount, wall[1]);

        RecordedEvent exec = events.get(2);
        assertEquals("", exec.getString("newNamespaces"));
        assertEquals("execute", exec.getString("failedStep"));
        assertEquals("ENOENT", exec.getString("errnoName"));
        assertTrue(exec.getString("failure").contains("Cannot run program \"no-such-program-x\""), exec.getString("failure"));
        assertOnThisThreadWithin(exec, wall[2]);
    }

    @Test
    void namespaceEnterEventsNameTheOperationTheExecutorsThreadAndTheFailure() throws Exception {
        assumeTrue(TestSupport.isRoot(), "needs root: a thread unsharing UTS needs CAP_SYS_ADMIN");
        // PID_MAX_LIMIT (2^22 on 64-bit): pid_max never exceeds it, so no process has this pid and
        // pidfd_open fails with ESRCH whatever runs meanwhile.
        long noSuchPid = 4_194_304;
        Duration[] wall = new Duration[3];
        String[] thread = new String[2];
        String[] joined = new String[1];
        List<RecordedEvent> events = record("linuxns.NamespaceEnter", () -> {
            Timed<NamespaceExecutor> uts = timed(() -> NamespaceExecutor.unshare(EnumSet.of(NamespaceType.UTS, NamespaceType.IPC)));
            wall[0] = uts.wall();
            try (NamespaceExecutor box = uts.value(); Namespace ns = box.namespace(NamespaceType.UTS)) {
                thread[0] = box.thread().getName();
                joined[0] = ns.toString();
                Timed<NamespaceExecutor> join = timed(() -> NamespaceExecutor.join(ns));
                wall[1] = join.wall();
                thread[1] = join.value().thread().getName();
                join.value().close();
            }
            wall[2] = timedFailure(NamespaceException.class, () -> {
                NamespaceExecutor x = NamespaceExecutor.join(noSuchPid, EnumSet.of(NamespaceType.NETWORK));
                x.close();
                    });
            return null;
        });
        assertEquals(3, events.size(), events.toString());

        RecordedEvent unshare = events.get(0);
        assertEquals("unshare", unshare.getString("operation"));
        assertEquals("UTS, IPC", unshare.getString("namespaces"));
        assertNull(unshare.getString("joined"));
        assertEquals(thread[0], unshare.getThread("executorThread").getJavaName());
        assertNull(unshare.getString("failure"));
        assertOnThisThreadWithin(unshare, wall[0]);
        assertTrue(calledFrom(unshare, NamespaceExecutor.class.getName(), "unshare"), "stack trace of " + unshare);

        RecordedEvent join = events.get(1);
        assertEquals("join", join.getString("operation"));
        assertEquals("UTS", join.getString("namespaces"));
        assertEquals(joined[0], join.getString("joined"));
        assertEquals(thread[1], join.getThread("executorThread").getJavaName());
        assertFalse(thread[0].equals(thread[1]));
        assertOnThisThreadWithin(join, wall[1]);

        RecordedEvent failed = events.get(2);
        assertEquals("join pid", failed.getString("operation"));
        assertEquals("NETWORK", failed.getString("namespaces"));
        assertEquals(noSuchPid, failed.getLong("targetPid"));
        assertNotNull(failed.getThread("executorThread"), "the thread that tried");
        assertTrue(failed.getString("failedCall").startsWith("pidfd_open("), failed.getString("failedCall"));
        assertEquals("ESRCH", failed.getString("errnoName"));
        assertTrue(failed.getString("failure").contains("ESRCH"), failed.getString("failure"));
        assertOnThisThreadWithin(failed, wall[2]);
    }

    /**
     * Without a recording no event class is even loaded: the first load of a jdk.jfr.Event
     * subclass builds JFR's metadata, which costs a JVM that never records more than a second on a
     * loaded machine (startup of the command, first spawn). Checked in a fresh JVM's class loading log.
     */
    @Test
    void withoutARecordingNoEventClassIsLoaded() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xshare:auto", "-Xlog:class+load=info:stdout",
                "-cp", System.getProperty("java.class.path"), JfrOffProbe.class.getName()).redirectErrorStream(true).start();
        List<String> loaded = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", loaded.subList(Math.max(0, loaded.size() - 20), loaded.size())));
        assertTrue(loaded.contains("probe done"), "the probe ran");
        assertTrue(loaded.stream().anyMatch(l -> l.contains(" io.linuxns.internal.jfr.Events ")), "the hooks ran");
        List<String> events = loaded.stream().filter(l -> l.contains(" jdk.jfr.Event ") || l.contains("Event source:")
                && l.contains("io.linuxns.internal.jfr.")).toList();
        assertEquals(List.of(), events, "event classes loaded without a recording");
    }

    /**
     * A runtime without the jdk.jfr module (a jlink image of java.base) still spawns and makes
     * executors: core requires jdk.jfr only statically and never touches it there. The image is
     * linked from this JDK for the test.
     */
    @Test
    void aRuntimeWithoutJfrStillSpawns(@TempDir Path dir) throws Exception {
        Path home = Path.of(System.getProperty("java.home"));
        Path image = dir.resolve("jre");
        Process link = new ProcessBuilder(home.resolve("bin/jlink").toString(), "--add-modules", "java.base", "--output",
                image.toString()).redirectErrorStream(true).start();
        String linkOut = new String(link.getInputStream().readAllBytes());
        assertEquals(0, link.waitFor(), "jlink of java.base failed:\n" + linkOut);
        Process p = new ProcessBuilder(image.resolve("bin/java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), JfrOffProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("probe done"), out);
    }

    /**
     * With no recording, the spawn hook allocates nothing: the event object and its strings exist
     * only for a recording. Counted with the thread's allocation counter around many calls.
     */
    @Test
    void theSpawnHookAllocatesNothingWithoutARecording() throws Exception {
        assumeTrue(!jdk.jfr.FlightRecorder.isInitialized() || jdk.jfr.FlightRecorder.getFlightRecorder().getRecordings().stream()
                .noneMatch(r -> r.getState() == jdk.jfr.RecordingState.RUNNING), "a recording is running in this JVM");
        Request request = new Request(
                new Request.Exec(List.of("true"), null, Map.of()),
                new Request.Streams(new ProcessBuilder.Redirect[] {ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT,
                        ProcessBuilder.Redirect.INHERIT}, false, Map.of(), false),
                new Request.Namespaces(EnumSet.of(NamespaceType.UTS), List.of(), false, null, null, false, null),
                new Request.IdMaps(List.of(), List.of(), null),
                new Request.Filesystem(null, List.of(), null),
                new Request.Clocks(Duration.ZERO, Duration.ZERO),
                new Request.Lifetime(0, false, List.of()));
        Events.Spawn none = r -> null;
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 10_000; i++) Events.spawn(request, none); // through the compilers
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) Events.spawn(request, none);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // The counter's own call may allocate a little; one event per call would be 100,000 times more.
        assertTrue(allocated < 1_000, allocated + " bytes allocated by 100,000 disabled hooks");
    }

}
