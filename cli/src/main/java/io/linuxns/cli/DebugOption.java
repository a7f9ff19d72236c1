package io.linuxns.cli;

import picocli.CommandLine.Option;

/** {@code --debug}, accepted by every subcommand: print stack traces with errors. */
final class DebugOption {
    @Option(names = "--debug", description = "Print the stack trace of an error, not only its message.")
    void setDebug(boolean on) {
        Main.setDebug(on);
    }
}
