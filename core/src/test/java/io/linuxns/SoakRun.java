package io.linuxns;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak: {@code N} spawns from platform and virtual threads while other threads churn garbage
 * and call {@link System#gc()}, then what they left behind. Run in a JVM of its own, one per
 * collector, by {@link SpawnStressTest} (as root) and in part by {@link RootlessProbe} (as uid
 * 65534); it prints {@code key=value} lines:
 * <ul>
 *   <li>{@code spawns}, {@code failures} (a wrong exit code or output, or an exception from
 *       {@code start()}), {@code hangs} (a spawn not done within the per-spawn timeout,
 *       {@code -Dlinuxns.soak.timeout} seconds, 60 by default), {@code wallMs};
 *   <li>{@code fds}: descriptors open after that were not before ({@code same} if none);
 *   <li>{@code children}: processes left whose parent is this JVM (zombies included), and
 *       {@code descendants}: any process below it;
 *   <li>{@code mounts}: lines added to or gone from {@code /proc/self/mountinfo};
 *   <li>{@code nmtOtherMallocKB}, {@code nmtMallocKB}, {@code nmtCommittedKB}: the Native Memory
 *       Tracking summary after minus before (needs {@code -XX:NativeMemoryTracking=summary}).
 *       "Other" holds {@code Unsafe.allocateMemory}, where every FFM arena the library uses
 *       allocates: that is the one checked; the totals also move with the heap, JIT and GC.
 * </ul>
 * Every spawn is one of seven kinds, in turn: {@code /bin/true} (the direct path); a user, PID
 * and UTS namespace reading the hostname back; a network namespace with loopback reading
 * {@code /proc/net/dev}; an init with a mount namespace and {@code /proc} mounted; a pipe both ways
 * through {@code cat}; UTS, IPC, PID and mount namespaces that clone3 makes, with no helper
 * (a user namespace too without root); a user, PID and mount namespace with root mapped, with
 * no helper either (the child waits for its maps). Without root the namespaces are owned by a
 * new user namespace.
 */
public final class SoakRun {
    private SoakRun() {}

    public static void main(String[] args) throws Exception {
        int spawns = Integer.parseInt(args[0]);
        boolean root = TestSupport.isRoot();
        long w0 = System.nanoTime();
        // Warm up: the library's threads, caches (helper images) and classes, and the JIT a little.
        for (int i = 0; i < KINDS; i++) {
            String wrong = spawn(i, root, 60);
            if (wrong != null) throw new IllegalStateException("warm-up spawn " + i + ": " + wrong);
        }
        settle();
        out("warmUpMs", String.valueOf(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - w0)));
        // NMT's baseline first: the platform MBean server it goes through looks services up on the
        // class path, which opens every jar on it (the library itself no longer does at its first spawn).
        Map<String, Long> nmt = nativeMemory();
        Set<String> fds = TestSupport.openFds();
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));

        long t0 = System.nanoTime();
        Result r = run(spawns, root, 2, 2, Integer.getInteger("linuxns.soak.timeout", 60));
        long wallMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        out("spawns", String.valueOf(spawns));
        out("failures", String.valueOf(r.failures.size()));
        out("hangs", String.valueOf(r.hangs.size()));
        out("wallMs", String.valueOf(wallMs));
        StringBuilder perKind = new StringBuilder();
        for (int k = 0; k < KINDS; k++) {
            long n = Math.max(1, KIND_COUNT.get(k));
            perKind.append(k == 0 ? "" : " ").append(String.format("%.1f", KIND_NANOS.get(k) / 1e6 / n));
        }
        out("meanMsPerKind", perKind + " (plain, user+pid+uts, network, init+mount, pipes, direct-ns, direct-user)");
        for (String f : r.failures.subList(0, Math.min(20, r.failures.size()))) out("failure", f);
        for (String h : r.hangs) out("hang", h);
        if (!r.hangs.isEmpty()) {
            // The spawners are stuck: say where, and do not wait for them.
            Thread.getAllStackTraces().forEach((t, s) -> {
                if (t.getName().startsWith("soak-")) out("stack", t + " " + java.util.Arrays.toString(s));
            });
            System.out.flush();
            Runtime.getRuntime().halt(1);
        }
        settle();
        Set<String> newFds = TestSupport.newFds(fds);
        out("fds", newFds.isEmpty() ? "same" : "new " + newFds);
        out("children", String.valueOf(leftChildren()));
        out("descendants", String.valueOf(ProcessHandle.current().descendants().count()));
        List<String> nowMounts = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        Set<String> added = new HashSet<>(nowMounts);
        added.removeAll(mounts);
        Set<String> gone = new HashSet<>(mounts);
        gone.removeAll(nowMounts);
        out("mounts", added.isEmpty() && gone.isEmpty() ? "same" : "added " + added + " gone " + gone);
        Map<String, Long> after = nativeMemory();
        for (String k : List.of("OtherMallocKB", "MallocKB", "CommittedKB")) {
            if (nmt.containsKey(k) && after.containsKey(k)) out("nmt" + k, String.valueOf(after.get(k) - nmt.get(k)));
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /** What went wrong in a run: failures and hangs, one description each. */
    record Result(List<String> failures, List<String> hangs) {}

    /**
     * {@code spawns} spawns from {@code platform} platform and {@code virtual} virtual threads while
     * two threads churn garbage and call {@code System.gc()}.
     */
    static Result run(int spawns, boolean root, int platform, int virtual, int timeoutSeconds) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> churn = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            churn.add(Thread.ofPlatform().daemon().name("soak-churn-" + t).start(() -> {
                List<byte[]> keep = new ArrayList<>();
                long k = 0;
                while (!stop.get()) {
                    keep.add(new byte[1024 + (int) (k++ % 16384)]);
                    if (keep.size() > 3000) keep.clear();
                    if (k % 20000 == 0) System.gc();
                    // A breath every ~9 MB: collections stay frequent (several a second), and
                    // the spawns still get a share of a small machine's cores.
                    if (k % 1000 == 0) {
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
            }));
        }
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        Map<Integer, Long> inFlight = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        Runnable spawner = () -> {
            int i;
            while ((i = next.getAndIncrement()) < spawns) {
                long since = System.nanoTime();
                inFlight.put(i, since);
                try {
                    String wrong = spawn(i, root, timeoutSeconds);
                    KIND_NANOS.addAndGet(i % KINDS, System.nanoTime() - since);
                    KIND_COUNT.incrementAndGet(i % KINDS);
                    if (wrong != null) failures.add("spawn " + i + " (kind " + i % KINDS + "): " + wrong);
                } catch (Throwable e) {
                    failures.add("spawn " + i + " (kind " + i % KINDS + "): " + e);
                }
                inFlight.remove(i);
                // For long runs by hand: something to read while it runs, and after a crash.
                if ((i + 1) % 1000 == 0) out("progress", (i + 1) + " started, " + failures.size() + " failures");
            }
        };
        List<Thread> spawners = new ArrayList<>();
        for (int t = 0; t < platform; t++) spawners.add(Thread.ofPlatform().name("soak-platform-" + t).start(spawner));
        for (int t = 0; t < virtual; t++) spawners.add(Thread.ofVirtual().name("soak-virtual-" + t).start(spawner));
        // A spawn stuck in start() never returns to its thread's timeout: the in-flight list tells.
        List<String> hangs = new ArrayList<>();
        long limit = TimeUnit.SECONDS.toNanos(timeoutSeconds) * 2;
        for (Thread t : spawners) {
            while (!t.join(java.time.Duration.ofSeconds(1))) {
                long now = System.nanoTime();
                inFlight.forEach((i, since) -> {
                    if (now - since > limit) hangs.add("spawn " + i + " (kind " + i % KINDS + ") in flight for " + (now - since) / 1_000_000_000 + " s");
                });
                if (!hangs.isEmpty()) break;
            }
            if (!hangs.isEmpty()) break;
        }
        stop.set(true);
        for (Thread t : churn) t.join();
        List<String> all = new ArrayList<>(failures);
        // A waitFor timeout is a hang too.
        all.removeIf(f -> f.contains(HUNG) && hangs.add(f));
        return new Result(all, hangs);
    }

    private static final int KINDS = 7;
    /** Time from start() to the output read, per kind: where a long run's time goes. */
    private static final java.util.concurrent.atomic.AtomicLongArray KIND_NANOS = new java.util.concurrent.atomic.AtomicLongArray(KINDS);
    private static final java.util.concurrent.atomic.AtomicLongArray KIND_COUNT = new java.util.concurrent.atomic.AtomicLongArray(KINDS);
    private static final String HUNG = "did not exit within";

    /** One spawn of kind {@code i % KINDS}; {@code null} if it did what it should, else what went wrong. */
    static String spawn(int i, boolean root, int timeoutSeconds) throws Exception {
        NamespacedProcessBuilder b;
        String input = null;
        String expected;
        switch (i % KINDS) {
            case 0 -> {
                b = new NamespacedProcessBuilder("/bin/true").redirectOutput(ProcessBuilder.Redirect.DISCARD);
                expected = "";
            }
            case 1 -> {
                b = new NamespacedProcessBuilder("/bin/sh", "-c", "test $(id -u) = 0 && test $$ = 1 && cat /proc/sys/kernel/hostname")
                        .mapRootToCurrentUser().unshare(NamespaceType.PID, NamespaceType.UTS).hostname("soak" + i);
                expected = "soak" + i + "\n";
            }
            case 2 -> {
                // A new namespace has one interface, lo, which the parent brought up through netlink.
                b = new NamespacedProcessBuilder("/bin/sh", "-c", "grep -c : /proc/net/dev").unshare(NamespaceType.NETWORK).loopback(true);
                if (!root) b.mapRootToCurrentUser();
                expected = "1\n";
            }
            case 3 -> {
                b = new NamespacedProcessBuilder("/bin/sh", "-c", "test $$ = 2 && cat /proc/1/comm")
                        .unshare(NamespaceType.PID, NamespaceType.MOUNT, NamespaceType.IPC).init(true).mountProc();
                if (!root) b.mapRootToCurrentUser();
                expected = "linuxns-init\n";
            }
            case 5 -> {
                b = new NamespacedProcessBuilder("/bin/sh", "-c", "test $$ = 1 && echo direct")
                        .unshare(NamespaceType.UTS, NamespaceType.IPC, NamespaceType.PID, NamespaceType.MOUNT);
                if (!root) b.mapRootToCurrentUser();
                expected = "direct\n";
            }
            case 6 -> {
                b = new NamespacedProcessBuilder("/bin/sh", "-c", "test $(id -u) = 0 && test $$ = 1 && echo mapped")
                        .unshare(NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT).mapRootToCurrentUser();
                expected = "mapped\n";
            }
            default -> {
                b = new NamespacedProcessBuilder("cat");
                input = "through cat " + i + "\n";
                expected = input;
            }
        }
        b.redirectError(ProcessBuilder.Redirect.INHERIT);
        Process p = b.start();
        try {
            if (input != null) {
                p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) return HUNG + " " + timeoutSeconds + " s: " + p;
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) return "exited " + p.exitValue() + ", output " + out;
            return out.equals(expected) ? null : "output " + out + " instead of " + expected;
        } finally {
            if (p.isAlive()) p.destroyForcibly().waitFor();
            p.getInputStream().close();
            p.getErrorStream().close();
        }
    }

    /** The reaper and the exit threads finish their work on their own time: give them a moment, and the GC a turn. */
    private static void settle() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
    }

    /** Children of this JVM left over (zombies included), looked for again for up to a second: the reaper reaps asynchronously. */
    private static long leftChildren() throws InterruptedException {
        long n = ProcessHandle.current().children().count();
        for (int i = 0; i < 50 && n > 0; i++) {
            Thread.sleep(20);
            n = ProcessHandle.current().children().count();
        }
        return n;
    }

    private static final Pattern TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    private static final Pattern TOTAL_MALLOC = Pattern.compile("^\\s*malloc: (\\d+)KB", Pattern.MULTILINE);
    private static final Pattern OTHER = Pattern.compile("-\\s+Other \\(reserved=\\d+KB, committed=\\d+KB\\)\\s*\\n\\s*\\(malloc=(\\d+)KB");

    /** The NMT summary's totals and its "Other" malloc, in KB; empty without {@code -XX:NativeMemoryTracking}. */
    static Map<String, Long> nativeMemory() {
        String summary;
        try {
            // What jcmd PID VM.native_memory summary prints, in-process: no jcmd child to count.
            // Reflection: the test sources are compiled into the io.linuxns module, which does not read java.management.
            Object server = Class.forName("java.lang.management.ManagementFactory").getMethod("getPlatformMBeanServer").invoke(null);
            Class<?> objectName = Class.forName("javax.management.ObjectName");
            Object dcmd = objectName.getConstructor(String.class).newInstance("com.sun.management:type=DiagnosticCommand");
            summary = (String) Class.forName("javax.management.MBeanServer")
                    .getMethod("invoke", objectName, String.class, Object[].class, String[].class)
                    .invoke(server, dcmd, "vmNativeMemory", new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
        } catch (Exception e) {
            throw new IllegalStateException("VM.native_memory summary", e);
        }
        Map<String, Long> m = new java.util.HashMap<>();
        Matcher t = TOTAL.matcher(summary);
        if (t.find()) m.put("CommittedKB", Long.parseLong(t.group(2)));
        Matcher tm = TOTAL_MALLOC.matcher(summary);
        if (tm.find()) m.put("MallocKB", Long.parseLong(tm.group(1)));
        Matcher o = OTHER.matcher(summary);
        if (o.find()) m.put("OtherMallocKB", Long.parseLong(o.group(1)));
        return m;
    }

    private static void out(String key, String value) {
        System.out.println(key + "=" + value.replace('\n', ' '));
    }
}
