package io.linuxns.cli;

import io.linuxns.NamespacedProcess;
import io.linuxns.NamespacedProcessBuilder;
import sun.misc.Signal;

import java.io.IOException;

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
        NamespacedProcess process = builder.start();
        // While the command runs, a Ctrl-C on the terminal reaches it directly (same process
        // group); it must not also end the JVM, which would leave the command orphaned or killed.
        // SIGTERM sent to linuxns alone is passed on, as a container runtime does.
        Signal.handle(new Signal("INT"), s -> {});
        Signal.handle(new Signal("TERM"), s -> process.destroy());
        while (true) {
            try {
                return process.waitFor();
            } catch (InterruptedException e) {
                // Nobody interrupts the main thread on purpose; keep waiting for the command.
            }
        }
    }
}
