package io.linuxns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@ExtendWith(ThreadNamespaceGuard.class)
class NamespaceTest {

    @Test
    void currentThreadHandlesMatchProc() throws Exception {
        for (NamespaceType t : NamespaceType.values()) {
            try (Namespace ns = Namespace.ofCurrentThread(t)) {
                assertEquals(t, ns.type());
                assertEquals(TestSupport.link("/proc/thread-self/ns/" + t.procName()), ns.toString());
            }
        }
    }

    @Test
    void openFindsTheTypeAndHandlesCompareByInode() throws Exception {
        try (Namespace a = Namespace.open(Path.of("/proc/self/ns/net"));
             Namespace b = Namespace.ofProcess(ProcessHandle.current().pid(), NamespaceType.NETWORK);
             Namespace uts = Namespace.open(Path.of("/proc/self/ns/uts"))) {
            assertEquals(NamespaceType.NETWORK, a.type());
            assertEquals(a, b);
            assertEquals(a.hashCode(), b.hashCode());
            assertNotEquals(a, uts);
            assertNotEquals(a.fd(), b.fd());
        }
    }

    @Test
    void ownerParentAndOwnerUid() throws Exception {
        try (Namespace net = Namespace.ofCurrentThread(NamespaceType.NETWORK);
             Namespace user = Namespace.ofCurrentThread(NamespaceType.USER);
             Namespace owner = net.owner()) {
            assertEquals(user, owner);
            assertEquals(NamespaceType.USER, owner.type());
            assertEquals(TestSupport.uid() == 0 ? 0 : owner.ownerUid(), owner.ownerUid());
            // The initial user namespace has no parent.
            NamespaceException e = assertThrows(NamespaceException.class, user::parent);
            assertEquals("EPERM", e.errnoName());
            NamespaceException notPid = assertThrows(NamespaceException.class, net::parent);
            assertTrue(notPid.getMessage().contains("Only PID and user namespaces"), notPid.getMessage());
            assertThrows(NamespaceException.class, net::ownerUid);
        }
    }

    @Test
    void persistThenOpenGivesAnEqualHandleAndUnpersistRemovesIt() throws Exception {
        assumeTrue(TestSupport.isRoot(), "bind mounts need CAP_SYS_ADMIN");
        Path dir = Files.createTempDirectory("linuxns-persist");
        Path file = dir.resolve("net");
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK));
             Namespace net = ex.namespace(NamespaceType.NETWORK)) {
            net.persist(file);
            try {
                try (Namespace again = Namespace.open(file)) {
                    assertEquals(net, again);
                    assertEquals(NamespaceType.NETWORK, again.type());
                }
                assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).contains(file.toString()));
            } finally {
                Namespace.unpersist(file);
            }
            assertFalse(Files.exists(file));
            assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(file.toString()));
            NamespaceException gone = assertThrows(NamespaceException.class, () -> Namespace.unpersist(file));
            assertEquals("ENOENT", gone.errnoName());
            Files.writeString(file, "");
            NamespaceException plain = assertThrows(NamespaceException.class, () -> Namespace.unpersist(file));
            assertTrue(plain.getMessage().contains("is not a persisted namespace"), plain.getMessage());
            Files.delete(file);
        } finally {
            Files.delete(dir);
        }
    }

    /** Like {@code ip netns add}, which makes /run/netns on a fresh host: one missing directory is made, 0755, and stays. */
    @Test
    void persistMakesAMissingDirectoryButNotAMissingTree() throws Exception {
        assumeTrue(TestSupport.isRoot(), "bind mounts need CAP_SYS_ADMIN");
        Path scratch = Files.createTempDirectory("linuxns-persist");
        Path netns = scratch.resolve("netns");
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK));
             Namespace net = ex.namespace(NamespaceType.NETWORK)) {
            NamespaceException deep = assertThrows(NamespaceException.class, () -> net.persist(netns.resolve("a/demo")));
            assertEquals("ENOENT", deep.errnoName());
            assertTrue(deep.getMessage().contains("nor its parent exists"), deep.getMessage());
            assertFalse(Files.exists(netns), "nothing made when the persist fails");

            net.persist(netns.resolve("demo"));
            try (Namespace again = Namespace.open(netns.resolve("demo"))) {
                assertEquals(net, again);
            } finally {
                Namespace.unpersist(netns.resolve("demo"));
            }
            assertEquals("rwxr-xr-x", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(netns)));
            assertFalse(Files.exists(netns.resolve("demo")));
        } finally {
            Files.deleteIfExists(netns);
            Files.delete(scratch);
        }
    }

    /**
     * unpersist must never destroy data: it unmounts only a namespace mount, and deletes only the
     * empty file that persist itself created (issue 11). Everything is mounted inside a scratch
     * mount namespace, so a failure leaves nothing on the host.
     */
    @Test
    void unpersistUnmountsOnlyANamespaceAndDeletesOnlyTheFilePersistMade() throws Exception {
        assumeTrue(TestSupport.isRoot(), "mounts need CAP_SYS_ADMIN");
        Path dir = Files.createTempDirectory("linuxns-unpersist");
        Path data = Files.createDirectory(dir.resolve("data"));
        Path existing = dir.resolve("existing");
        Files.writeString(existing, "");
        Path made = dir.resolve("made");
        try (NamespaceExecutor scratch = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.MOUNT, NamespaceType.UTS));
             Namespace uts = scratch.namespace(NamespaceType.UTS)) {
            scratch.call(() -> {
                // A tmpfs full of data is not a namespace: left mounted, its files intact.
                io.linuxns.internal.Native.mount("none", data.toString(), "tmpfs", 0, null);
                Files.writeString(data.resolve("precious"), "data");
                NamespaceException tmpfs = assertThrows(NamespaceException.class, () -> Namespace.unpersist(data));
                assertTrue(tmpfs.getMessage().contains("not a persisted namespace") && tmpfs.getMessage().contains("tmpfs"),
                        tmpfs.getMessage());
                assertEquals("data", Files.readString(data.resolve("precious")));

                // A file that was there before persist is the caller's: unmounted, but kept.
                uts.persist(existing);
                Namespace.unpersist(existing);
                assertTrue(Files.isRegularFile(existing), "a file persist did not create is kept");
                assertThrows(NamespaceException.class, () -> Namespace.open(existing));

                // The file persist created goes with the last namespace mounted on it.
                uts.persist(made);
                uts.persist(made);
                Namespace.unpersist(made);
                try (Namespace still = Namespace.open(made)) {
                    assertEquals(uts, still);
                }
                Namespace.unpersist(made);
                assertFalse(Files.exists(made), "the file persist created is removed");

                // A symbolic link to a namespace is no persisted namespace either.
                Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of("/proc/self/ns/uts"));
                NamespaceException symlink = assertThrows(NamespaceException.class, () -> Namespace.unpersist(link));
                assertTrue(symlink.getMessage().contains("symbolic link"), symlink.getMessage());
                assertTrue(Files.isSymbolicLink(link));
                Files.delete(link);
                return null;
            });
        } finally {
            Files.deleteIfExists(made);
            Files.deleteIfExists(existing);
            Files.deleteIfExists(data);
            Files.delete(dir);
        }
    }

    @Test
    void aMountNamespacePersistsFromAnotherOneButNotInsideItself() throws Exception {
        assumeTrue(TestSupport.isRoot(), "bind mounts need CAP_SYS_ADMIN");
        Path dir = Files.createTempDirectory("linuxns-persist-mnt");
        try (NamespaceExecutor ex = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.MOUNT));
             Namespace mnt = ex.namespace(NamespaceType.MOUNT)) {
            mnt.persist(dir.resolve("mnt"));
            try (Namespace again = Namespace.open(dir.resolve("mnt"))) {
                assertEquals(mnt, again);
            } finally {
                Namespace.unpersist(dir.resolve("mnt"));
            }
            NamespaceException loop = assertThrows(NamespaceException.class, () -> ex.call(() -> {
                mnt.persist(dir.resolve("self"));
                return null;
            }));
            assertEquals("EINVAL", loop.errnoName());
            assertTrue(loop.getMessage().contains("persist it from another mount namespace"), loop.getMessage());
            assertFalse(Files.exists(dir.resolve("self")), "the file made for the mount is removed again");
        } finally {
            Files.delete(dir);
        }
    }

    @Test
    void persistOnASharedMountMakesItPrivateSoNothingPropagates() throws Exception {
        assumeTrue(TestSupport.isRoot(), "mounts need CAP_SYS_ADMIN");
        // This machine has no shared mounts: make one inside a scratch mount namespace, with a
        // peer mount that would receive propagated mounts.
        Path dir = Files.createTempDirectory("linuxns-shared");
        Path a = Files.createDirectory(dir.resolve("a"));
        Path peer = Files.createDirectory(dir.resolve("peer"));
        try (NamespaceExecutor scratch = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.MOUNT, NamespaceType.UTS));
             Namespace uts = scratch.namespace(NamespaceType.UTS)) {
            scratch.call(() -> {
                io.linuxns.internal.Native.mount("none", dir.toString(), "tmpfs", 0, null);
                Files.createDirectories(a);
                Files.createDirectories(peer);
                io.linuxns.internal.Native.mount(null, dir.toString(), null, io.linuxns.bindings.LinuxNs.MS_SHARED(), null);
                io.linuxns.internal.Native.mount(a.toString(), peer.toString(), null, io.linuxns.bindings.LinuxNs.MS_BIND(), null);
                uts.persist(a.resolve("uts"));
                assertTrue(Files.exists(a.resolve("uts")));
                try (Namespace viaFile = Namespace.open(a.resolve("uts"))) {
                    assertEquals(uts, viaFile);
                }
                // The peer of a shared mount would have received the bind mount.
                assertThrows(NamespaceException.class, () -> Namespace.open(peer.resolve("uts")));
                Namespace.unpersist(a.resolve("uts"));
                return null;
            });
        } finally {
            Files.delete(a);
            Files.delete(peer);
            Files.delete(dir);
        }
    }

    @Test
    void aHandleNobodyClosedIsClosedOnceUnreachable() throws Exception {
        var before = TestSupport.openFds();
        Namespace.ofCurrentThread(NamespaceType.UTS).inode(); // dropped without close()
        for (int i = 0; i < 200 && !TestSupport.newFdsNow(before).isEmpty(); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertEquals(java.util.Set.of(), TestSupport.newFds(before));
    }

    @Test
    void badInputGivesClearExceptionsAndLeaksNoFd() throws Exception {
        var fds = TestSupport.openFds();
        NamespaceException notNs = assertThrows(NamespaceException.class, () -> Namespace.open(Path.of("/etc/hostname")));
        assertTrue(notNs.getMessage().contains("is not a namespace file"), notNs.getMessage());
        assertEquals("ENOTTY", notNs.errnoName());
        NamespaceException missing = assertThrows(NamespaceException.class, () -> Namespace.open(Path.of("/nonexistent/ns")));
        assertEquals("ENOENT", missing.errnoName());
        NamespaceException noPid = assertThrows(NamespaceException.class,
                () -> Namespace.ofProcess(999_999_999L, NamespaceType.NETWORK));
        assertTrue(noPid.getMessage().contains("There is no process with pid 999999999"), noPid.getMessage());
        Namespace ns = Namespace.ofCurrentThread(NamespaceType.UTS);
        ns.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, ns::fd);
        assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
        assertThrows(IllegalStateException.class, () -> NamespaceExecutor.join(ns));
        assertThrows(IllegalArgumentException.class, () -> Namespace.ofProcess(0, NamespaceType.UTS));
        assertEquals(java.util.Set.of(), TestSupport.newFds(fds), "leaked descriptors");
    }
}
