package io.linuxns.cli;

import io.linuxns.bindings.LinuxNs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The width to fit a table to, as libsmartcols finds it for lsns: only when stdout is a terminal
 * ({@code ioctl(2)} {@code TIOCGWINSZ} on fd 1 succeeds, which is what {@code isatty(3)} asks
 * too), its {@code ws_col}; when that is 0 (a pty nobody sized), {@code $COLUMNS}; else 80.
 */
final class TerminalWidth {
    private TerminalWidth() {}

    /** {@return the terminal's width in columns, or -1 when stdout is not a terminal (a pipe, a file)} */
    static int ofStdout() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment winsize = arena.allocate(8, 2); // struct winsize: ws_row, ws_col, ws_xpixel, ws_ypixel
            long r = Syscalls.call(LinuxNs.SYS_ioctl(), 1L, LinuxNs.TIOCGWINSZ(), winsize.address(), 0L);
            if (r != 0) return -1;
            int cols = Short.toUnsignedInt(winsize.get(ValueLayout.JAVA_SHORT, 2));
            if (cols > 0) return cols;
        }
        try {
            int env = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "").strip());
            if (env > 0) return env;
        } catch (NumberFormatException e) {
            // not a number: the default
        }
        return 80;
    }
}
