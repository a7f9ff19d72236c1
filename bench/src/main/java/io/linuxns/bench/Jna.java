package io.linuxns.bench;

import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The same libc calls through JNA, the usual way to reach them from Java before FFM: a
 * direct-mapped class (static natives bound by {@code Native.register}, JNA's fastest form) and
 * a {@link Library} interface (a proxy, its most common form).
 *
 * <p>JNA cannot start a process in new namespaces from a JVM: that needs code between
 * {@code fork}/{@code clone} and {@code execve}, and a forked copy of a JVM cannot safely run
 * Java (docs/design.md §4; JNA calls are Java calls). So the spawn benchmarks have no JNA variant; the
 * syscalls JNA can make safely from a JVM thread ({@code setns}, {@code unshare}) are compared.
 */
public final class Jna {
    private Jna() {}

    /** Direct mapping: {@code native} methods bound to libc at class initialisation. */
    public static final class Direct {
        private Direct() {}

        static {
            com.sun.jna.Native.register(Direct.class, NativeLibrary.getInstance("c"));
        }

        public static native int setns(int fd, int nstype);

        public static native int unshare(int flags);

        public static native int getpid();

        public static native int mount(String source, String target, String fstype, long flags, Pointer data);
    }

    /** The interface form, through a {@code java.lang.reflect.Proxy}. */
    public interface LibC extends Library {
        LibC INSTANCE = com.sun.jna.Native.load("c", LibC.class);

        int getpid();

        int setns(int fd, int nstype);
    }
}
