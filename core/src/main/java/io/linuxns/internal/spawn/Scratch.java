package io.linuxns.internal.spawn;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Zeroed native memory for one spawn or one wait, carved from a block that a small pool shares
 * between all threads: the trampoline's program, its stack and {@code clone_args}, the buffers of
 * the system calls around them. A confined arena per spawn cost a {@code malloc}, a {@code free}
 * and an arena object each time, and per-thread memory would stay behind with every thread that
 * ends (ThreadChurnTest); the pool holds at most {@value #POOLED} blocks of
 * {@value #BLOCK_SIZE} bytes, whatever the number of threads, and a block not taken back is left
 * to the garbage collector.
 *
 * <p>{@link #close()} zeroes what was used and hands the block back: only when nothing uses it
 * any more. For a spawn that is when the child has exec'd or is dead (the same point at which
 * the memory used to be freed: docs/spawn.md, "Memory"). Not thread-safe: one owner at a time.
 */
final class Scratch implements SegmentAllocator, AutoCloseable {
    static final long BLOCK_SIZE = 32 * 1024;
    static final int POOLED = 8;
    private static final long PAGE = 4096;
    private static final ConcurrentLinkedQueue<MemorySegment> POOL = new ConcurrentLinkedQueue<>();
    private static final AtomicInteger IN_POOL = new AtomicInteger();
    /**
     * With assertions on (the tests), a block given back is filled with 0xCC instead of zeroes,
     * and zeroed only when taken again: a child that still ran on a block handed back too early
     * would find its program and stack turned into garbage when another spawn reuses it, and fail
     * visibly instead of by chance.
     */
    private static final boolean POISON = poisonEnabled();
    /**
     * Blocks that a child may still use (it could not be reaped): kept reachable for the rest of
     * the JVM's life, so that neither the pool nor the garbage collector hands them out again.
     */
    private static final List<MemorySegment> LEAKED = new CopyOnWriteArrayList<>();

    private final MemorySegment block;
    private long used;
    /** For what does not fit in the block (a large environment): freed at close. */
    private Arena overflow;
    private boolean closed;

    private Scratch(MemorySegment block) {
        this.block = block;
    }

    /** {@return a zeroed area from the pool, or a new one} */
    static Scratch take() {
        MemorySegment b = POOL.poll();
        if (b != null) {
            IN_POOL.decrementAndGet();
            if (POISON) b.fill((byte) 0);
        } else {
            b = Arena.ofAuto().allocate(BLOCK_SIZE, PAGE);
        }
        return new Scratch(b);
    }

    @SuppressWarnings("AssertWithSideEffects")
    private static boolean poisonEnabled() {
        boolean on = false;
        assert on = true;
        return on;
    }

    /** {@return how many blocks the pool holds now} For tests. */
    static int pooled() {
        return IN_POOL.get();
    }

    /** Zeroed memory, valid until {@link #close()}. */
    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        if (closed) throw new IllegalStateException("scratch memory used after close");
        if (byteAlignment <= PAGE) {
            long at = (used + byteAlignment - 1) & -byteAlignment;
            if (at + byteSize <= BLOCK_SIZE) {
                used = at + byteSize;
                return block.asSlice(at, byteSize, byteAlignment);
            }
        }
        if (overflow == null) overflow = Arena.ofConfined();
        return overflow.allocate(byteSize, byteAlignment);
    }

    /** Zeroes what was used and gives the block back to the pool (or to the garbage collector when the pool is full). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (overflow != null) overflow.close();
        block.asSlice(0, used).fill(POISON ? (byte) 0xCC : (byte) 0);
        if (IN_POOL.incrementAndGet() <= POOLED) {
            POOL.offer(block);
        } else {
            IN_POOL.decrementAndGet();
        }
    }

    /**
     * For a block that a child may still run on (it was killed but could not be reaped): never
     * reused, never freed. Leaks {@value #BLOCK_SIZE} bytes, which only a failed {@code waitid}
     * makes happen.
     */
    void leak() {
        if (closed) return;
        closed = true;
        LEAKED.add(block);
        // A confined arena is freed only by close(): dropped unclosed, its memory stays too.
        overflow = null;
    }
}
