package io.linuxns.net;

import io.linuxns.Namespace;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.ThreadNamespaceGuard;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith({ThreadNamespaceGuard.class, HostNetworkGuard.class})
class RtNetlinkTest {
    private static final Set<NamespaceType> NET = EnumSet.of(NamespaceType.NETWORK);

    @BeforeAll
    static void needsRoot() {
        assumeTrue(NetTestSupport.isRoot(), "new network namespaces on a thread need CAP_SYS_ADMIN (see RootlessNetTest)");
    }

    @Test
    void loopbackUpInAFreshNamespaceCarriesTcp() throws Exception {
        InetAddress lo4 = InetAddress.ofLiteral("127.0.0.1");
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(NET);
             RtNetlink rt = RtNetlink.open(ex)) {
            Link lo = rt.link("lo").orElseThrow();
            assertFalse(lo.isUp(), "loopback starts down in a new namespace");
            assertTrue(lo.isLoopback());
            assertEquals(List.of(lo), rt.links());
            // Down, 127.0.0.1 is unreachable from inside.
            SocketException down = assertThrows(SocketException.class, () -> ex.call(() -> {
                try (ServerSocket s = NetTestSupport.listen(lo4)) {
                    NetTestSupport.connect(lo4, s.getLocalPort()).close();
                    return null;
                }
            }));
            assertTrue(down.getMessage().contains("unreachable"), down.getMessage());

            rt.setUp("lo");

            assertTrue(rt.link("lo").orElseThrow().isUp());
            Set<String> addrs = new TreeSet<>();
            for (Address a : rt.addresses("lo")) addrs.add(a.prefix().toString());
            assertTrue(addrs.contains("127.0.0.1/8"), addrs.toString());
            ServerSocket server = ex.call(() -> NetTestSupport.listen(lo4));
            try (server) {
                Thread echo = NetTestSupport.echoOnce(server);
                try (Socket client = ex.call(() -> NetTestSupport.connect(lo4, server.getLocalPort()))) {
                    assertEquals("echo hello from inside", NetTestSupport.exchange(client, "hello from inside"));
                }
                echo.join();
            }
            // The same port is free in the host namespace: the server was never there.
            try (ServerSocket host = new ServerSocket()) {
                host.bind(new java.net.InetSocketAddress(lo4, server.getLocalPort()));
            }

            rt.setDown("lo");
            assertFalse(rt.link("lo").orElseThrow().isUp());
        }
    }

    @Test
    void vethPairJoinsTwoNamespacesForTcp() throws Exception {
        try (NamespaceExecutor a = NamespaceExecutor.unshare(NET);
             NamespaceExecutor b = NamespaceExecutor.unshare(NET);
             Namespace bNet = b.namespace(NamespaceType.NETWORK);
             RtNetlink ra = RtNetlink.open(a);
             RtNetlink rb = RtNetlink.open(bNet)) {
            ra.createVethPair("va", "vb");
            Link va = ra.link("va").orElseThrow();
            assertEquals(Optional.of("veth"), va.kind());
            assertFalse(va.isUp());
            ra.moveToNamespace("vb", bNet);
            assertEquals(Optional.empty(), ra.link("vb"));
            assertTrue(rb.link("vb").isPresent());

            ra.addAddress("va", IpPrefix.parse("10.200.1.1/24"));
            rb.addAddress("vb", IpPrefix.parse("10.200.1.2/24"));
            ra.setUp("va");
            rb.setUp("vb");
            assertTrue(rb.addresses("vb").stream().anyMatch(x -> x.prefix().equals(IpPrefix.parse("10.200.1.2/24"))));
            assertTrue(ra.routes().stream().anyMatch(r -> r.destination().equals(IpPrefix.parse("10.200.1.0/24"))
                    && r.outputLinkIndex() == va.index()), ra.routes().toString());

            InetAddress bAddr = InetAddress.ofLiteral("10.200.1.2");
            ServerSocket server = b.call(() -> NetTestSupport.listen(bAddr));
            try (server) {
                Thread echo = NetTestSupport.echoOnce(server);
                try (Socket client = a.call(() -> NetTestSupport.connect(bAddr, server.getLocalPort()))) {
                    assertEquals(InetAddress.ofLiteral("10.200.1.1"), client.getLocalAddress());
                    assertEquals("echo over veth", NetTestSupport.exchange(client, "over veth"));
                }
                echo.join();
            }
            // Deleting one end removes both.
            ra.deleteLink("va");
            assertEquals(Optional.empty(), rb.link("vb"));
        }
    }

    @Test
    void vethPeerCreatedDirectlyInAnotherNamespaceAndMovedByPid() throws Exception {
        Process p = NetTestSupport.inNewNetns();
        try (NamespaceExecutor a = NamespaceExecutor.unshare(NET);
             NamespaceExecutor b = NamespaceExecutor.unshare(NET);
             Namespace bNet = b.namespace(NamespaceType.NETWORK);
             Namespace pNet = Namespace.ofProcess(p.pid(), NamespaceType.NETWORK);
             RtNetlink ra = RtNetlink.open(a);
             RtNetlink rb = RtNetlink.open(b);
             RtNetlink rp = RtNetlink.open(pNet)) {
            ra.createVethPair("x0", "x1", bNet);
            assertTrue(ra.link("x0").isPresent());
            assertEquals(Optional.empty(), ra.link("x1"));
            assertEquals(Optional.of("veth"), rb.link("x1").orElseThrow().kind());

            rb.moveToNamespace("x1", p.pid());
            assertEquals(Optional.empty(), rb.link("x1"));
            assertTrue(rp.link("x1").isPresent());
            assertTrue(NetTestSupport.ipIn(p.pid(), "-o", "link").contains("x1@"));
        } finally {
            NetTestSupport.stop(p);
        }
    }

    @Test
    void netnsIdIsGivenToThePeersNamespaceOfAVeth() throws Exception {
        try (NamespaceExecutor a = NamespaceExecutor.unshare(NET);
             NamespaceExecutor b = NamespaceExecutor.unshare(NET);
             Namespace bNet = b.namespace(NamespaceType.NETWORK);
             Namespace aNet = a.namespace(NamespaceType.NETWORK);
             Namespace uts = Namespace.ofCurrentThread(NamespaceType.UTS);
             RtNetlink ra = RtNetlink.open(a)) {
            assertEquals(java.util.OptionalInt.empty(), ra.netnsId(bNet), "no id before anything links the two");
            ra.createVethPair("n0", "n1", bNet);
            ra.link("n0"); // reporting the link's peer (link-netnsid) gives b an id in a
            assertTrue(ra.netnsId(bNet).isPresent(), "b has an id in a once a's veth has its peer there");
            assertThrows(IllegalArgumentException.class, () -> ra.netnsId(uts));
            assertEquals(java.util.OptionalInt.empty(), ra.netnsId(aNet), "a namespace has no id for itself");
        }
    }

    @Test
    void bridgePortsAndIpv6AddressesAndRoutes() throws Exception {
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(NET);
             RtNetlink rt = RtNetlink.open(ex)) {
            rt.createBridge("br0");
            rt.createVethPair("p0", "p1");
            rt.setMaster("p0", "br0");
            Link br = rt.link("br0").orElseThrow();
            assertEquals(Optional.of("bridge"), br.kind());
            assertEquals(br.index(), rt.link("p0").orElseThrow().masterIndex());
            rt.clearMaster("p0");
            assertFalse(rt.link("p0").orElseThrow().hasMaster());

            rt.setUp("br0");
            rt.addAddress("br0", IpPrefix.parse("fd00:200::1/64"));
            rt.addAddress("br0", IpPrefix.parse("10.200.2.1/24"));
            assertTrue(rt.addresses("br0").stream().anyMatch(a -> a.prefix().toString().equals("fd00:200::1/64")));
            rt.addDefaultRoute(InetAddress.ofLiteral("10.200.2.254"));
            rt.addDefaultRoute(InetAddress.ofLiteral("fd00:200::fe"));
            rt.addRoute(IpPrefix.parse("10.201.0.7/16"), null, "br0");
            List<Route> routes = rt.routes();
            assertTrue(routes.stream().anyMatch(r -> r.isDefault() && r.destination().isIpv4()
                    && r.gateway().equals(Optional.of(InetAddress.ofLiteral("10.200.2.254")))), routes.toString());
            assertTrue(routes.stream().anyMatch(r -> r.isDefault() && !r.destination().isIpv4()
                    && r.gateway().equals(Optional.of(InetAddress.ofLiteral("fd00:200::fe")))), routes.toString());
            assertTrue(routes.stream().anyMatch(r -> r.destination().equals(IpPrefix.parse("10.201.0.0/16"))
                    && r.gateway().isEmpty() && r.outputLinkIndex() == br.index()), routes.toString());

            rt.deleteAddress("br0", IpPrefix.parse("10.200.2.1/24"));
            assertTrue(rt.addresses("br0").stream().noneMatch(a -> a.prefix().isIpv4()));
            rt.deleteLink("br0");
            rt.deleteLink("p1");
            assertEquals(List.of("lo"), rt.links().stream().map(Link::name).toList());
        }
    }

    @Test
    void whatLinuxnsListsAgreesWithIproute2() throws Exception {
        Process p = NetTestSupport.inNewNetns();
        try (Namespace netns = Namespace.ofProcess(p.pid(), NamespaceType.NETWORK);
             RtNetlink rt = RtNetlink.open(netns)) {
            rt.setUp("lo");
            rt.createBridge("agree-br");
            rt.createVethPair("agree0", "agree1");
            rt.setMaster("agree0", "agree-br");
            rt.addAddress("agree-br", IpPrefix.parse("10.200.3.1/24"));
            rt.addAddress("agree1", IpPrefix.parse("10.200.4.1/25"));
            rt.addAddress("agree1", IpPrefix.parse("fd00:200:4::1/64"));
            rt.setUp("agree-br");
            rt.setUp("agree1");

            Set<String> ours = new TreeSet<>();
            for (Link l : rt.links()) {
                ours.add(l.index() + " " + l.name() + " up=" + l.isUp() + " master=" + (l.hasMaster() ? l.masterIndex() : "-"));
            }
            Set<String> theirs = new TreeSet<>();
            Map<String, Long> indexOf = new java.util.HashMap<>();
            for (Map<String, Object> l : Json.array(NetTestSupport.ipIn(p.pid(), "-j", "link"))) {
                indexOf.put((String) l.get("ifname"), (Long) l.get("ifindex"));
            }
            for (Map<String, Object> l : Json.array(NetTestSupport.ipIn(p.pid(), "-j", "link"))) {
                @SuppressWarnings("unchecked")
                List<String> flags = (List<String>) l.get("flags");
                Object master = l.get("master");
                theirs.add(l.get("ifindex") + " " + l.get("ifname") + " up=" + flags.contains("UP") + " master="
                        + (master == null ? "-" : indexOf.get(master)));
            }
            assertEquals(theirs, ours);
            assertEquals(4, ours.size(), ours.toString());

            Set<String> ourAddrs = new TreeSet<>();
            for (Address a : rt.addresses()) {
                ourAddrs.add(a.linkIndex() + " " + a.prefix());
            }
            Set<String> theirAddrs = new TreeSet<>();
            for (Map<String, Object> l : Json.array(NetTestSupport.ipIn(p.pid(), "-j", "addr"))) {
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> infos = (List<Map<String, Object>>) l.get("addr_info");
                for (Map<String, Object> a : infos) {
                    theirAddrs.add(l.get("ifindex") + " " + a.get("local") + "/" + a.get("prefixlen"));
                }
            }
            assertEquals(theirAddrs, ourAddrs);
            assertTrue(ourAddrs.stream().anyMatch(s -> s.endsWith(" 10.200.4.1/25")), ourAddrs.toString());
        } finally {
            NetTestSupport.stop(p);
        }
    }

    @Test
    void refusalsNameTheRequestAndTheErrno() throws Exception {
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(NET);
             RtNetlink rt = RtNetlink.open(ex)) {
            rt.createVethPair("veth0", "veth1");
            NetlinkException e = assertThrows(NetlinkException.class, () -> rt.createVethPair("veth0", "veth1"));
            assertEquals(17, e.errno());
            assertEquals("EEXIST", e.errnoName());
            assertTrue(e.getMessage().startsWith("RTM_NEWLINK(veth \"veth0\" peer \"veth1\"): EEXIST (File exists)"), e.getMessage());

            NetlinkException nodev = assertThrows(NetlinkException.class, () -> rt.setUp("nosuch0"));
            assertEquals("ENODEV", nodev.errnoName());
            assertTrue(nodev.getMessage().startsWith("RTM_NEWLINK(\"nosuch0\" up): ENODEV"), nodev.getMessage());
            NetlinkException noaddr = assertThrows(NetlinkException.class,
                    () -> rt.addAddress("nosuch0", IpPrefix.parse("10.200.9.1/24")));
            assertEquals("ENODEV", noaddr.errnoName());
            assertTrue(noaddr.getMessage().contains("No link named \"nosuch0\""), noaddr.getMessage());

            // An unreachable gateway: the kernel explains itself through extended acks.
            rt.setUp("lo");
            NetlinkException unreachable = assertThrows(NetlinkException.class,
                    () -> rt.addDefaultRoute(InetAddress.ofLiteral("10.200.99.1")));
            assertEquals("ENETUNREACH", unreachable.errnoName());
            assertTrue(unreachable.kernelMessage().isPresent(), unreachable.getMessage());
            assertTrue(unreachable.getMessage().startsWith("RTM_NEWROUTE(default via 10.200.99.1): ENETUNREACH (Network is unreachable). Kernel: "),
                    unreachable.getMessage());

            // The socket is still usable after refusals.
            assertEquals(3, rt.links().size());
        }
    }

    @Test
    void badNamesAndAddressesAreRefusedBeforeAnyRequest() throws Exception {
        try (RtNetlink rt = RtNetlink.open()) {
            for (String bad : List.of("", "0123456789abcdef", "a/b", "a b", "tab\there", ".", "..", "a:b", "nul\0", "br%d")) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rt.createBridge(bad), bad);
                assertTrue(e.getMessage().contains("bad bridge name"), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> rt.setUp(bad), bad);
                assertThrows(IllegalArgumentException.class, () -> rt.createVethPair("ok0", bad), bad);
            }
            rt.link("0123456789abcde"); // 15 bytes is the longest name: accepted (and absent)
            assertThrows(IllegalArgumentException.class, () -> rt.createVethPair("same", "same"));
            assertThrows(IllegalArgumentException.class, () -> rt.moveToNamespace("lo", 0));
            assertThrows(IllegalArgumentException.class, () -> rt.addRoute(IpPrefix.parse("10.0.0.0/8"), null, null));
            assertThrows(IllegalArgumentException.class,
                    () -> rt.addRoute(IpPrefix.parse("10.0.0.0/8"), InetAddress.ofLiteral("fd00::1"), null));
            try (Namespace uts = Namespace.ofCurrentThread(NamespaceType.UTS)) {
                assertThrows(IllegalArgumentException.class, () -> RtNetlink.open(uts));
                assertThrows(IllegalArgumentException.class, () -> rt.moveToNamespace("lo", uts));
            }
        }
        for (String bad : List.of("10.0.0.1/33", "::1/129", "300.1.1.1/24", "example.com/24", "10.0.0.1/", "10.0.0.1/-1", "10.0.0.1/8x", "",
                "10.1/16", "10", "fe80::1%eth0/64", "::ffff:10.0.0.1/96")) {
            assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse(bad), bad);
        }
        assertEquals("10.200.1.0/24", IpPrefix.parse("10.200.1.77/24").network().toString());
        assertEquals(32, IpPrefix.parse("10.200.1.77").prefixLength());
        for (String v6 : List.of("::/0", "::1/128", "fd00::1/64", "fd00:200:0:1::/64", "1:0:0:2::3/128", "fe80::1:0:0:2/64", "1::/16",
                "2001:db8:0:1:1:1:1:1/64")) {
            assertEquals(v6, IpPrefix.parse(v6).toString());
        }
        assertTrue(IpPrefix.parse("10.200.1.1/24").contains(InetAddress.ofLiteral("10.200.1.200")));
        assertFalse(IpPrefix.parse("10.200.1.1/24").contains(InetAddress.ofLiteral("10.200.2.1")));
    }

    @Test
    void oneClientServesManyThreadsAndClosesWithoutLeaks() throws Exception {
        Set<String> socketsBefore = sockets();
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(NET);
             RtNetlink rt = RtNetlink.open(ex)) {
            for (int i = 0; i < 8; i++) rt.createVethPair("t" + i + "a", "t" + i + "b");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int n = t;
                    results.add(pool.submit(() -> {
                        int seen = 0;
                        for (int i = 0; i < 25; i++) {
                            if (i % 2 == 0) rt.setUp("t" + n + "a"); else rt.setDown("t" + n + "a");
                            seen += rt.links().size();
                        }
                        return seen;
                    }));
                }
                for (Future<Integer> f : results) assertEquals(25 * 17, f.get());
            } finally {
                pool.shutdownNow();
            }
        }
        for (int i = 0; i < 50; i++) {
            RtNetlink rt = RtNetlink.open();
            rt.close();
            rt.close();
            assertThrows(IllegalStateException.class, rt::links);
        }
        assertEquals(socketsBefore, sockets());
    }

    /** {@return the sockets this JVM holds, as "fd -> socket:[inode]"}: only their count is not stable in a JVM */
    private static Set<String> sockets() throws java.io.IOException {
        Set<String> out = new TreeSet<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:")) out.add(fd.getFileName() + " -> " + target);
                } catch (java.io.IOException closedMeanwhile) {
                    // not ours to count
                }
            }
        }
        return out;
    }
}
