package io.linuxns.internal.spawn;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's ends of a child's stdio pipes, which let go of their descriptors once the
 * process has exited, as the JDK's own process streams do: stdin is closed (nobody reads it any
 * more), and what stdout or stderr still hold is read into memory, so it stays readable while
 * the descriptor is closed. A program that never touches the streams of its processes would
 * otherwise keep three descriptors per process until the garbage collector ran, and every later
 * clone would copy them.
 *
 * <p>{@link #processExited} runs on the reaper thread and never blocks: a reader may sit in
 * {@code read()} for as long as a daemonised grandchild keeps the pipe open, holding the
 * stream's lock. The drain then happens when that reader lets go of the lock.
 */
final class PipeStreams {
    private PipeStreams() {}

    /**
     * stdout or stderr: buffered, drained into memory at exit. Every operation holds a
     * {@link ReentrantLock} of its own (and, inside it, the monitor that a subclass of
     * {@link BufferedInputStream} uses), so that the exit work can try the lock instead of
     * waiting for it.
     */
    static final class Input extends BufferedInputStream {
        private final ReentrantLock lock = new ReentrantLock();
        /** The process has exited: the pipe is to be drained by whoever holds the lock next. */
        private volatile boolean exited;
        /** Drained (or closed by its reader): nothing more to do. Written under the lock. */
        private volatile boolean drained;

        Input(InputStream pipe) {
            super(pipe);
        }

        /**
         * Called once the process is reaped; takes what is left in the pipe, then closes it, now
         * if no reader holds the stream, else when the reader lets go.
         */
        void processExited() {
            // Flag first, then try: a reader that holds the lock now sees the flag once it unlocks.
            exited = true;
            drainIfFree();
        }

        private void drainIfFree() {
            if (drained || !lock.tryLock()) return;
            try {
                drain();
            } finally {
                lock.unlock();
            }
        }

        /**
         * With the lock held: only what the pipe holds now, so it never blocks. An end nobody
         * read is drained with read(2) as it is, never reopened: that would need a descriptor
         * (none may be free) and eight system calls. The descriptor is closed on every path.
         */
        private void drain() {
            if (drained) return;
            drained = true;
            InputStream pipe = in;
            if (pipe == null) return; // closed by its reader
            try {
                byte[] left = pipe instanceof LazyInput lazy ? lazy.end.drainBare() : null;
                if (left == null) {
                    int n = pipe.available();
                    left = n > 0 ? pipe.readNBytes(n) : new byte[0];
                }
                in = left.length == 0 ? InputStream.nullInputStream() : new ByteArrayInputStream(left);
            } catch (IOException ignored) {
                // The stream was closed meanwhile: nothing to keep.
                in = InputStream.nullInputStream();
            } finally {
                try {
                    pipe.close();
                } catch (IOException ignored) {
                    // Closing a pipe end cannot fail in a way that matters here.
                }
            }
        }

        private void lock() {
            lock.lock();
        }

        /** Unlocks; the last holder drains a pipe whose process exited while the lock was held. */
        private void unlock() {
            lock.unlock();
            if (exited && !drained && !lock.isHeldByCurrentThread()) drainIfFree();
        }

        @Override
        public int read() throws IOException {
            lock();
            try {
                return super.read();
            } finally {
                unlock();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            lock();
            try {
                return super.read(b, off, len);
            } finally {
                unlock();
            }
        }

        @Override
        public long skip(long n) throws IOException {
            lock();
            try {
                return super.skip(n);
            } finally {
                unlock();
            }
        }

        @Override
        public int available() throws IOException {
            lock();
            try {
                return super.available();
            } finally {
                unlock();
            }
        }

        @Override
        public void mark(int readlimit) {
            lock();
            try {
                super.mark(readlimit);
            } finally {
                unlock();
            }
        }

        @Override
        public void reset() throws IOException {
            lock();
            try {
                super.reset();
            } finally {
                unlock();
            }
        }

        /** Ours first, then the monitor (which BufferedInputStream's transferTo takes): one order everywhere. */
        @Override
        public long transferTo(OutputStream out) throws IOException {
            lock();
            try {
                return super.transferTo(out);
            } finally {
                unlock();
            }
        }

        // close() takes no lock, as BufferedInputStream's does not: it must work while a reader is blocked.
    }

    /** stdin: buffered, closed at exit (writes fail with "Stream Closed" afterwards). */
    static final class Output extends BufferedOutputStream {
        private final OutputStream pipe;

        Output(OutputStream pipe) {
            super(pipe);
            this.pipe = pipe;
        }

        /** Closes the pipe end without the stream's monitor, which a writer blocked on a full pipe holds. */
        void processExited() {
            try {
                pipe.close();
            } catch (IOException ignored) {
                // Closing a pipe end cannot fail in a way that matters here.
            }
        }
    }

    /** stdin's parent end {@code fd} as a stream, which owns {@code fd} from now on. */
    static Output output(int fd) {
        return new Output(new LazyOutput(new End(fd)));
    }

    /** stdout's or stderr's parent end {@code fd} as a stream, which owns {@code fd} from now on. */
    static Input input(int fd) {
        return new Input(new LazyInput(new End(fd)));
    }

    /**
     * A pipe end that becomes a {@code java.io} stream ({@link #reopen}) only when it is first
     * read or written: most callers wait for a process and close its streams, or never touch
     * them, and then the end costs one {@code close} instead of eight system calls (an open
     * through {@code /proc/self/fd} among them) and a {@code FileDescriptor}. Its lock is held
     * only while the end changes hands, never during a read or a write.
     */
    private static final class End {
        private int fd;
        private Closeable stream;
        private boolean closed;

        End(int fd) {
            this.fd = fd;
        }

        @SuppressWarnings("unchecked")
        synchronized <S extends Closeable> S open(Opener<S> opener) throws IOException {
            if (closed) throw new IOException("Stream closed");
            if (stream == null) {
                try (Scratch scratch = Scratch.take()) {
                    stream = reopen(fd, opener, scratch);
                }
                Native.close(fd);
                fd = -1;
            }
            return (S) stream;
        }

        /** Whether a read would not block: data in the pipe (poll, no open), or what the stream says once opened. */
        int available() throws IOException {
            int raw;
            synchronized (this) {
                if (closed) throw new IOException("Stream closed");
                raw = fd;
                if (raw >= 0) {
                    try (Scratch scratch = Scratch.take()) {
                        MemorySegment poll = scratch.allocate(io.linuxns.bindings.pollfd.layout());
                        io.linuxns.bindings.pollfd.fd(poll, raw);
                        io.linuxns.bindings.pollfd.events(poll, (short) LinuxNs.POLLIN());
                        int r = Native.rawPoll(poll, 0);
                        if (r <= 0 || (io.linuxns.bindings.pollfd.revents(poll) & LinuxNs.POLLIN()) == 0) return 0;
                    }
                }
            }
            return ((InputStream) open(FileInputStream::new)).available();
        }

        /**
         * If the end never became a stream: reads what the pipe holds now (poll, then read(2),
         * until nothing is left or the writers are gone) and closes it, whatever happens.
         *
         * @return the bytes, or {@code null} if the end is a stream already (or closed)
         */
        byte[] drainBare() {
            int raw;
            synchronized (this) {
                if (closed || stream != null || fd < 0) return null;
                raw = fd;
                fd = -1;
                closed = true;
            }
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                MemorySegment poll = arena.allocate(io.linuxns.bindings.pollfd.layout());
                MemorySegment buf = arena.allocate(DRAIN_CHUNK);
                byte[] chunk = new byte[(int) DRAIN_CHUNK];
                while (true) {
                    io.linuxns.bindings.pollfd.fd(poll, raw);
                    io.linuxns.bindings.pollfd.events(poll, (short) LinuxNs.POLLIN());
                    int revents = Native.rawPoll(poll, 0);
                    // POLLIN: data now; POLLHUP without it: EOF. Neither: a writer (a grandchild) is left and the pipe empty.
                    if (revents <= 0 || (revents & LinuxNs.POLLIN()) == 0) break;
                    long n = Native.rawRead(raw, buf, DRAIN_CHUNK);
                    if (n <= 0) break;
                    MemorySegment.copy(buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, chunk, 0, (int) n);
                    got.write(chunk, 0, (int) n);
                }
            } finally {
                Native.close(raw);
            }
            return got.toByteArray();
        }

        /** Closes the stream, or the bare descriptor if it never became one; without this end's lock held by a reader, as the JDK's close. */
        void close() throws IOException {
            Closeable s;
            int raw;
            synchronized (this) {
                if (closed) return;
                closed = true;
                s = stream;
                raw = fd;
                fd = -1;
            }
            if (s != null) s.close();
            else if (raw >= 0) Native.close(raw);
        }
    }

    /** How much one read(2) of a drain takes. */
    private static final long DRAIN_CHUNK = 8192;

    private static final class LazyInput extends InputStream {
        private final End end;

        LazyInput(End end) {
            this.end = end;
        }

        private InputStream stream() throws IOException {
            return end.open(FileInputStream::new);
        }

        @Override public int read() throws IOException { return stream().read(); }
        @Override public int read(byte[] b, int off, int len) throws IOException { return stream().read(b, off, len); }
        @Override public long skip(long n) throws IOException { return stream().skip(n); }
        @Override public int available() throws IOException { return end.available(); }
        @Override public void close() throws IOException { end.close(); }
    }

    private static final class LazyOutput extends OutputStream {
        private final End end;

        LazyOutput(End end) {
            this.end = end;
        }

        private OutputStream stream() throws IOException {
            return end.open(FileOutputStream::new);
        }

        @Override public void write(int b) throws IOException { stream().write(b); }
        @Override public void write(byte[] b, int off, int len) throws IOException { stream().write(b, off, len); }
        @Override public void close() throws IOException { end.close(); }
    }

    private interface Opener<S extends Closeable> {
        S open(String path) throws IOException;
    }

    /**
     * A pipe end reopened through {@code /proc/self/fd} as a {@code java.io} stream (the JDK has
     * no public way to wrap a raw descriptor), its new descriptor made close-on-exec at once.
     * {@code FileInputStream} and {@code FileOutputStream} open without {@code O_CLOEXEC}: a
     * native fork and exec elsewhere in the JVM (not the JDK's {@code ProcessBuilder}, which
     * closes everything in its child) would inherit the pipe, and keep the child's stdin open, or
     * its stdout, after the JVM let go. open(2) takes the lowest free number, so the stream's
     * descriptor is where a dup just made and closed was, unless another thread took that number
     * meanwhile; either way it is the only descriptor besides {@code fd} on the same pipe
     * ({@code fstat}'s device and inode), since only this spawn holds that pipe. The window in
     * which a fork elsewhere could still inherit it is the few system calls in between.
     */
    private static <S extends Closeable> S reopen(int fd, Opener<S> opener, SegmentAllocator scratch) throws IOException {
        long[] pipe = Native.devIno(fd, scratch);
        int guess = Native.dupCloexecAtLeast(fd, 0);
        Native.close(guess);
        S stream;
        try {
            stream = opener.open("/proc/self/fd/" + fd);
        } catch (IOException e) {
            throw new IOException("reopening the process's pipe (descriptor " + fd + ") as a stream through /proc/self/fd/" + fd
                    + " failed (" + e.getMessage() + "): the stream is opened on first use, on the using thread, and /proc"
                    + " must be mounted where that thread looks (its mount namespace and root); use the stream from a thread"
                    + " that sees the JVM's /proc, or redirect the process's stdio to files", e);
        }
        try {
            int mine = onPipe(guess, pipe, scratch) ? guess : search(fd, pipe, scratch);
            if (mine < 0) throw new IOException("the descriptor that " + stream.getClass().getSimpleName() + " opened on /proc/self/fd/" + fd + " is not to be found");
            long r = Native.rawSyscall4(LinuxNs.SYS_fcntl(), mine, LinuxNs.F_SETFD(), LinuxNs.FD_CLOEXEC(), 0);
            if (r < 0) throw new NamespaceException("fcntl(" + mine + ", F_SETFD, FD_CLOEXEC)", (int) -r, null);
        } catch (IOException | RuntimeException e) {
            stream.close();
            throw e;
        }
        return stream;
    }

    /** Whether descriptor {@code n} is open on the pipe {@code devIno}. */
    private static boolean onPipe(int n, long[] devIno, SegmentAllocator scratch) {
        try {
            return Arrays.equals(Native.devIno(n, scratch), devIno);
        } catch (NamespaceException closed) {
            return false;
        }
    }

    /** The other descriptor on the pipe than {@code fd}, found among all of them; -1 if none. */
    private static int search(int fd, long[] devIno, SegmentAllocator scratch) throws IOException {
        try (DirectoryStream<Path> all = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : all) {
                int n = Integer.parseInt(p.getFileName().toString());
                if (n != fd && onPipe(n, devIno, scratch)) return n;
            }
        }
        return -1;
    }

    /** Lets every stream that is a pipe go, once the process has exited; never blocks. */
    static void processExited(OutputStream stdin, InputStream stdout, InputStream stderr) {
        if (stdin instanceof Output o) o.processExited();
        if (stdout instanceof Input i) i.processExited();
        if (stderr instanceof Input i) i.processExited();
    }
}
