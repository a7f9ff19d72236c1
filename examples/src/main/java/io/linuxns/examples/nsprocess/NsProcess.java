package io.linuxns.examples.nsprocess;

import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.net.BridgedNetwork;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.linuxns.NamespaceType.MOUNT;
import static io.linuxns.NamespaceType.NETWORK;
import static io.linuxns.NamespaceType.PID;
import static io.linuxns.NamespaceType.USER;
import static io.linuxns.NamespaceType.UTS;

/**
 * ns-process in Java: the little container that Ed King's series "Linux Namespaces in Go" builds
 * one namespace at a time, here with {@link NamespacedProcessBuilder}, step by step in the series'
 * order. Each step is a method that starts {@code /bin/sh} (busybox's, from step 5 on) in more
 * namespaces and prints what it printed; docs/ns-process.md does the same steps with the
 * {@code linuxns} command.
 *
 * <pre>
 * mkdir -p /tmp/rootfs/bin /tmp/rootfs/proc /tmp/rootfs/tmp &amp;&amp; cp /bin/busybox /tmp/rootfs/bin/
 * ./with-jdk mvn -B -q -pl examples -am package -DskipTests
 * sudo ./with-jdk java --enable-native-access=ALL-UNNAMED \
 *     -cp examples/target/classes:core/target/classes:bindings/target/classes \
 *     io.linuxns.examples.nsprocess.NsProcess /tmp/rootfs
 * </pre>
 *
 * <p>Steps 1 (a UTS namespace alone) and 7 (a bridge on the host) need root, as in the series;
 * the others work for any user, because from step 3 on root inside is mapped to the caller.
 */
public final class NsProcess {
    private NsProcess() {}

    /**
     * Runs every step.
     *
     * @param args one argument: a directory holding a static busybox as {@code bin/busybox}, and
     *             empty {@code proc} and {@code tmp} directories
     * @throws Exception if a step fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: NsProcess ROOTFS   (a directory with a static busybox as bin/busybox, and proc/ and tmp/)");
            System.exit(2);
        }
        Path rootfs = Path.of(args[0]).toAbsolutePath();
        PrintStream out = System.out;
        boolean root = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip().equals("0");
        if (root) uts(out); else out.println("1. UTS namespace: skipped, a UTS namespace alone needs root");
        user(out);
        mappings(out);
        setupBeforeExec(out);
        pivotRoot(rootfs, out);
        pidAndProc(rootfs, out);
        if (root) {
            try (BridgedNetwork net = netsetgo()) {
                network(rootfs, net, out);
            }
        } else {
            out.println("7. Network: skipped, a bridge on the host needs root");
        }
        hostname(rootfs, out);
    }

    /**
     * Step 1: {@code CLONE_NEWUTS}. The shell changes its hostname; the host's stays as it was.
     *
     * @param out where to print
     * @throws IOException if the process cannot be started (EPERM without root)
     */
    public static void uts(PrintStream out) throws IOException {
        out.println("1. UTS namespace");
        String before = hostHostname();
        print(out, new NamespacedProcessBuilder("sh", "-c", "hostname ns-process; hostname").unshare(UTS));
        out.println("host's hostname unchanged: " + before.equals(hostHostname()));
    }

    /**
     * Step 2: {@code CLONE_NEWUSER}. With no id mapping every id shows as the overflow id, 65534.
     *
     * @param out where to print
     * @throws IOException if the process cannot be started
     */
    public static void user(PrintStream out) throws IOException {
        out.println("2. User namespace");
        print(out, new NamespacedProcessBuilder("sh", "-c", "id -u").unshare(USER));
    }

    /**
     * Step 3: uid and gid maps, written by the parent while the child waits: root inside is the
     * caller outside ({@code unshare -r}).
     *
     * @param out where to print
     * @throws IOException if the process cannot be started
     */
    public static void mappings(PrintStream out) throws IOException {
        out.println("3. UID and GID mappings");
        print(out, new NamespacedProcessBuilder("sh", "-c", "id -u; id -g; read inside outside count < /proc/self/uid_map;"
                + " echo \"uid_map: $inside $outside $count\"").unshare(USER).mapRootToCurrentUser());
    }

    /**
     * Step 4: configuring the container between clone and exec. Go cannot run code there, so
     * ns-process re-executes itself ({@code /proc/self/exe nsInitialisation}); a JVM cannot
     * either, so linuxns writes the setup as a list of system calls that the child runs before
     * its exec. A failing one is named, with its errno: here a tmpfs on a directory that does not
     * exist.
     *
     * @param out where to print
     * @throws IOException if the process cannot be started for another reason
     */
    public static void setupBeforeExec(PrintStream out) throws IOException {
        out.println("4. Setup before the program runs");
        try {
            new NamespacedProcessBuilder("true").unshare(USER, MOUNT).mapRootToCurrentUser().tmpfs(Path.of("/does/not/exist")).start();
            out.println("started, unexpectedly");
        } catch (NamespaceException e) {
            out.println("failed: " + e.step().orElse("?") + ": " + e.errnoName());
        }
    }

    /**
     * Step 5: a mount namespace and {@code pivot_root(2)} into a busybox tree. busybox installs its
     * command links from inside, so that they point at {@code /bin/busybox} of the new root.
     *
     * @param rootfs the new root
     * @param out where to print
     * @throws IOException if the process cannot be started
     */
    public static void pivotRoot(Path rootfs, PrintStream out) throws IOException {
        out.println("5. Mount namespace and pivot_root");
        print(out, new NamespacedProcessBuilder("/bin/busybox", "sh", "-c", "/bin/busybox --install -s /bin; ls /")
                .unshare(USER, MOUNT).mapRootToCurrentUser().rootfs(rootfs));
    }

    /**
     * Step 6: a PID namespace and its own {@code /proc}. The shell is PID 1, and {@code /proc}
     * shows the container's pids ({@code read} is built into the shell, so {@code /proc/self} is
     * the shell itself).
     *
     * @param rootfs the new root
     * @param out where to print
     * @throws IOException if the process cannot be started
     */
    public static void pidAndProc(Path rootfs, PrintStream out) throws IOException {
        out.println("6. PID namespace and /proc");
        print(out, new NamespacedProcessBuilder("sh", "-c", "echo \"pid $$\"; read pid rest < /proc/self/stat; echo \"/proc/self is $pid\"")
                .unshare(USER, MOUNT, PID).mapRootToCurrentUser().rootfs(rootfs).mountProc());
    }

    /**
     * netsetgo's network: bridge {@code brg0} with 10.10.10.1/24 on the host, and a veth pair whose
     * container end, {@code eth0}, gets 10.10.10.2/24 and a default route via the bridge.
     *
     * @return the network, to pass to {@link #network}
     */
    public static BridgedNetwork netsetgo() {
        return BridgedNetwork.builder().bridge("brg0", "10.10.10.1/24").containerAddress("10.10.10.2/24")
                .vethNames("veth0", "eth0").build();
    }

    /**
     * Step 7: a network namespace linked to the host by a veth pair on a bridge, which ns-process
     * gets from its setuid helper {@code netsetgo}. Here the parent sets it up while the child
     * waits before exec ({@link BridgedNetwork} is a {@code ParentSetup}), and the container pings
     * the bridge. The bridge and the host's end of the pair are created in the calling thread's
     * network namespace.
     *
     * @param rootfs the new root
     * @param net the network, such as {@link #netsetgo()}; torn down after the container ends
     * @param out where to print
     * @throws IOException if the process cannot be started or the network set up (EPERM without root)
     */
    public static void network(Path rootfs, BridgedNetwork net, PrintStream out) throws IOException {
        out.println("7. Network");
        String bridge = net.bridgeAddress().address().getHostAddress();
        try {
            print(out, new NamespacedProcessBuilder("sh", "-c", "ip -o -4 addr show dev eth0 | grep -o 'inet [0-9./]*';"
                    + " ip route | grep default; ping -c 1 -W 5 " + bridge + " | grep -o '1 packets received'")
                    .unshare(USER, MOUNT, PID, NETWORK).mapRootToCurrentUser().rootfs(rootfs).mountProc().parentSetup(net));
        } finally {
            net.teardown();
        }
    }

    /**
     * Step 8: the hostname, set by the setup before exec, and the whole container: every namespace
     * of the series, a new root, its own {@code /proc}, loopback up.
     *
     * @param rootfs the new root
     * @param out where to print
     * @throws IOException if the process cannot be started
     */
    public static void hostname(Path rootfs, PrintStream out) throws IOException {
        out.println("8. The hostname, and the whole container");
        print(out, new NamespacedProcessBuilder("sh", "-c", "hostname; id -u; echo \"pid $$\"")
                .unshare(USER, UTS, MOUNT, PID, NETWORK, NamespaceType.IPC).mapRootToCurrentUser().hostname("ns-process")
                .rootfs(rootfs).mountProc().loopback(true));
    }

    /** Starts the process, copies what it prints (stdout and stderr) to {@code out}, and checks its exit status. */
    private static void print(PrintStream out, NamespacedProcessBuilder builder) throws IOException {
        Process p = builder.redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        out.print(text);
        int status;
        try {
            status = p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (status != 0) throw new IOException(builder.command() + " exited with " + status + ": " + text);
    }

    private static String hostHostname() throws IOException {
        // One read: a sysctl file answers a read at a later offset with EOF, and Files.readString
        // of a file whose size reads as 0 starts with a one-byte read.
        try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/hostname"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }
}
