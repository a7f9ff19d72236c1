package io.linuxns.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A long-running process in new UTS, network and user namespaces (util-linux
 * {@code unshare -r -u -n}, which execs, so its pid is the sleeper's), for nsenter and ls to
 * look at. Closing kills it.
 */
final class TargetProcess implements AutoCloseable {
    final Process process;

    TargetProcess(String hostname) throws IOException, InterruptedException {
        process = new ProcessBuilder("unshare", "-r", "-u", "-n", "sh", "-c", "hostname " + hostname + "; exec sleep 600")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // The hostname is set once sh has exec'd sleep; wait for that (no time limit on the result).
        Path comm = Path.of("/proc/" + process.pid() + "/comm");
        while (process.isAlive()) {
            try {
                if (Files.readString(comm).strip().equals("sleep")) return;
            } catch (IOException notYet) {
                // the process is being set up
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("the target process ended, exit " + process.exitValue());
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
