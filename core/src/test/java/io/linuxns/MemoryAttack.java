package io.linuxns;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A sandboxed process trying to write into the JVM's memory through {@code /proc/PID/mem}
 * ({@code proc_pid_mem(5)}): the JVM allocates a segment holding {@link #MARKER}, hands its
 * address to a shell in the sandbox, and the shell writes {@link #PAYLOAD} at that address of
 * every process it can open with {@code dd}. A process that shares the JVM's address space
 * (the old engine's init, forwarder and clone3 child did: {@code clone(CLONE_VM)}) and carries
 * the sandbox's credentials lets the write land in the JVM; the marker then changes.
 *
 * <p>No JUnit here: {@link IsolationProbe} runs these as uid 65534 and prints the outcomes.
 */
final class MemoryAttack {
    private MemoryAttack() {}

    static final String MARKER = "linuxns-isolation-marker:the-JVM's-own-bytes";
    static final String PAYLOAD = "OWNED-BY-SANDBOX!!!!!";

    /**
     * POSIX sh: {@code try_mem FILE} writes the payload at byte {@code $ADDR} (hex) of FILE with
     * dd and prints {@code WROTE FILE}, or {@code FAILED FILE: } and dd's first complaint.
     */
    static final String PRELUDE = """
            try_mem() {
              if err=$(printf '%s' '@PAYLOAD@' | dd of="$1" bs=1 seek=$(($ADDR)) conv=notrunc 2>&1); then
                echo "WROTE $1"
              else
                echo "FAILED $1: $(printf '%s\\n' "$err" | head -n 1)"
              fi
            }
            """.replace("@PAYLOAD@", PAYLOAD);

    /** Inside a sandbox with its own /proc: the init (PID 1, the shell's parent), and every process there is. */
    static final String SANDBOX_SCRIPT = PRELUDE + """
            try_mem /proc/1/mem
            try_mem /proc/$PPID/mem
            for f in /proc/[0-9]*/mem; do try_mem "$f"; done
            """;

    /**
     * A holder of a user and PID namespace that sees the host's /proc (it has no mount namespace
     * of its own, as a container that shares the host's /proc): it says {@code ready}, reads the
     * address and the newcomer's pid on stdin once the test has made a process join its
     * namespaces, then attacks every process in its user namespace, which is the newcomers and
     * itself ({@code -ef}: the same namespace; it fails for processes it may not inspect), and the
     * newcomer by its pid whatever it could see of it, says {@code END} and waits.
     */
    static final String HOLDER_SCRIPT = PRELUDE + """
            echo ready
            read ADDR SUBJECT
            for d in /proc/[0-9]*; do
              if [ "$d/ns/user" -ef /proc/self/ns/user ]; then try_mem "$d/mem"; fi
            done
            try_mem "/proc/$SUBJECT/mem"
            echo END
            exec sleep 60
            """;

    /**
     * What the attack left: the target's bytes and the attacker's report.
     *
     * @param subject the process the attack must have reached (its /proc/PID/mem), or null
     */
    record Outcome(String memory, String report, String subject) {
        boolean intact() {
            return memory.equals(MARKER);
        }

        /** Whether the report shows an attempt on the subject's memory: without one the attack proved nothing. */
        boolean reachedSubject() {
            return subject == null || report.contains(" /proc/" + subject + "/mem");
        }

        /** One line for a probe's key=value output. */
        String line() {
            return (intact() ? "intact" : "OVERWRITTEN") + (reachedSubject() ? "" : " UNREACHED " + subject) + " | "
                    + report.strip().replace('\n', ';');
        }
    }

    /** The JVM memory under attack: a shared arena's segment holding the marker, NUL-terminated. */
    static final class Target implements AutoCloseable {
        private final Arena arena = Arena.ofShared();
        private final MemorySegment segment = arena.allocateFrom(MARKER, StandardCharsets.US_ASCII);

        /** {@return the segment's address as {@code 0x...}, for $ADDR} */
        String address() {
            return "0x" + Long.toHexString(segment.address());
        }

        /** {@return the marker's bytes as they are now} */
        String now() {
            return new String(segment.asSlice(0, MARKER.length()).toArray(JAVA_BYTE), StandardCharsets.US_ASCII);
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /**
     * The positive control: the same dd line run on the host as this JVM's own user, against
     * this JVM's /proc/PID/mem. It must overwrite the marker, or the attack's method (address
     * format, dd's seek, a kernel that refuses /proc/PID/mem writes) is broken and an
     * "intact" marker would prove nothing.
     */
    static Outcome control() throws IOException, InterruptedException {
        try (Target t = new Target()) {
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", PRELUDE + "try_mem /proc/" + ProcessHandle.current().pid() + "/mem")
                    .redirectErrorStream(true);
            pb.environment().put("ADDR", t.address());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) throw new IllegalStateException("control attack hung");
            return new Outcome(t.now(), out, null);
        }
    }

    /**
     * The sandbox of the issue: new user (root mapped to the caller), PID and mount namespaces,
     * its own /proc, and an init as PID 1 whose child the shell is.
     */
    static Outcome fromInitSandbox() throws IOException, InterruptedException {
        try (Target t = new Target()) {
            NamespacedProcessBuilder b = new NamespacedProcessBuilder("/bin/sh", "-c", SANDBOX_SCRIPT)
                    .unshare(NamespaceType.USER, NamespaceType.PID, NamespaceType.MOUNT).mapRootToCurrentUser().mountProc().init(true);
            b.environment().put("ADDR", t.address());
            Spawned s = Spawned.run(b);
            return new Outcome(t.now(), s.out() + s.err() + "exit " + s.exit(), "1");
        }
    }

    /**
     * A process already in a user and PID namespace (a holder, root in it mapped to the caller)
     * attacks a spawn that joins both namespaces while that spawn runs: its forwarder (outside
     * the PID namespace, in the user namespace) and its command.
     */
    static Outcome fromJoinedNamespace() throws IOException, InterruptedException {
        try (Target t = new Target()) {
            Process holder = new NamespacedProcessBuilder("/bin/sh", "-c", HOLDER_SCRIPT).unshare(NamespaceType.USER, NamespaceType.PID)
                    .mapRootToCurrentUser().redirectErrorStream(true).start();
            Process joined = null;
            try (BufferedReader fromHolder = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
                 OutputStream toHolder = holder.getOutputStream();
                 Namespace user = ((NamespacedProcess) holder).namespace(NamespaceType.USER);
                 Namespace pid = ((NamespacedProcess) holder).namespace(NamespaceType.PID)) {
                String ready = fromHolder.readLine();
                if (!"ready".equals(ready)) throw new IllegalStateException("holder said " + ready);
                joined = new NamespacedProcessBuilder("/bin/sh", "-c", "echo in; exec sleep 60").join(user, pid)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                BufferedReader fromJoined = new BufferedReader(new InputStreamReader(joined.getInputStream(), StandardCharsets.UTF_8));
                String in = fromJoined.readLine();
                if (!"in".equals(in)) throw new IllegalStateException("the joining process said " + in);
                toHolder.write((t.address() + " " + joined.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
                toHolder.flush();
                List<String> report = new ArrayList<>();
                for (String line; (line = fromHolder.readLine()) != null && !line.equals("END"); ) report.add(line);
                return new Outcome(t.now(), String.join("\n", report), Long.toString(joined.pid()));
            } finally {
                // The holder first: the namespace's end kills the command, which its forwarder reaps
                // (killed first, the forwarder would leave the command's zombie to the host's init).
                holder.destroyForcibly().waitFor();
                if (joined != null) {
                    joined.destroyForcibly().waitFor();
                    joined.getInputStream().close();
                    joined.getOutputStream().close();
                }
            }
        }
    }
}
