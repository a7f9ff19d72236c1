package io.linuxns.cli;

import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import sun.misc.Signal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts a command with the caller's stdio and every descriptor linuxns inherited (as exec(2)
 * passes them: util-linux's {@code unshare} and {@code nsenter} exec the command with them), and
 * waits for it, the way {@code unshare --fork} waits: the exit status is the command's, or 128 +
 * the signal that killed it (what a shell would show as {@code $?}; util-linux re-raises the
 * signal on itself instead).
 */
final class ChildRunner {
    private ChildRunner() {}

    /** What linuxns does with a SIGINT or SIGTERM sent to it while the command runs. */
    enum Signals {
        /** Passed on to the command ({@code run}, {@code nsenter}, {@code unshare --forward-signals}); SIGINT only before it started. */
        FORWARD,
        /** Ignored, as {@code unshare --fork}'s parent blocks them; SIGHUP is still passed on. */
        IGNORE
    }

    static int run(NamespacedProcessBuilder builder) throws IOException {
        return run(builder, Signals.FORWARD);
    }

    static int run(NamespacedProcessBuilder builder, Signals signals) throws IOException {
        builder.inheritIO().inheritDescriptors(true);
        JvmDescriptors.closeOnExec();
        // Installed before start(): the JVM must never die of a signal between the setup (which
        // may make links on the host, such as --net veth) and its teardown after the command.
        // A Ctrl-C on the terminal reaches the command directly (same process group); SIGTERM or
        // SIGHUP sent to linuxns alone is passed on, as a container runtime does. One that comes
        // while the container is being set up ends it as soon as it has started.
        AtomicReference<Process> started = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        sun.misc.SignalHandler forward = s -> {
            stop.set(true);
            Process p = started.get();
            if (p != null) p.destroy();
        };
        sun.misc.SignalHandler ignore = s -> { };
        Signal.handle(new Signal("INT"), signals == Signals.IGNORE ? ignore : s -> {
            if (started.get() == null) stop.set(true);
        });
        Signal.handle(new Signal("TERM"), signals == Signals.IGNORE ? ignore : forward);
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
