package io.linuxns;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM that spawned exits without waiting for the library's threads. HotSpot's exit waits up to
 * 300 ms ({@code -XX:UserThreadWaitAttemptsAtExit}, JDK 25) for threads in native code, so no
 * library thread may stay in a blocking native call once the shutdown hooks run. The test checks
 * the cause, not the 300 ms: a child JVM's shutdown hook watches each library thread until it is
 * seen in any state but RUNNABLE (a thread in native code is RUNNABLE to Java). A thread stuck in
 * {@code epoll_wait} is never seen so however loaded the machine, and a thread that waits in Java
 * is seen so within its poll interval; a wall-clock comparison of exit times could be faked either
 * way by load.
 */
class JvmExitTest {

    @ParameterizedTest
    @ValueSource(strings = {"wait", "onExit", "running"})
    void noLibraryThreadIsInNativeCodeAtExit(String how) throws Exception {
        Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ExitProbe.class.getName(), how).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(jvm.getInputStream().readAllBytes()).strip();
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, jvm.exitValue(), out);
        assertTrue(out.contains("linuxns-reaper "), "the probe saw no reaper thread:\n" + out);
        assertFalse(out.contains("RUNNABLE"), "library threads still in native code at exit:\n" + out);
    }
}
