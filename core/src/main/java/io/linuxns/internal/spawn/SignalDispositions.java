package io.linuxns.internal.spawn;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Which signals have a handler installed in this JVM right now ({@code rt_sigaction(2)} queries). */
final class SignalDispositions {
    private SignalDispositions() {}

    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;

    /** {@return the signals, 1 to 64, whose disposition is a handler: the ones a child must reset} */
    static List<Integer> handled() {
        List<Integer> handled = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(32, 8); // struct kernel_sigaction: the handler comes first
            for (int sig = 1; sig <= 64; sig++) {
                if (sig == LinuxNs.SIGKILL() || sig == LinuxNs.SIGSTOP()) continue;
                if (Native.rawSyscall4(LinuxNs.SYS_rt_sigaction(), sig, 0, old.address(), 8) != 0) continue;
                long handler = old.get(JAVA_LONG, 0);
                if (handler != SIG_DFL && handler != SIG_IGN) handled.add(sig);
            }
        }
        return handled;
    }
}
