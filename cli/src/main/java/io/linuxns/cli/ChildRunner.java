package io.linuxns.cli;

import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import sun.misc.Signal;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts a command with the caller's stdio and every descriptor linuxns inherited (as exec(2)
 * passes them: util-linux's {@code unshare} and {@code nsenter} exec the command with them), and
 * waits for it, the way {@code unshare --fork} waits: the exit status is the command's; when a
 * signal killed it, linuxns dies of the same signal at its exit ({@link SignalDeath}), after its
 * own teardown, and 128 + the signal is the status only if that fails.
 */
final class ChildRunner {
    private ChildRunner() {}

    /** What linuxns does with SIGINT, SIGTERM and SIGHUP sent to it while the command runs. */
    enum Signals {
        /**
         * {@code run} and {@code nsenter}: SIGTERM and SIGHUP end the command with SIGTERM; a SIGINT
         * only before it started (from the terminal, it reaches the command's process group directly).
         */
        FORWARD,
        /**
         * {@code unshare --forward-signals}: SIGTERM and SIGINT are passed on as they are, exactly
         * the two util-linux's handler forwards; SIGHUP kills linuxns, as it does util-linux.
         */
        FORWARD_TERM_AND_INT,
        /** {@code unshare}: SIGINT and SIGTERM ignored, as {@code unshare --fork}'s parent blocks them; SIGHUP kills linuxns. */
        IGNORE
    }

    static int run(NamespacedProcessBuilder builder) throws IOException {
        return run(builder, Signals.FORWARD);
    }

    static int run(NamespacedProcessBuilder builder, Signals signals) throws IOException {
        builder.inheritIO().inheritDescriptors(true);
        JvmDescriptors.closeOnExec();
        // Installed before start(): with FORWARD the JVM must never die of a signal between the
        // setup (which may make links on the host, such as --net veth) and its teardown after the
        // command. A Ctrl-C on the terminal reaches the command directly (same process group);
        // SIGTERM or SIGHUP sent to linuxns alone is passed on, as a container runtime does. One
        // that comes while the container is being set up ends it as soon as it has started.
        AtomicReference<NamespacedProcess> started = new AtomicReference<>();
        // Signals that came before the start, to send once it has started (0: none).
        int[] early = new int[1];
        sun.misc.SignalHandler ignore = s -> { };
        switch (signals) {
            case FORWARD -> {
                sun.misc.SignalHandler end = s -> deliver(started, early, 15);
                Signal.handle(new Signal("INT"), s -> {
                    synchronized (early) {
                        if (started.get() == null) early[0] = 15;
                    }
                });
                Signal.handle(new Signal("TERM"), end);
                Signal.handle(new Signal("HUP"), end);
            }
            case FORWARD_TERM_AND_INT -> {
                Signal.handle(new Signal("INT"), s -> deliver(started, early, 2));
                Signal.handle(new Signal("TERM"), s -> deliver(started, early, 15));
                Signal.handle(new Signal("HUP"), s -> SignalDeath.die(1));
            }
            case IGNORE -> {
                Signal.handle(new Signal("INT"), ignore);
                Signal.handle(new Signal("TERM"), ignore);
                Signal.handle(new Signal("HUP"), s -> SignalDeath.die(1));
            }
        }
        NamespacedProcess process = builder.start();
        synchronized (early) {
            started.set(process);
            if (early[0] != 0) process.sendSignal(early[0]);
        }
        while (true) {
            try {
                int status = process.waitFor();
                process.terminatingSignal().ifPresent(SignalDeath::dieOfAtExit);
                return status;
            } catch (InterruptedException e) {
                // Nobody interrupts the main thread on purpose; keep waiting for the command.
            }
        }
    }

    /** Sends {@code sig} to the command, or keeps it for the moment it has started. */
    private static void deliver(AtomicReference<NamespacedProcess> started, int[] early, int sig) {
        synchronized (early) {
            NamespacedProcess p = started.get();
            if (p != null) p.sendSignal(sig);
            else early[0] = sig;
        }
    }
}
