package io.linuxns.internal.spawn;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A list of raw system calls with prepared arguments, in native memory, that {@link ChildRoutine}
 * interprets in a child (the layout is documented in {@code core/src/main/asm/child-x86_64.s}).
 * A spawn has two: the trampoline, which the {@code clone3(CLONE_VM)} child runs in the JVM's
 * memory, and the helper's program, which lives in the {@link HelperImage} and runs in the
 * helper's own address space.
 *
 * <p>Every pointer argument points into the memory the program was built in (strings, argv and
 * envp arrays, buffers). Each step keeps a description for the exception that names it; the
 * steps of both programs are numbered as one list ({@link #base()}), so a failure report
 * identifies its step whichever program sent it.
 */
final class ChildProgram {
    static final int OP_SYSCALL = 0;
    static final int OP_FORK_AND_WAIT = 1;
    /** A failing step is skipped instead of ending the child. */
    static final int IGNORE_FAILURE = 1;
    /** A result of 0 is a failure too (a sync read that met EOF: the parent gave up). */
    static final int ZERO_FAILS = 2;
    /** The result is stored at the address in args[5]. */
    static final int STORE_RESULT = 4;
    /** Any result but args[5] is a failure (a check: the parent is still there). */
    static final int EXPECT_RESULT = 8;

    /**
     * Only a failure with errno args[5] goes on with the next step; any other failure skips the
     * next step (with {@link #IGNORE_FAILURE}) or ends the child. A command's execve uses it to
     * run the file with /bin/sh on ENOEXEC.
     */
    static final int NEXT_ONLY_ON_ERRNO = 512;

    /** args[i] is the address of a result stored before (by a {@link #STORE_RESULT} step): its value is passed. */
    static int loadArg(int i) {
        if (i < 0 || i > 4) throw new IllegalArgumentException("args[0..4] only");
        return 16 << i;
    }

    private static final int HEADER = 64;
    private static final int STEP = 64;

    /** A step, with what the exception says about it. */
    record Step(int op, int flags, long nr, long[] args, String what, String call) {}

    private final SegmentAllocator memory;
    private final int base;
    private final MemorySegment header;
    private final List<Step> steps = new ArrayList<>();

    /**
     * @param memory where the program and everything it points to are allocated (zeroed)
     * @param base the index its first step has in the spawn's numbering
     */
    ChildProgram(SegmentAllocator memory, int base) {
        this.memory = memory;
        this.base = base;
        this.header = memory.allocate(HEADER, 16);
    }

    /** {@return the address the interpreter is given: the program's header} */
    long address() {
        return header.address();
    }

    int base() {
        return base;
    }

    /** Adds {@code syscall(nr, args...)}; {@code what} says what it is for, {@code call} shows it with its arguments. */
    void syscall(String what, String call, int flags, long nr, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("at most six arguments");
        long[] a = new long[6];
        System.arraycopy(args, 0, a, 0, args.length);
        steps.add(new Step(OP_SYSCALL, flags, nr, a, what, call));
    }

    /** Adds a check: {@code syscall(nr, args...)} must return {@code expected}, else the child ends. */
    void expect(String what, String call, long expected, long nr, long... args) {
        if (args.length > 5) throw new IllegalArgumentException("at most five arguments");
        long[] a = new long[6];
        System.arraycopy(args, 0, a, 0, args.length);
        a[5] = expected;
        steps.add(new Step(OP_SYSCALL, EXPECT_RESULT, nr, a, what, call));
    }

    /**
     * Adds the FORK_AND_WAIT step: the rest of the program runs in a forked child, and this
     * process stays as its waiting parent (an init, or a forwarder into a joined PID namespace).
     *
     * @param forward the signals it waits for and forwards to the child (SIGCHLD among them reaps)
     * @param exitOn further signals it waits for, which it passes on and then ends (the death signal)
     */
    void forkAndWait(String what, int[] forward, int[] exitOn) {
        MemorySegment set = memory.allocate(8, 8);
        set.set(JAVA_LONG, 0, mask(forward) | mask(exitOn));
        MemorySegment status = memory.allocate(8, 8);
        steps.add(new Step(OP_FORK_AND_WAIT, 0, 0, new long[] {0, set.address(), status.address(), mask(exitOn), 0, 0},
                what, "fork()"));
    }

    private static long mask(int[] signals) {
        long m = 0;
        for (int s : signals) m |= 1L << (s - 1);
        return m;
    }

    /** A NUL-terminated copy of {@code s} in the program's memory. */
    long cstring(String s) {
        return cstringSegment(s).address();
    }

    private MemorySegment cstringSegment(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        MemorySegment seg = memory.allocate(b.length + 1, 1);
        MemorySegment.copy(b, 0, seg, JAVA_BYTE, 0, b.length);
        return seg;
    }

    /** A NULL-terminated array of C strings, as execve wants argv and envp. */
    long cstringArray(List<String> strings) {
        MemorySegment array = memory.allocate(ADDRESS.byteSize() * (strings.size() + 1), ADDRESS.byteAlignment());
        // The address as a long: an ADDRESS store adapts a MemorySegment through method-handle
        // forms that a fresh JVM spins at its first spawn.
        for (int i = 0; i < strings.size(); i++) array.setAtIndex(JAVA_LONG, i, cstringSegment(strings.get(i)).address());
        return array.address();
    }

    /**
     * A NULL-terminated array of C strings copied in one piece: {@code packed} holds them
     * NUL-terminated one after the other, {@code offsets} where each begins.
     */
    long packedStringArray(byte[] packed, int[] offsets) {
        MemorySegment strings = memory.allocate(Math.max(1, packed.length), 1);
        MemorySegment.copy(packed, 0, strings, JAVA_BYTE, 0, packed.length);
        long[] pointers = new long[offsets.length + 1];
        for (int i = 0; i < offsets.length; i++) pointers[i] = strings.address() + offsets[i];
        // One bulk copy: a per-element store inlines the whole segment-access path into the compiled loop.
        MemorySegment array = memory.allocate(ADDRESS.byteSize() * pointers.length, ADDRESS.byteAlignment());
        MemorySegment.copy(pointers, 0, array, JAVA_LONG, 0, pointers.length);
        return array.address();
    }

    /** NUL-terminated copies of {@code strings} in the program's memory: their addresses. */
    long[] cstrings(List<String> strings) {
        long[] a = new long[strings.size()];
        for (int i = 0; i < a.length; i++) a[i] = cstring(strings.get(i));
        return a;
    }

    /** A NULL-terminated array of the given pointers (C strings made before, shared). */
    long pointerArray(long... pointers) {
        MemorySegment array = memory.allocate(ADDRESS.byteSize() * (pointers.length + 1), ADDRESS.byteAlignment());
        for (int i = 0; i < pointers.length; i++) array.setAtIndex(JAVA_LONG, i, pointers[i]);
        return array.address();
    }

    /** A zeroed 8-byte slot for a {@link #STORE_RESULT} step. */
    MemorySegment slot() {
        return memory.allocate(8, 8);
    }

    /** 24 zeroed bytes, 8-aligned: a struct open_how. */
    MemorySegment slot24() {
        return memory.allocate(24, 8);
    }

    /** 32 zeroed bytes, 8-aligned: a struct mount_attr. */
    MemorySegment slot32() {
        return memory.allocate(32, 8);
    }

    /** {@code size} zeroed bytes in the program's memory. */
    long buffer(long size) {
        return memory.allocate(size, 8).address();
    }

    /** Bytes with the given content. */
    long bytes(byte[] content) {
        MemorySegment seg = memory.allocate(content.length, 8);
        MemorySegment.copy(content, 0, seg, JAVA_BYTE, 0, content.length);
        return seg.address();
    }

    /** {@return the step at {@code index} of this program (not counting {@link #base()})} */
    Step step(int index) {
        return steps.get(index);
    }

    int size() {
        return steps.size();
    }

    /**
     * With no error pipe ({@code encode(-1)}), the {step, errno} the child stored in the header
     * when a step failed, or {@code null}: to be read only once the child has exited or exec'd
     * (a CLONE_VFORK child, after clone3 returned).
     */
    long[] storedFailure() {
        long step = header.get(JAVA_LONG, 32);
        return step == -1 ? null : new long[] {step, header.get(JAVA_LONG, 40)};
    }

    /** Writes the steps into native memory for a child reporting failures on {@code errorFd}, or into the header for -1. */
    void encode(int errorFd) {
        MemorySegment p = memory.allocate((long) STEP * Math.max(1, steps.size()), 16);
        // Words built on the heap, then one bulk copy (little endian: op and flags share word 0).
        long[] words = new long[STEP / 8 * steps.size()];
        int w = 0;
        for (Step s : steps) {
            words[w++] = (s.op() & 0xFFFF_FFFFL) | ((long) s.flags() << 32);
            words[w++] = s.nr();
            System.arraycopy(s.args(), 0, words, w, 6);
            w += 6;
        }
        MemorySegment.copy(words, 0, p, JAVA_LONG, 0, words.length);
        header.set(JAVA_LONG, 0, steps.size());
        header.set(JAVA_LONG, 8, errorFd);
        header.set(JAVA_LONG, 16, base);
        header.set(JAVA_LONG, 24, p.address());
        if (errorFd < 0) header.set(JAVA_LONG, 32, -1L); // no report yet
    }
}
