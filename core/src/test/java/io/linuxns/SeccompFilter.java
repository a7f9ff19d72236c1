package io.linuxns;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A one-call seccomp filter (seccomp(2)) on the calling thread, for the tests that make a spawn's
 * child die or wait at a fixed step: the thread's children inherit it, across exec too. x86-64
 * only; calls of another ABI are allowed.
 */
final class SeccompFilter {
    private SeccompFilter() {}

    static final int SECCOMP_RET_KILL_PROCESS = 0x80000000, SECCOMP_RET_USER_NOTIF = 0x7fc00000;
    static final int SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;
    private static final int SYS_SECCOMP = 317, PR_SET_NO_NEW_PRIVS = 38, SECCOMP_SET_MODE_FILTER = 1;
    private static final int AUDIT_ARCH_X86_64 = 0xC000003E, RET_ALLOW = 0x7fff0000;

    private static final Linker LINKER = Linker.nativeLinker();
    /** glibc's syscall(nr, a, b, pointer): -1 and errno on failure. */
    static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(1));

    /**
     * {@code no_new_privs}, then a filter: system call {@code nr} gets {@code action} when its
     * third argument's low word is {@code arg2} (any, for -1); everything else is allowed.
     *
     * @return what seccomp(2) returned: 0, or the listener's descriptor with {@link #SECCOMP_FILTER_FLAG_NEW_LISTENER}
     */
    static long install(int nr, int arg2, int action, int flags) throws Throwable {
        MethodHandle prctl = LINKER.downcallHandle(LINKER.defaultLookup().find("prctl").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));
        assertEquals(0, (int) prctl.invokeExact(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L));
        // struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}: BPF_LD|W|ABS 0x20, BPF_JMP|JEQ|K 0x15, BPF_RET|K 0x06.
        short ld = 0x20, jeq = 0x15, ret = 0x06;
        boolean anyArg = arg2 == -1;
        int length = anyArg ? 6 : 8;
        ByteBuffer prog = ByteBuffer.allocate(length * 8).order(ByteOrder.nativeOrder());
        insn(prog, ld, 0, 0, 4);                        // arch
        insn(prog, jeq, 0, length - 3, AUDIT_ARCH_X86_64); // another ABI: allow
        insn(prog, ld, 0, 0, 0);                        // nr
        insn(prog, jeq, 0, length - 5, nr);
        if (!anyArg) {
            insn(prog, ld, 0, 0, 16 + 2 * 8);           // args[2], low word
            insn(prog, jeq, 0, 1, arg2);
        }
        insn(prog, ret, 0, 0, action);
        insn(prog, ret, 0, 0, RET_ALLOW);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment filter = arena.allocate(prog.capacity(), 8);
            filter.copyFrom(MemorySegment.ofArray(prog.array()));
            MemorySegment fprog = arena.allocate(16, 8); // struct sock_fprog {u16 len; struct sock_filter *filter}
            fprog.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 0, (short) length);
            fprog.set(ADDRESS, 8, filter);
            return (long) SYSCALL.invokeExact((long) SYS_SECCOMP, (long) SECCOMP_SET_MODE_FILTER, (long) flags, fprog);
        }
    }

    private static void insn(ByteBuffer b, short code, int jt, int jf, int k) {
        b.putShort(code).put((byte) jt).put((byte) jf).putInt(k);
    }
}
