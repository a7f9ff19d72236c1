package io.linuxns.internal.spawn;

import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;
import io.linuxns.internal.OriginThread;

import java.lang.ProcessBuilder.Redirect;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A fresh JVM that asks {@link CallerThread#mayClone} about threads that are, or are not, where
 * the JVM's main thread is, and prints {@code key=value} lines for {@link CallerThreadTest}.
 * Mode {@code basic}: threads at home, a virtual thread, a death signal, a thread with a working
 * directory of its own ({@code unshare(CLONE_FS)} + {@code chdir}, no privilege needed) and, as
 * root, one in a UTS namespace of its own and a thread it starts. Mode {@code noproc} (root): the
 * first thread to spawn has moved itself into UTS and mount namespaces of its own where
 * {@code /proc} is not mounted, so that neither its own files nor the main thread's can be
 * read from there: its child must still start in the JVM's UTS namespace.
 */
public final class CallerThreadProbe {
    private CallerThreadProbe() {}

    public static void main(String[] args) throws Exception {
        System.out.println("uid=" + Native.getuid());
        if (args.length > 0 && args[0].equals("noproc")) noProc();
        else if (args.length > 0 && args[0].equals("bindroot")) bindRoot();
        else basic();
    }

    private static void basic() throws Exception {
        println("main", CallerThread.mayClone(false));
        println("main.deathSignal", CallerThread.mayClone(true));
        println("platform", on(false, () -> CallerThread.mayClone(false)));
        println("virtual", on(true, () -> CallerThread.mayClone(false)));
        println("cwd", on(false, () -> {
            Native.unshare(LinuxNs.CLONE_FS());
            chdir("/tmp");
            return CallerThread.mayClone(false);
        }));
        // The fs moves only that thread's working directory: the main thread's verdict, made again
        // on a new thread, still matches.
        println("platform.after", on(false, () -> CallerThread.mayClone(false)));
        if (Native.getuid() == 0) {
            println("uts", on(false, () -> {
                Native.unshare(LinuxNs.CLONE_NEWUTS());
                return CallerThread.mayClone(false);
            }));
            println("uts.child", on(false, () -> {
                Native.unshare(LinuxNs.CLONE_NEWUTS());
                return on(false, () -> CallerThread.mayClone(false));
            }));
        }
    }

    private static void noProc() throws Exception {
        // The origin threads start here, at home, before any thread has spawned (so before the
        // main thread's snapshot is taken by anyone).
        OriginThread.isCurrent();
        println("noproc", on(false, () -> {
            Native.unshare(LinuxNs.CLONE_NEWNS() | LinuxNs.CLONE_NEWUTS());
            // Private first, so that the unmount stays in this thread's namespace.
            Native.mount(null, "/", null, LinuxNs.MS_REC() | LinuxNs.MS_PRIVATE(), null);
            int r = Native.rawUmount2("/proc", LinuxNs.MNT_DETACH());
            if (r != 0) throw new IllegalStateException("umount2(/proc): " + r);
            Native.sethostname("not-the-jvms");
            boolean may = CallerThread.mayClone(false);
            String child = unameN();
            // A pipe's stream is a reopening through /proc/self/fd, which this thread cannot see.
            Process p = new NamespacedProcessBuilder("true").start();
            try {
                p.getInputStream().read();
                println("noproc.pipe", "opened");
            } catch (java.io.IOException e) {
                println("noproc.pipe", e.getMessage().contains("/proc must be mounted") ? "clear" : e.getMessage());
            } finally {
                p.waitFor();
                p.getOutputStream().close();
                p.getErrorStream().close();
            }
            return may + " child=" + child;
        }));
        println("main", CallerThread.mayClone(false) + " child=" + unameN());
    }

    /**
     * Mode {@code bindroot} (root, run in a mount namespace of its own: its mounts stay there): a
     * thread whose root and working directory are a bind mount of {@code /}, the same directory
     * (device and inode) on another mount, which has a {@code /proc} of its own but not the
     * JVM's other submounts ({@code /sys} is an empty directory there). Only the mount id tells
     * it from the JVM's root: the verdict must be no, and the child must see the JVM's
     * {@code /sys}, not the thread's.
     */
    private static void bindRoot() throws Exception {
        OriginThread.isCurrent();
        Path dir = Files.createTempDirectory("linuxns-bindroot");
        try {
            Native.mount("/", dir.toString(), null, LinuxNs.MS_BIND(), null);
            try {
                Native.mount("proc", dir.resolve("proc").toString(), "proc", 0, null);
                try {
                    println("bindroot", on(false, () -> {
                        Native.unshare(LinuxNs.CLONE_FS());
                        try (Arena arena = Arena.ofConfined()) {
                            long r = Native.rawSyscall(LinuxNs.SYS_chroot(), arena.allocateFrom(dir.toString()).address(), 0, 0, 0, 0, 0);
                            if (r != 0) throw new IllegalStateException("chroot(" + dir + "): " + r);
                        }
                        chdir("/");
                        boolean may = CallerThread.mayClone(false);
                        Process p = new NamespacedProcessBuilder("/bin/sh", "-c", "test -d /sys/kernel").inheritIO().start();
                        return may + " child=" + p.waitFor();
                    }));
                } finally {
                    umount(dir.resolve("proc"));
                }
            } finally {
                umount(dir);
            }
        } finally {
            Files.delete(dir);
        }
    }

    private static void umount(Path target) {
        int r = Native.rawUmount2(target.toString(), 0);
        if (r != 0) throw new IllegalStateException("umount2(" + target + "): " + r);
    }

    /** The child's hostname, through a file: a pipe's Java stream is opened through /proc/self/fd. */
    private static String unameN() throws Exception {
        Path out = Files.createTempFile("linuxns-uname", ".out");
        try {
            Process p = new NamespacedProcessBuilder("uname", "-n").redirectError(Redirect.INHERIT).redirectInput(Redirect.INHERIT)
                    .redirectOutput(Redirect.to(out.toFile())).start();
            if (p.waitFor() != 0) throw new IllegalStateException("uname -n failed");
            return Files.readString(out).strip();
        } finally {
            Files.delete(out);
        }
    }

    private static void chdir(String dir) {
        try (Arena arena = Arena.ofConfined()) {
            long r = Native.rawSyscall(LinuxNs.SYS_chdir(), arena.allocateFrom(dir).address(), 0, 0, 0, 0, 0);
            if (r != 0) throw new IllegalStateException("chdir(" + dir + "): " + r);
        }
    }

    private static <T> T on(boolean virtual, Callable<T> body) throws Exception {
        AtomicReference<Object> result = new AtomicReference<>();
        Runnable r = () -> {
            try {
                result.set(body.call());
            } catch (Throwable t) {
                result.set(t);
            }
        };
        Thread t = virtual ? Thread.ofVirtual().start(r) : Thread.ofPlatform().start(r);
        t.join();
        if (result.get() instanceof Throwable e) throw new IllegalStateException(e);
        @SuppressWarnings("unchecked") T v = (T) result.get();
        return v;
    }

    private static void println(String key, Object value) {
        System.out.println(key + "=" + value);
    }
}
