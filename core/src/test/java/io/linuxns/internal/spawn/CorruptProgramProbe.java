package io.linuxns.internal.spawn;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Run in a JVM of its own by {@link CorruptProgramTest}: clones a trampoline whose program
 * points its steps at unmapped memory, so that the interpreter faults on its first read, and
 * prints how the child ended. The JVM must survive it.
 */
public final class CorruptProgramProbe {
    private CorruptProgramProbe() {}

    public static void main(String[] args) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment program = arena.allocate(64, 8);
            program.set(JAVA_LONG, 0, 1);      // one step
            program.set(JAVA_LONG, 8, -1);     // no error pipe
            program.set(JAVA_LONG, 16, 0);
            program.set(JAVA_LONG, 24, 16);    // the steps at address 16: never mapped
            Clone3.Child child = Clone3.clone(arena, program.address(), LinuxNs.CLONE_VFORK(), -1, false);
            MemorySegment siginfo = arena.allocate(128, 8);
            int r = Native.rawWaitid(LinuxNs.P_PIDFD(), child.pidfd(), siginfo, LinuxNs.WEXITED());
            Native.close(child.pidfd());
            int code = siginfo.get(JAVA_INT, 8), status = siginfo.get(JAVA_INT, 24);
            System.out.println("waitid=" + r + " code=" + code + " status=" + status);
        }
    }
}
