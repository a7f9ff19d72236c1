package io.linuxns.bench;

import io.linuxns.NamespaceType;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Keeps a benchmark that switches namespaces on JMH's own worker thread honest.
 *
 * <p>The measured methods enter a namespace and restore the original one before returning, on
 * the thread JMH runs them on. JMH gives every benchmark run a fresh executor and shuts it down
 * afterwards, so that thread belongs to this benchmark alone; it may however hand a state object
 * to another of its threads between iterations. So, per iteration:
 * <ul>
 * <li>{@link #adopt(boolean)} (in {@code @Setup(Level.Iteration)}) records the thread's
 *     namespaces, root and working directory, and the namespaces of every thread of the JVM,
 *     the first time it sees a thread; for a mount namespace benchmark it gives that thread its
 *     own root and working directory ({@code unshare(CLONE_FS)}), which {@code setns(MNT)}
 *     needs and which keeps a pidfd setns from moving the whole JVM (docs/design.md §2);</li>
 * <li>{@link #verify()} (in {@code @TearDown(Level.Iteration)}) puts the working directory back
 *     (joining a mount namespace moves it to that namespace's root) and throws
 *     {@link IllegalStateException} if the thread is not back in the namespaces, root and
 *     directory it started in, or if any other thread of the JVM changed namespace.</li>
 * </ul>
 * A failing check fails the benchmark: its figures would not mean what they say.
 */
public final class ThreadGuard {
    private Thread owner;
    private Map<String, String> threadState;
    private Map<String, String> otherThreads;
    private int cwdFd = -1;

    /**
     * Takes the calling thread (JMH's worker) as the one that will switch namespaces, unless it
     * already did; with {@code ownFs}, unshares its file-system attributes first.
     */
    public void adopt(boolean ownFs) {
        Thread me = Thread.currentThread();
        if (me == owner) return;
        if (owner != null) verifyOthers(); // the previous owner must be back before we look away
        owner = me;
        threadState = threadSnapshot();
        otherThreads = allThreadsSnapshot();
        Map<String, String> main = mainThreadNamespaces();
        for (Map.Entry<String, String> e : main.entrySet()) {
            if (!e.getValue().equals(threadState.get(e.getKey()))) {
                throw new IllegalStateException("benchmark thread " + me.getName() + " does not start in the main thread's "
                        + e.getKey() + " namespace (" + threadState.get(e.getKey()) + " vs " + e.getValue() + ")");
            }
        }
        if (cwdFd >= 0) Native.close(cwdFd);
        try {
            cwdFd = Native.open(".", LinuxNs.O_PATH() | LinuxNs.O_DIRECTORY() | LinuxNs.O_CLOEXEC(), 0);
            // Irreversible for this thread; it is JMH's thread for this benchmark run only, and it
            // creates no threads (a thread it created would share this private fs_struct).
            if (ownFs) Native.unshare(LinuxNs.CLONE_FS());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Restores the working directory and checks that nothing is left in another namespace. */
    public void verify() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("iteration ended on " + Thread.currentThread().getName() + ", not on "
                    + owner.getName() + " which switched namespaces");
        }
        if (RawFfm.fchdir(cwdFd) != 0) throw new IllegalStateException("fchdir back to the original working directory failed");
        Map<String, String> now = threadSnapshot();
        if (!now.equals(threadState)) {
            throw new IllegalStateException("benchmark thread " + owner.getName() + " did not return where it started:\n  before "
                    + threadState + "\n  after  " + now);
        }
        verifyOthers();
    }

    /** Closes the saved directory descriptor after a final check. */
    public void close() {
        if (owner != null && Thread.currentThread() == owner) verify();
        if (cwdFd >= 0) Native.close(cwdFd);
        cwdFd = -1;
    }

    private void verifyOthers() {
        Map<String, String> now = allThreadsSnapshot();
        StringBuilder changed = new StringBuilder();
        for (Map.Entry<String, String> e : now.entrySet()) {
            String before = otherThreads.get(e.getKey());
            // Threads born since adopt() must be in the namespaces the JVM started in.
            String expected = before != null ? before : threadState.get(e.getKey().substring(e.getKey().lastIndexOf('/') + 1));
            if (expected != null && !expected.equals(e.getValue())) {
                changed.append("\n  ").append(e.getKey()).append(": ").append(expected).append(" -> ").append(e.getValue());
            }
        }
        if (!changed.isEmpty()) throw new IllegalStateException("threads of the JVM changed namespaces:" + changed);
    }

    /** {@return the calling thread's namespace links plus its root and working directory} */
    static Map<String, String> threadSnapshot() {
        Map<String, String> m = new LinkedHashMap<>();
        Path self = Path.of("/proc/thread-self");
        for (NamespaceType t : NamespaceType.values()) m.put(t.procName(), link(self.resolve("ns").resolve(t.procName())));
        m.put("root", link(self.resolve("root")));
        m.put("cwd", link(self.resolve("cwd")));
        return m;
    }

    private static Map<String, String> mainThreadNamespaces() {
        Map<String, String> m = new LinkedHashMap<>();
        for (NamespaceType t : NamespaceType.values()) m.put(t.procName(), link(Path.of("/proc/self/ns", t.procName())));
        return m;
    }

    /** {@return "tid (comm)/type" to the namespace link, for every thread of the JVM but the owner} */
    private Map<String, String> allThreadsSnapshot() {
        Map<String, String> m = new TreeMap<>();
        String ownTid = Path.of(link(Path.of("/proc/thread-self"))).getFileName().toString();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String tid = task.getFileName().toString();
                if (tid.equals(ownTid)) continue;
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    // The library's executor threads live in namespaces of their own by design.
                    if (comm.startsWith("linuxns-exec")) continue;
                    for (NamespaceType t : NamespaceType.values()) {
                        m.put(tid + " (" + comm + ")/" + t.procName(), Files.readSymbolicLink(task.resolve("ns").resolve(t.procName())).toString());
                    }
                } catch (IOException gone) {
                    // The thread ended while we looked.
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
