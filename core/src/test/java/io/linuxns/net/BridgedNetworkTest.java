package io.linuxns.net;

import io.linuxns.Namespace;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.ThreadNamespaceGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The netsetgo recipe, applied as a parent setup to a child started with {@code unshare --net}
 * (the code path {@code NamespacedProcessBuilder} takes in its sync window). The "host" is a
 * scratch network namespace of an executor, so the real host namespace is never touched
 * (and {@link HostNetworkGuard} checks that).
 */
@ExtendWith({ThreadNamespaceGuard.class, HostNetworkGuard.class})
class BridgedNetworkTest {
    private NamespaceExecutor host;
    private RtNetlink hostRt;
    private Process child;

    @BeforeEach
    void scratchHostAndChild() throws Exception {
        assumeTrue(NetTestSupport.isRoot(), "bridges and veth pairs need CAP_NET_ADMIN, joining a netns CAP_SYS_ADMIN");
        host = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK));
        hostRt = RtNetlink.open(host);
        hostRt.setUp("lo");
        child = NetTestSupport.inNewNetns();
    }

    @AfterEach
    void cleanUp() throws Exception {
        NetTestSupport.stop(child);
        if (hostRt != null) hostRt.close();
        if (host != null) host.close(); // the scratch namespace, and anything left in it, goes with its thread
    }

    private void apply(BridgedNetwork net) throws Exception {
        host.call(() -> {
            net.beforeExec(child.pid());
            return null;
        });
    }

    @Test
    void hostReachesContainerThroughTheBridgeAndTeardownLeavesNothing() throws Exception {
        BridgedNetwork net = BridgedNetwork.builder()
                .bridge("lnsbr0", "10.200.5.1/24")
                .containerAddress("10.200.5.2/24")
                .vethNames("lnsveth5", "eth0")
                .build();
        apply(net);
        try {
            Link br = hostRt.link("lnsbr0").orElseThrow();
            assertTrue(br.isUp());
            assertEquals(Optional.of("bridge"), br.kind());
            Link hv = hostRt.link("lnsveth5").orElseThrow();
            assertTrue(hv.isUp());
            assertEquals(br.index(), hv.masterIndex());
            assertTrue(hostRt.addresses("lnsbr0").stream().anyMatch(a -> a.prefix().toString().equals("10.200.5.1/24")));

            // Inside, as iproute2 sees it: lo and eth0 up, the address, the default route.
            Map<String, Object> eth0 = null;
            for (Map<String, Object> l : Json.array(NetTestSupport.ipIn(child.pid(), "-j", "addr"))) {
                @SuppressWarnings("unchecked")
                List<String> flags = (List<String>) l.get("flags");
                assertTrue(flags.contains("UP"), l.toString());
                if ("eth0".equals(l.get("ifname"))) eth0 = l;
            }
            assertTrue(eth0 != null && eth0.toString().contains("local=10.200.5.2, prefixlen=24"), String.valueOf(eth0));
            String routes = NetTestSupport.ipIn(child.pid(), "-j", "route");
            assertTrue(routes.contains("{\"dst\":\"default\",\"gateway\":\"10.200.5.1\",\"dev\":\"eth0\""), routes);

            // TCP from the host side to the container's address, over the bridge.
            InetAddress containerIp = InetAddress.ofLiteral("10.200.5.2");
            try (Namespace childNet = Namespace.ofProcess(child.pid(), NamespaceType.NETWORK);
                 NamespaceExecutor inside = NamespaceExecutor.join(childNet)) {
                ServerSocket server = inside.call(() -> NetTestSupport.listen(containerIp));
                try (server) {
                    Thread echo = NetTestSupport.echoOnce(server);
                    try (Socket c = host.call(() -> NetTestSupport.connect(containerIp, server.getLocalPort()))) {
                        assertEquals("echo host to container", NetTestSupport.exchange(c, "host to container"));
                    }
                    echo.join();
                }

                // And out through the default route: to an address that is on no link of the container.
                hostRt.addAddress("lo", IpPrefix.parse("192.0.2.1/32"));
                InetAddress beyond = InetAddress.ofLiteral("192.0.2.1");
                ServerSocket hostServer = host.call(() -> NetTestSupport.listen(beyond));
                try (hostServer) {
                    Thread echo = NetTestSupport.echoOnce(hostServer);
                    try (Socket c = inside.call(() -> NetTestSupport.connect(beyond, hostServer.getLocalPort()))) {
                        assertEquals(containerIp, c.getLocalAddress());
                        assertEquals("echo via default route", NetTestSupport.exchange(c, "via default route"));
                    }
                    echo.join();
                }
            }
        } finally {
            net.teardown(); // from the test thread: the client keeps the namespace it was opened in
        }
        assertEquals(List.of("lo"), hostRt.links().stream().map(Link::name).toList());
        assertEquals(List.of("lo"), Json.array(NetTestSupport.ipIn(child.pid(), "-j", "link")).stream()
                .map(l -> l.get("ifname")).toList());
        net.teardown(); // idempotent
        // Applies again after a teardown.
        apply(net);
        net.close();
        assertEquals(List.of("lo"), hostRt.links().stream().map(Link::name).toList());
    }

    @Test
    void aSharedBridgeIsRemovedByTheLastOneOut() throws Exception {
        Process second = NetTestSupport.inNewNetns();
        try {
            BridgedNetwork first = BridgedNetwork.builder().bridge("lnsbr2", "10.200.7.1/24").containerAddress("10.200.7.2/24")
                    .vethNames("lnsveth7a", "eth0").removeUnusedBridge(true).build();
            BridgedNetwork other = BridgedNetwork.builder().bridge("lnsbr2", "10.200.7.1/24").containerAddress("10.200.7.3/24")
                    .vethNames("lnsveth7b", "eth0").removeUnusedBridge(true).build();
            apply(first);
            host.call(() -> {
                other.beforeExec(second.pid());
                return null;
            });
            first.teardown(); // the creator leaves first: the other port keeps the bridge
            assertEquals(List.of("lnsbr2", "lnsveth7b", "lo"), hostRt.links().stream().map(Link::name).sorted().toList());
            other.teardown(); // the last one out removes it, though it did not create it
            assertEquals(List.of("lo"), hostRt.links().stream().map(Link::name).toList());
        } finally {
            NetTestSupport.stop(second);
        }
    }

    @Test
    void anExistingBridgeWithOtherPortsIsKept() throws Exception {
        hostRt.createBridge("lnsbr1");
        hostRt.createVethPair("other0", "other1");
        hostRt.setMaster("other0", "lnsbr1");
        BridgedNetwork net = BridgedNetwork.builder().bridge("lnsbr1", "10.200.6.1/24")
                .containerAddress("10.200.6.9/24").vethNames("lnsveth6", "eth0").build();
        apply(net);
        assertEquals(2, hostRt.links().stream().filter(Link::hasMaster).count());
        net.teardown();
        List<String> left = hostRt.links().stream().map(Link::name).sorted().toList();
        assertEquals(List.of("lnsbr1", "lo", "other0", "other1"), left);
        assertTrue(hostRt.addresses("lnsbr1").stream().noneMatch(a -> a.prefix().isIpv4()), "the address it added is gone");
    }

    @Test
    void aFailureHalfWayRemovesWhatWasMade() throws Exception {
        hostRt.createVethPair("lnsveth7", "taken1"); // the host end's name is taken
        BridgedNetwork net = BridgedNetwork.builder().bridge("lnsbr7", "10.200.7.1/24")
                .containerAddress("10.200.7.2/24").vethNames("lnsveth7", "eth0").build();
        NetlinkException e = assertThrows(NetlinkException.class, () -> apply(net));
        assertEquals("EEXIST", e.errnoName());
        assertTrue(e.getMessage().startsWith("RTM_NEWLINK(veth \"lnsveth7\" peer \"eth0\" in net:["), e.getMessage());
        assertEquals(List.of("lnsveth7", "lo", "taken1"), hostRt.links().stream().map(Link::name).sorted().toList());
        assertEquals(List.of("lo"), Json.array(NetTestSupport.ipIn(child.pid(), "-j", "link")).stream()
                .map(l -> l.get("ifname")).toList());
        net.teardown(); // nothing to do
        assertTrue(hostRt.link("lnsveth7").isPresent());
    }

    @Test
    void theBuilderRefusesInconsistentNetworks() {
        BridgedNetwork.Builder b = BridgedNetwork.builder();
        assertThrows(IllegalArgumentException.class, () -> b.bridge("bad name", "10.0.0.1/24"));
        assertThrows(IllegalArgumentException.class, () -> b.bridge("br", "10.0.0.1/33"));
        assertThrows(IllegalArgumentException.class, () -> b.vethNames("x".repeat(16), "eth0"));
        assertThrows(IllegalArgumentException.class, () -> b.vethNames("v0", "eth/0"));
        assertThrows(IllegalArgumentException.class, () -> BridgedNetwork.builder()
                .bridge("br", "10.200.8.1/24").containerAddress("10.200.9.2/24").build());
        assertThrows(IllegalArgumentException.class, () -> BridgedNetwork.builder()
                .bridge("br", "10.200.8.1/24").containerAddress("10.200.8.1/24").build());
        assertThrows(IllegalArgumentException.class, () -> BridgedNetwork.builder()
                .bridge("br", "10.200.8.1/24").containerAddress("10.200.8.255/24").build());
        assertThrows(IllegalArgumentException.class, () -> BridgedNetwork.builder()
                .bridge("br", "10.200.8.1/24").containerAddress("fd00::2/64").build());
        assertThrows(IllegalArgumentException.class, () -> BridgedNetwork.builder()
                .bridge("br0", "10.200.8.1/24").vethNames("br0", "eth0").build());
        BridgedNetwork ok = BridgedNetwork.builder().bridge("br", "fd00:200::1/64").containerAddress("fd00:200::2/64").build();
        assertEquals("fd00:200::2/64", ok.containerAddress().toString());
        assertFalse(ok.toString().isEmpty());
    }
}
