package io.linuxns;

import io.linuxns.bindings.LinuxNs;
import io.linuxns.internal.Native;

import java.lang.ProcessBuilder.Redirect;

/**
 * A fresh JVM whose first use of the library comes from a thread that moved itself into a new UTS
 * namespace with a raw {@code unshare}: prints what each spawn gives, for {@link OriginTaintTest}.
 */
public final class OriginTaintProbe {
    private OriginTaintProbe() {}

    public static void main(String[] args) throws Exception {
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                Native.unshare(LinuxNs.CLONE_NEWUTS());
                Native.sethostname("not-the-jvms");
                System.out.println("moved thread: " + hostname(false));
            } catch (Exception e) {
                System.out.println("moved thread: " + e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        });
        t.join();
        System.out.println("main: " + hostname(false));
        System.out.println("main, dieWithParent: " + hostname(true));
    }

    private static String hostname(boolean dieWithParent) {
        try {
            NamespacedProcessBuilder b = new NamespacedProcessBuilder("cat", "/proc/sys/kernel/hostname")
                    .redirectError(Redirect.INHERIT).redirectInput(Redirect.INHERIT);
            if (dieWithParent) b.dieWithParent();
            Process p = b.start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            p.waitFor();
            return out;
        } catch (Exception e) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }
}
