package io.linuxns;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM by {@link JvmExitTest}: spawns (how depends on the argument), then, from a
 * shutdown hook, waits until every thread of the library has been seen out of native code
 * (any state but RUNNABLE) and prints one line per thread: {@code name state}, or
 * {@code name RUNNABLE} if it stayed there for 20 s.
 */
public final class ExitProbe {
    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "wait" -> new NamespacedProcessBuilder("/bin/true").start().waitFor();
            case "onExit" -> new NamespacedProcessBuilder("/bin/true").start().onExit().get(20, TimeUnit.SECONDS);
            // Still running at exit, spawned through an origin thread (a death signal is asked).
            case "running" -> new NamespacedProcessBuilder("sleep", "300").dieWithParent().unshare(NamespaceType.UTS).start();
            default -> throw new IllegalArgumentException(args[0]);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(ExitProbe::report));
    }

    private static void report() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        StringBuilder out = new StringBuilder();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (!t.getName().startsWith("linuxns-") || t.getName().equals("linuxns-reaper-exit")) continue;
            Thread.State s;
            while ((s = t.getState()) == Thread.State.RUNNABLE && System.nanoTime() < deadline) Thread.onSpinWait();
            out.append(t.getName()).append(' ').append(s).append('\n');
        }
        System.out.print(out);
        System.out.flush();
    }
}
