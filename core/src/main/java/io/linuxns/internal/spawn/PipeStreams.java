package io.linuxns.internal.spawn;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The parent's ends of a child's stdio pipes, which let go of their descriptors once the
 * process has exited, as the JDK's own process streams do: stdin is closed (nobody reads it any
 * more), and what stdout or stderr still hold is read into memory, so it stays readable while
 * the descriptor is closed. A program that never touches the streams of its processes would
 * otherwise keep three descriptors per process until the garbage collector ran, and every later
 * clone would copy them.
 */
final class PipeStreams {
    private PipeStreams() {}

    /** stdout or stderr: buffered, drained into memory at exit. */
    static final class Input extends BufferedInputStream {
        Input(String path) throws IOException {
            super(new FileInputStream(path));
        }

        /** Called once the process is reaped; takes what is left in the pipe, then closes it. */
        synchronized void processExited() {
            InputStream pipe = in;
            if (pipe == null) return; // closed by its reader
            try {
                int n = pipe.available();
                byte[] left = n > 0 ? pipe.readNBytes(n) : new byte[0];
                pipe.close();
                in = left.length == 0 ? InputStream.nullInputStream() : new ByteArrayInputStream(left);
            } catch (IOException ignored) {
                // The stream was closed meanwhile: nothing to keep.
            }
        }
    }

    /** stdin: buffered, closed at exit (writes fail with "Stream Closed" afterwards). */
    static final class Output extends BufferedOutputStream {
        private final FileOutputStream pipe;

        Output(String path) throws IOException {
            this(new FileOutputStream(path));
        }

        private Output(FileOutputStream pipe) {
            super(pipe);
            this.pipe = pipe;
        }

        void processExited() {
            try {
                pipe.close();
            } catch (IOException ignored) {
                // Closing a pipe end cannot fail in a way that matters here.
            }
        }
    }

    /** Lets every stream that is a pipe go, once the process has exited. */
    static void processExited(OutputStream stdin, InputStream stdout, InputStream stderr) {
        if (stdin instanceof Output o) o.processExited();
        if (stdout instanceof Input i) i.processExited();
        if (stderr instanceof Input i) i.processExited();
    }
}
