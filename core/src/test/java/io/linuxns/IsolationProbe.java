package io.linuxns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Run in a child JVM by {@link SpawnIsolationTest}, for what needs a JVM of its own; prints
 * {@code key=value} lines. Not a test itself.
 *
 * <ul>
 * <li>{@code attack}: {@link MemoryAttack}'s control and attacks, as whatever user runs it
 *     (the test runs it as uid 65534);
 * <li>{@code leftover keep|die|die-join|die-term} ({@code die-term}: an init with dieWithParent(SIGTERM)
 *     and a command that ignores SIGTERM): starts {@code sleep 30} under an init (or, with
 *     {@code die-join}, a forwarder into a holder's PID namespace) without / with
 *     {@code dieWithParent(SIGALRM)}, with {@code keep} fills 300 MB of heap, prints the pids
 *     of the init and the command, then ends this JVM at once;
 * <li>{@code groups}: with the supplementary groups this JVM was started with, compares the
 *     groups a user-namespace join leaves with what {@code nsenter} leaves.
 * </ul>
 */
public final class IsolationProbe {
    /** SIGALRM: a death signal that an init which blocks every signal would never act on unless it waits for it. */
    static final int SIGALRM = 14;
    static final int HEAP_MB = 300;

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "attack" -> {
                out("uid", Integer.toString(TestSupport.uid()));
                out("control", MemoryAttack.control().line());
                out("init", MemoryAttack.fromInitSandbox().line());
                out("join", MemoryAttack.fromJoinedNamespace().line());
            }
            case "leftover" -> leftover(args[1]);
            case "groups" -> groups();
            default -> throw new IllegalArgumentException(args[0]);
        }
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /**
     * @param mode {@code keep}: an init without a death signal, and 300 MB of heap touched;
     *        {@code die}: an init with dieWithParent(SIGALRM); {@code die-join}: the same for the
     *        forwarder of a join into a holder's PID namespace (the holder stays: the test kills it)
     */
    private static void leftover(String mode) throws IOException {
        // die-term: a forwarded death signal (SIGTERM) that the command ignores.
        NamespacedProcessBuilder b = (mode.equals("die-term")
                ? new NamespacedProcessBuilder("sh", "-c", "trap '' TERM; exec sleep 30")
                : new NamespacedProcessBuilder("sleep", "30"))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        Process holder = null;
        Namespace pid = null;
        if (mode.equals("die-join")) {
            holder = new NamespacedProcessBuilder("sleep", "60").unshare(NamespaceType.PID)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            out("holder", Long.toString(holder.pid()));
            pid = ((NamespacedProcess) holder).namespace(NamespaceType.PID);
            b.join(pid);
        } else {
            b.unshare(NamespaceType.PID).init(true);
        }
        if (mode.equals("die-term")) b.dieWithParent(15);
        else if (!mode.equals("keep")) b.dieWithParent(SIGALRM);
        Process waiting;
        try {
            waiting = b.start();
        } catch (IOException | RuntimeException e) {
            if (holder != null) holder.destroyForcibly(); // the test would never learn of it
            throw e;
        } finally {
            if (pid != null) pid.close();
        }
        // start() returns at the command's exec: the init's (forwarder's) child is there.
        long command = ProcessHandle.of(waiting.pid()).orElseThrow().children().findFirst().orElseThrow().pid();
        if (mode.equals("keep")) {
            // Touched, not just reserved: an init that shares this address space would keep all of it resident.
            byte[][] heap = new byte[HEAP_MB][];
            for (int i = 0; i < HEAP_MB; i++) {
                heap[i] = new byte[1 << 20];
                for (int j = 0; j < heap[i].length; j += 4096) heap[i][j] = (byte) (i + j);
            }
            out("heap", Integer.toString(heap.length));
        }
        out("comm", Files.readString(Path.of("/proc/" + waiting.pid() + "/comm")).strip());
        out("init", Long.toString(waiting.pid()));
        out("command", Long.toString(command));
    }

    /**
     * For a holder user namespace (root mapped to 100000) with setgroups allow and deny: the
     * {@code Groups:} line of a joined command, without and with preserveCredentials, next to
     * nsenter's, without and with --preserve-credentials.
     */
    private static void groups() throws Exception {
        out("self", groupsOf(Files.readString(Path.of("/proc/self/status"))));
        for (SetGroups sg : SetGroups.values()) {
            String k = sg.name().toLowerCase();
            Process holder = new NamespacedProcessBuilder("sh", "-c", "echo ok; exec sleep 60").unshare(NamespaceType.USER)
                    .uidMap(new IdMapping(0, 100000, 65536)).gidMap(new IdMapping(0, 100000, 65536)).setgroups(sg).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
                 Namespace user = ((NamespacedProcess) holder).namespace(NamespaceType.USER)) {
                if (!"ok".equals(r.readLine())) throw new IllegalStateException("holder did not start");
                out(k + ".setgroups", Files.readString(Path.of("/proc/" + holder.pid() + "/setgroups")).strip());
                String[] grep = {"grep", "Groups", "/proc/self/status"};
                out(k + ".spawn", spawned(new NamespacedProcessBuilder(grep).join(user)));
                out(k + ".nsenter", nsenter(List.of("nsenter", "--user", "--target", Long.toString(holder.pid()), "--"), grep));
                out(k + ".spawn-preserve", spawned(new NamespacedProcessBuilder(grep).join(user).preserveCredentials(true)));
                out(k + ".nsenter-preserve", nsenter(List.of("nsenter", "--user", "--preserve-credentials", "--target",
                        Long.toString(holder.pid()), "--"), grep));
            } finally {
                holder.destroyForcibly().waitFor();
            }
        }
    }

    private static String spawned(NamespacedProcessBuilder b) {
        try {
            Spawned s = Spawned.run(b);
            return s.exit() == 0 ? groupsOf(s.out()) : "exit " + s.exit() + " " + s.err().strip();
        } catch (IOException | InterruptedException e) {
            return "failed: " + e.getMessage().replace('\n', ' ');
        }
    }

    private static String nsenter(List<String> prefix, String... command) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("nsenter hung");
        return p.exitValue() == 0 ? groupsOf(out) : "exit " + p.exitValue() + " " + out.strip();
    }

    /** {@return the gids of the {@code Groups:} line, space-separated; "" for none} */
    static String groupsOf(String status) {
        return status.lines().filter(l -> l.startsWith("Groups:")).findFirst().orElseThrow()
                .substring("Groups:".length()).strip().replaceAll("\\s+", " ");
    }

    private static void out(String key, String value) {
        System.out.println(key + "=" + value.replace('\n', ' '));
    }
}
