package io.linuxns.cli;

import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import sun.misc.Signal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts a command with the caller's stdio and waits for it, the way {@code unshare --fork}
 * waits: the exit status is the command's, or 128 + the signal that killed it (what a shell
 * would show as {@code $?}; util-linux re-raises the signal on itself instead, which a JVM
 * cannot do cleanly).
 */
final class ChildRunner {
    private ChildRunner() {}

    static int run(NamespacedProcessBuilder builder) throws IOException {
        builder.inheritIO();
        // Installed before start(): the JVM must never die of a signal between the setup (which
        // may make links on the host, such as --net veth) and its teardown after the command.
        // A Ctrl-C on the terminal reaches the command directly (same process group); SIGTERM or
        // SIGHUP sent to linuxns alone is passed on, as a container runtime does. One that comes
        // while the container is being set up ends it as soon as it has started.
        AtomicReference<Process> started = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Signal.handle(new Signal("INT"), s -> {
            if (started.get() == null) stop.set(true);
        });
        sun.misc.SignalHandler forward = s -> {
            stop.set(true);
            Process p = started.get();
            if (p != null) p.destroy();
        };
        Signal.handle(new Signal("TERM"), forward);
        Signal.handle(new Signal("HUP"), forward);
        NamespacedProcess process = builder.start();
        started.set(process);
        if (stop.get()) process.destroy();
        while (true) {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                // Nobody interrupts the main thread on purpose; keep waiting for the command.
            }
        }
    }
}
