package io.linuxns.examples.jna;

import io.linuxns.Namespace;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * From JNA to linuxns: running code in another network namespace.
 *
 * <p><b>Before</b>, the snippet that Java code bases keep for it (JNA, not compiled here: linuxns
 * keeps JNA out of everything but its benchmarks' baseline):
 *
 * <pre>{@code
 * interface LibC extends Library {
 *     LibC INSTANCE = Native.load("c", LibC.class);
 *     int open(String path, int flags);
 *     int close(int fd);
 *     int setns(int fd, int nstype);
 * }
 * static final int CLONE_NEWNET = 0x40000000;
 *
 * static <T> T inNetns(String path, Callable<T> task) throws Exception {
 *     int target = LibC.INSTANCE.open(path, 0);
 *     int self = LibC.INSTANCE.open("/proc/self/ns/net", 0);
 *     if (LibC.INSTANCE.setns(target, CLONE_NEWNET) != 0) throw new IOException("setns: " + Native.getLastError());
 *     try {
 *         return task.call();
 *     } finally {
 *         LibC.INSTANCE.setns(self, CLONE_NEWNET);
 *         LibC.INSTANCE.close(target);
 *         LibC.INSTANCE.close(self);
 *     }
 * }
 * }</pre>
 *
 * <p>What is wrong with it: it moves the <em>caller's</em> thread, which may be a pool thread or the
 * carrier of a virtual thread, and any thread the task starts meanwhile (the common pool's first
 * worker, an HTTP client's selector) stays in the namespace for good; {@code /proc/self/ns/net} is
 * the main thread's namespace, not this thread's ({@code /proc/thread-self}), so "restoring" can move
 * the thread somewhere it never was; if the restoring {@code setns} fails nobody notices; the open
 * calls are unchecked and a failing {@code setns} leaks both descriptors; the error is a bare
 * number; and the same code with {@code CLONE_NEWNS} fails with EINVAL
 * (a JVM thread shares its root with the others until it calls {@code unshare(CLONE_FS)}), with
 * {@code CLONE_NEWUSER} always.
 *
 * <p><b>After</b>, {@link #inNetns}: the task runs on a thread the library made for it, the caller
 * never moves, and a failure is a {@code NamespaceException} naming the call and errno, such as
 * {@code setns(fd=7, CLONE_NEWNET): EPERM (Operation not permitted)}. Measured in bench/
 * (bench/results/latest.md, one JMH run on a loaded 2-core VM): entering and leaving a namespace
 * costs the library 2.81 µs (UTS) and 3.33 µs (NET) against JNA's 3.51 and 3.94 µs (0.80×,
 * 0.85×); five namespaces through one pidfd 9.72 against 7.45 µs (1.31×, slower); the binding
 * itself ({@code getpid}) 228 ns against 444 ns for JNA's direct mapping and 374 ns for its
 * interface (0.51×, 0.61×). A new executor costs more than a bare thread doing JNA's
 * {@code unshare}: 477 against 410 µs for UTS (1.16×), the price of a thread made from the
 * library's origin thread and a handshake; reuse the executor for many tasks.
 *
 * <pre>
 * sudo ip netns add blue
 * sudo ./with-jdk java --enable-native-access=ALL-UNNAMED \
 *     -cp examples/target/classes:core/target/classes:bindings/target/classes \
 *     io.linuxns.examples.jna.FromJna /run/netns/blue
 * </pre>
 */
public final class FromJna {
    private FromJna() {}

    /**
     * Runs {@code task} in the network namespace of the file {@code path} ({@code /run/netns/NAME},
     * {@code /proc/PID/ns/net}) and returns its result.
     *
     * @param path a network namespace file
     * @param task what to run inside
     * @param <T> the task's result type
     * @return what the task returned
     * @throws Exception what the task threw, or a {@code NamespaceException} if the namespace
     *         cannot be opened or joined
     */
    public static <T> T inNetns(Path path, Callable<T> task) throws Exception {
        try (Namespace net = Namespace.open(path);
             NamespaceExecutor inside = NamespaceExecutor.join(net)) {
            return inside.call(task);
        }
    }

    /**
     * The network devices of the calling thread's namespace, from {@code /proc/thread-self/net/dev}
     * ({@code /proc/net} and {@code java.net.NetworkInterface} show the main thread's).
     *
     * @return the device names
     * @throws IOException if the file cannot be read
     */
    public static List<String> devices() throws IOException {
        return Files.readAllLines(Path.of("/proc/thread-self/net/dev")).stream().skip(2)
                .map(line -> line.substring(0, line.indexOf(':')).strip()).toList();
    }

    /**
     * Lists the devices of the namespace {@code args[0]}, or of a new one made for the purpose.
     *
     * @param args a network namespace file, or nothing
     * @throws Exception if the namespace cannot be joined
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 1) {
            run(Path.of(args[0]), System.out);
        } else {
            // No namespace given: make one (needs root), and join it through its /proc file.
            try (NamespaceExecutor scratch = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK))) {
                run(Path.of("/proc/" + ProcessHandle.current().pid() + "/task/" + scratch.call(FromJna::tid) + "/ns/net"), System.out);
            }
        }
    }

    /**
     * Prints the namespace's devices, and that the calling thread stayed where it was.
     *
     * @param path a network namespace file
     * @param out where to print
     * @throws Exception if the namespace cannot be joined
     */
    public static void run(Path path, PrintStream out) throws Exception {
        String before = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        try (Namespace target = Namespace.open(path)) {
            out.println("devices in " + target + ": " + String.join(" ", inNetns(path, FromJna::devices)));
        }
        out.println("calling thread still in its namespace: " + before.equals(Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString()));
    }

    /** The calling thread's id in the kernel's sense (its {@code /proc/PID/task/TID}). */
    private static long tid() throws IOException {
        return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }
}
