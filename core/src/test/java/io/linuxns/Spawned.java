package io.linuxns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Runs a builder's process to its end and keeps what it printed (no JUnit here: RootlessProbe uses it). */
record Spawned(int exit, String out, String err) {

    static Spawned run(NamespacedProcessBuilder b) throws IOException, InterruptedException {
        Process p = b.start();
        p.getOutputStream().close();
        // stderr is read on a virtual thread: reading both pipes in turn could deadlock.
        String[] errText = {""};
        Thread err = Thread.ofVirtual().start(() -> {
            try {
                errText[0] = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                errText[0] = e.toString();
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) throw new IllegalStateException("process did not exit: " + p);
        err.join();
        p.getInputStream().close();
        p.getErrorStream().close();
        return new Spawned(p.exitValue(), out, errText[0]);
    }

    static Spawned sh(NamespacedProcessBuilder b, String script) throws IOException, InterruptedException {
        return run(b.command("/bin/sh", "-c", script));
    }
}
