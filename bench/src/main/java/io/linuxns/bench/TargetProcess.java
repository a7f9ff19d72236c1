package io.linuxns.bench;

import io.linuxns.NamespaceType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A process sitting in new UTS, IPC, NET, MNT and CGROUP namespaces ({@code unshare(1)} running
 * {@code sleep}): the namespaces the entering benchmarks join, by {@code /proc/PID/ns/*} file
 * descriptors or by one pidfd.
 *
 * <p>Started from a fresh platform thread: {@code ProcessBuilder} may create the JDK's process
 * reaper thread, and a new thread shares the creating thread's file-system attributes and
 * inherits its namespaces; the benchmark thread may have unshared those already.
 */
public final class TargetProcess implements AutoCloseable {
    private final Process process;

    private TargetProcess(Process process) {
        this.process = process;
    }

    /** Starts the process and waits until it is in its namespaces. */
    public static TargetProcess start() {
        CompletableFuture<Process> started = new CompletableFuture<>();
        Thread.ofPlatform().name("bench-target-spawner").start(() -> {
            try {
                started.complete(new ProcessBuilder("unshare", "--uts", "--ipc", "--net", "--mount", "--cgroup", "sleep", "1000000")
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start());
            } catch (Throwable t) {
                started.completeExceptionally(t);
            }
        });
        TargetProcess target = new TargetProcess(started.join());
        target.awaitNamespaces();
        return target;
    }

    /** unshare(1) execs sleep once it has unshared: wait for that, so the namespaces are final. */
    private void awaitNamespaces() {
        Path comm = Path.of("/proc/" + pid() + "/comm");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            while (!Files.readString(comm).strip().equals("sleep")) {
                if (!process.isAlive()) throw new IllegalStateException("unshare(1) exited with " + process.exitValue());
                if (System.nanoTime() > deadline) throw new IllegalStateException("unshare(1) did not exec sleep within 10 s");
                Thread.sleep(1);
            }
            for (NamespaceType t : NamespaceType.threadScoped()) {
                String theirs = Files.readSymbolicLink(nsFile(t)).toString();
                String ours = Files.readSymbolicLink(Path.of("/proc/thread-self/ns", t.procName())).toString();
                if (theirs.equals(ours)) throw new IllegalStateException("target process is still in our " + t + " namespace");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** {@return the process id} */
    public long pid() {
        return process.pid();
    }

    /** {@return {@code /proc/PID/ns/TYPE} of the process} */
    public Path nsFile(NamespaceType type) {
        return Path.of("/proc/" + pid() + "/ns/" + type.procName());
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
