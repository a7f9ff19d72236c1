package io.linuxns;

import io.linuxns.net.BridgedNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The netsetgo recipe through {@link NamespacedProcessBuilder}: applied in the child's sync
 * window, before it execs. The "host" is a scratch network namespace of an executor that calls
 * {@code start()}, so the parent's part runs there and the real host namespace is untouched.
 */
@ExtendWith(ThreadNamespaceGuard.class)
class SpawnBridgedNetworkTest {

    @Test
    void containerTalksToTheHostThroughTheBridge() throws Exception {
        assumeTrue(TestSupport.isRoot(), "bridges need CAP_NET_ADMIN on the host side");
        Prerequisites.require(Rootfs.BUSYBOX != null, "busybox-static: its nc talks across the bridge");
        String hostLinks = Files.readString(Path.of("/proc/net/dev"));
        try (NamespaceExecutor host = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK));
             BridgedNetwork net = BridgedNetwork.builder().bridge("lnsbr0", "10.201.0.1/24").containerAddress("10.201.0.2/24")
                     .vethNames("lnsveth0", "eth0").build();
             // Any address of the scratch host namespace: the bridge's exists only once the setup ran.
             ServerSocket server = host.call(ServerSocket::new)) {
            host.call(() -> {
                server.bind(new InetSocketAddress(9000));
                return null;
            });
            Process child = host.call(() -> new NamespacedProcessBuilder(Rootfs.BUSYBOX.toString(), "sh", "-c",
                    "ip -4 -o addr show eth0 | grep -o 10.201.0.2/24; ip route | grep -o 'default via 10.201.0.1'; "
                            + "echo hello-from-container | " + Rootfs.BUSYBOX + " nc 10.201.0.1 9000")
                    .unshare(NamespaceType.NETWORK, NamespaceType.UTS).parentSetup(net).start());
            try (Socket s = server.accept();
                 BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream()))) {
                assertEquals("hello-from-container", in.readLine());
            }
            String out = new String(child.getInputStream().readAllBytes());
            assertEquals(0, child.waitFor(), out);
            assertEquals("10.201.0.2/24\ndefault via 10.201.0.1\n", out);
            net.teardown();
            assertEquals("", host.call(() -> Files.readAllLines(Path.of("/proc/thread-self/net/dev")).stream()
                    .skip(2).map(l -> l.split(":")[0].strip()).filter(n -> !n.equals("lo")).reduce("", String::concat)),
                    "teardown leaves only lo in the host namespace");
        }
        assertEquals(hostLinks.lines().map(l -> l.split(":")[0]).toList(),
                Files.readString(Path.of("/proc/net/dev")).lines().map(l -> l.split(":")[0]).toList());
    }
}
