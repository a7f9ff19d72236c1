package io.linuxns.internal.spawn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A child's life between {@code clone3} and {@code execve}, as a flat array of raw system calls
 * in native memory that {@link ChildRoutine} interprets (the layout is documented in
 * {@code core/src/main/asm/child-x86_64.s}).
 *
 * <p>Every pointer argument points into this program's own arena (strings, argv and envp
 * arrays, buffers), which the parent frees only when no child can touch it any more: after the
 * exec, or after the process exits when a waiting parent process stays in the child
 * ({@link #forkAndWait}). Each step keeps a description for the exception that names it.
 */
final class ChildProgram implements AutoCloseable {
    static final int OP_SYSCALL = 0;
    static final int OP_FORK_AND_WAIT = 1;
    /** A failing step is skipped instead of ending the child. */
    static final int IGNORE_FAILURE = 1;
    /** A result of 0 is a failure too (a sync read that met EOF: the parent gave up). */
    static final int ZERO_FAILS = 2;
    /** The result is stored at the address in args[5], where the parent reads it. */
    static final int STORE_RESULT = 4;

    private static final int HEADER = 64;
    private static final int STEP = 64;

    /** A step, with what the exception says about it. */
    record Step(int op, int flags, long nr, long[] args, String what, String call) {}

    /** Most programs fit: one allocation per spawn, sliced, instead of one per string. */
    private static final long SLAB = 64 * 1024;

    private final Arena arena;
    private final SegmentAllocator slab;
    private final List<Step> steps = new ArrayList<>();
    private boolean forks;

    /**
     * @param outlivesSpawn whether a process of the child keeps running this program after
     *        {@code start()} returns (an init): its memory is then freed by the reaper thread, so
     *        the arena must be shared; otherwise it is confined to the spawning thread, which
     *        closes it far more cheaply (no handshake with every JVM thread).
     */
    ChildProgram(boolean outlivesSpawn) {
        arena = outlivesSpawn ? Arena.ofShared() : Arena.ofConfined();
        slab = SegmentAllocator.slicingAllocator(arena.allocate(SLAB, 16));
    }

    /** {@code size} zeroed bytes aligned to {@code align}, alive as long as the program. */
    MemorySegment allocate(long size, long align) {
        try {
            return slab.allocate(size, align);
        } catch (IndexOutOfBoundsException full) {
            return arena.allocate(size, align);
        }
    }

    /** Adds {@code syscall(nr, args...)}; {@code what} says what it is for, {@code call} shows it with its arguments. */
    void syscall(String what, String call, int flags, long nr, long... args) {
        if (args.length > 6) throw new IllegalArgumentException("at most six arguments");
        long[] a = new long[6];
        System.arraycopy(args, 0, a, 0, args.length);
        steps.add(new Step(OP_SYSCALL, flags, nr, a, what, call));
    }

    /**
     * Adds the FORK_AND_WAIT step: the rest of the program runs in a new child, and this process
     * stays as its waiting parent (an init, or a forwarder into a joined PID namespace).
     */
    void forkAndWait(String what, long stackSize, int[] forwardedSignals) {
        MemorySegment stack = allocate(stackSize, 16);
        long sigset = 0;
        for (int s : forwardedSignals) sigset |= 1L << (s - 1);
        MemorySegment set = allocate(8, 8);
        set.set(JAVA_LONG, 0, sigset);
        MemorySegment status = allocate(8, 8);
        steps.add(new Step(OP_FORK_AND_WAIT, 0, 0,
                new long[] {stack.address() + stackSize - 16, set.address(), status.address(), 0, 0, 0},
                what, "clone(CLONE_VM|SIGCHLD)"));
        forks = true;
    }

    /** {@return whether a process of the child stays alive, using this memory, after the exec} */
    boolean forks() {
        return forks;
    }

    /** A NUL-terminated copy of {@code s} in the program's memory. */
    long cstring(String s) {
        return cstringSegment(s).address();
    }

    private MemorySegment cstringSegment(String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        MemorySegment seg = allocate(b.length + 1, 1);
        MemorySegment.copy(b, 0, seg, JAVA_BYTE, 0, b.length);
        seg.set(JAVA_BYTE, b.length, (byte) 0);
        return seg;
    }

    /** A NULL-terminated array of C strings, as execve wants argv and envp. */
    long cstringArray(List<String> strings) {
        MemorySegment array = allocate(ADDRESS.byteSize() * (strings.size() + 1), ADDRESS.byteAlignment());
        for (int i = 0; i < strings.size(); i++) {
            array.setAtIndex(ADDRESS, i, cstringSegment(strings.get(i)));
        }
        array.setAtIndex(ADDRESS, strings.size(), MemorySegment.NULL);
        return array.address();
    }

    /** A zeroed 8-byte slot for a {@link #STORE_RESULT} step. */
    MemorySegment slot() {
        return allocate(8, 8);
    }

    /** {@code size} zeroed bytes in the program's memory. */
    long buffer(long size) {
        return allocate(size, 8).address();
    }

    /** Bytes with the given content. */
    long bytes(byte[] content) {
        MemorySegment seg = allocate(content.length, 8);
        MemorySegment.copy(content, 0, seg, JAVA_BYTE, 0, content.length);
        return seg.address();
    }

    /** {@return the step at {@code index}} */
    Step step(int index) {
        return steps.get(index);
    }

    int size() {
        return steps.size();
    }

    /** Writes the program into native memory for a child reporting failures on {@code errorFd}. */
    MemorySegment encode(int errorFd) {
        MemorySegment p = allocate(HEADER + (long) STEP * steps.size(), 16);
        p.set(JAVA_LONG, 0, steps.size());
        p.set(JAVA_LONG, 8, errorFd);
        long off = HEADER;
        for (Step s : steps) {
            p.set(JAVA_INT, off, s.op());
            p.set(JAVA_INT, off + 4, s.flags());
            p.set(JAVA_LONG, off + 8, s.nr());
            for (int i = 0; i < 6; i++) p.set(JAVA_LONG, off + 16 + 8L * i, s.args()[i]);
            off += STEP;
        }
        return p;
    }

    /** Frees the program's memory: only once no child can run it any more. */
    @Override
    public void close() {
        arena.close();
    }
}
