package io.linuxns.net;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Processes, commands and sockets for the network tests. */
final class NetTestSupport {
    private NetTestSupport() {}

    static boolean isRoot() {
        return io.linuxns.Unprivileged.isRoot();
    }

    /** Runs a command to completion and returns its standard output; fails on a non-zero exit. */
    static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0) throw new IOException(command + " exited " + rc + ": " + out);
        return out;
    }

    /**
     * A process in a network namespace of its own ({@code unshare --net}), returned once it is
     * there: it prints a line after unsharing, then waits until its standard input closes.
     */
    static Process inNewNetns(String... unshareOptions) throws IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of("unshare", "--net"));
        cmd.addAll(List.of(unshareOptions));
        cmd.addAll(List.of("sh", "-c", "echo ready; exec cat >/dev/null"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) {
            stop(p);
            throw new IOException(cmd + " did not start: " + line);
        }
        return p;
    }

    /** Ends a process started by a test and reaps it. */
    static void stop(Process p) {
        if (p == null) return;
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // already closed
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** {@code ip ARGS} run in the network namespace of {@code pid}, through {@code nsenter}. */
    static String ipIn(long pid, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("nsenter", "--net=/proc/" + pid + "/ns/net", "ip"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** A listening socket; created on the calling thread, so in its network namespace. */
    static ServerSocket listen(InetAddress address) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(address, 0));
        return s;
    }

    /** A connected socket, created on the calling thread (so in its network namespace). */
    static Socket connect(InetAddress address, int port) throws IOException {
        Socket s = new Socket();
        // Not a timed assertion: only a bound on a hang should routing be broken.
        s.connect(new InetSocketAddress(address, port), 60_000);
        return s;
    }

    /** Accepts one connection, reads one line and writes it back, then closes. */
    static Thread echoOnce(ServerSocket server) {
        Thread t = new Thread(() -> {
            try (Socket c = server.accept()) {
                String line = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8)).readLine();
                OutputStream out = c.getOutputStream();
                out.write(("echo " + line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, "echo-server");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Sends a line over {@code s} and returns the reply line. */
    static String exchange(Socket s, String line) throws IOException {
        s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
    }
}
