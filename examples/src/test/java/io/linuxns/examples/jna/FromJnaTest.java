package io.linuxns.examples.jna;

import io.linuxns.Namespace;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.net.RtNetlink;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The replacement of the JNA snippet, run on a namespace made for the test. */
class FromJnaTest {

    @Test
    void theTaskSeesTheJoinedNamespaceAndTheCallerStays() throws Exception {
        assumeTrue(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip().equals("0"),
                "making and joining a network namespace on a thread needs CAP_SYS_ADMIN");
        try (NamespaceExecutor scratch = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK));
             RtNetlink rt = RtNetlink.open(scratch);
             Namespace net = scratch.namespace(NamespaceType.NETWORK)) {
            rt.createVethPair("exveth0", "exveth1"); // something the host does not have
            long tid = scratch.call(() -> Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString()));
            Path file = Path.of("/proc/" + ProcessHandle.current().pid() + "/task/" + tid + "/ns/net");

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            FromJna.run(file, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertEquals("devices in " + net + ": lo exveth1 exveth0\ncalling thread still in its namespace: true\n",
                    sorted(bytes.toString(StandardCharsets.UTF_8)));
            assertTrue(!FromJna.devices().contains("exveth0"), "the caller's namespace has no such device");
        }
        // A failure names the call, as the JNA snippet's bare errno never did.
        var e = assertThrows(io.linuxns.NamespaceException.class, () -> FromJna.inNetns(Path.of("/no/such/netns"), () -> null));
        assertTrue(e.getMessage().contains("ENOENT"), e.getMessage());
    }

    /** The kernel lists devices by index; the veth pair's two ends may come in either order. */
    private static String sorted(String out) {
        String[] lines = out.split("\n");
        String[] first = lines[0].split(": ");
        String[] devices = first[1].split(" ");
        java.util.Arrays.sort(devices, 1, devices.length, java.util.Comparator.reverseOrder());
        return first[0] + ": " + String.join(" ", devices) + "\n" + lines[1] + "\n";
    }
}
