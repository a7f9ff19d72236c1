package io.linuxns.internal;

import io.linuxns.NamespaceException;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.bindings.sockaddr_nl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The socket calls of an {@code AF_NETLINK} socket ({@code netlink(7)}, {@code socket(2)},
 * {@code bind(2)}, {@code sendto(2)}, {@code recvfrom(2)}, {@code setsockopt(2)}), with errno
 * captured by the linker as in {@link Native}.
 *
 * <p>jextract describes the address parameters of {@code bind}, {@code sendto} and
 * {@code recvfrom} as the by-value transparent union {@code __SOCKADDR_ARG}; the C ABI passes
 * it as a plain pointer, so these handles use their own descriptors with {@code ADDRESS}.
 *
 * <p>A netlink socket belongs to the network namespace of the thread that created it, for its
 * whole life: the caller picks the thread, this class only makes the calls.
 */
public final class NetlinkSocket {
    private NetlinkSocket() {}

    /** {@code ENOTSOCK}, for a descriptor that is a socket of another family. */
    private static final int ENOTSOCK = 88;

    private static final MethodHandle SOCKET = Native.downcall("socket", LinuxNs.socket$address(), LinuxNs.socket$descriptor());
    private static final MethodHandle SETSOCKOPT = Native.downcall("setsockopt", LinuxNs.setsockopt$address(), LinuxNs.setsockopt$descriptor());
    /** {@code int bind(int fd, const struct sockaddr *addr, socklen_t len)}. */
    private static final MethodHandle BIND = Native.downcall("bind", LinuxNs.bind$address(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code int getsockname(int fd, struct sockaddr *addr, socklen_t *len)}. */
    private static final MethodHandle GETSOCKNAME = Native.downcall("getsockname", LinuxNs.getsockname$address(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    /** {@code ssize_t sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)}. */
    private static final MethodHandle SENDTO = Native.downcall("sendto", LinuxNs.sendto$address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    /** {@code ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)}. */
    private static final MethodHandle RECVFROM = Native.downcall("recvfrom", LinuxNs.recvfrom$address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));

    /** {@code long syscall(long nr, ...)} with three integer arguments, for {@code pidfd_getfd}. */
    private static final MethodHandle SYSCALL3 = Native.variadic("syscall", LinuxNs.syscall.address(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);

    /**
     * Opens a {@code NETLINK_ROUTE} socket in the calling thread's network namespace, binds it
     * (the kernel picks the port id) and asks for extended acks with capped error payloads.
     *
     * @return the file descriptor ({@code SOCK_CLOEXEC})
     */
    public static int openRoute() throws NamespaceException {
        MemorySegment st = Native.callState();
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(st, LinuxNs.AF_NETLINK(), LinuxNs.SOCK_RAW() | LinuxNs.SOCK_CLOEXEC(), LinuxNs.NETLINK_ROUTE());
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
        if (fd < 0) throw new NamespaceException("socket(AF_NETLINK, SOCK_RAW|SOCK_CLOEXEC, NETLINK_ROUTE)", Native.errno(st), null);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(sockaddr_nl.layout());
            sockaddr_nl.nl_family(addr, (short) LinuxNs.AF_NETLINK());
            int r = (int) BIND.invokeExact(st, fd, addr, (int) addr.byteSize());
            if (r != 0) throw new NamespaceException("bind(netlink fd=" + fd + ")", Native.errno(st), null);
            requestAcks(arena, fd);
            return fd;
        } catch (NamespaceException e) {
            Native.close(fd);
            throw e;
        } catch (Throwable t) {
            Native.close(fd);
            throw Native.unexpected(t);
        }
    }

    /**
     * Duplicates descriptor {@code targetFd} of process {@code pid} into this process
     * ({@code pidfd_getfd(2)}, Linux 5.6+; needs ptrace access to the process).
     *
     * @return the new file descriptor ({@code O_CLOEXEC})
     * @throws NamespaceException ESRCH, EPERM, EBADF from the kernel
     */
    public static int duplicateFromProcess(long pid, int targetFd) throws NamespaceException {
        int pidfd = Native.pidfdOpen(pid);
        try {
            MemorySegment st = Native.callState();
            long r = (long) SYSCALL3.invokeExact(st, (long) LinuxNs.SYS_pidfd_getfd(), (long) pidfd, (long) targetFd, 0L);
            if (r < 0) {
                int e = Native.errno(st);
                throw new NamespaceException("pidfd_getfd(pid=" + pid + ", fd=" + targetFd + ")", e,
                        e == Errno.EPERM ? "taking a descriptor needs ptrace access to the process (same user, or CAP_SYS_PTRACE)" : null);
            }
            return (int) r;
        } catch (NamespaceException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        } finally {
            Native.close(pidfd);
        }
    }

    /**
     * Duplicates the netlink socket that process {@code pid} holds as {@code targetFd} into
     * this process ({@code pidfd_getfd(2)}, Linux 5.6+; needs ptrace access to the process:
     * the same user, or CAP_SYS_PTRACE), then asks for extended and capped acks on it.
     *
     * @return the new file descriptor ({@code O_CLOEXEC})
     * @throws NamespaceException ESRCH, EPERM, EBADF from the kernel; ENOTSOCK if it is not a
     *         netlink socket
     */
    public static int takeFromProcess(long pid, int targetFd) throws NamespaceException {
        int fd = duplicateFromProcess(pid, targetFd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(sockaddr_nl.layout());
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) addr.byteSize());
            MemorySegment st = Native.callState();
            int r = (int) GETSOCKNAME.invokeExact(st, fd, addr, len);
            if (r != 0) {
                throw new NamespaceException("getsockname(fd " + targetFd + " of pid " + pid + ")", Native.errno(st),
                        "it is not a socket");
            }
            if (sockaddr_nl.nl_family(addr) != LinuxNs.AF_NETLINK()) {
                throw new NamespaceException("getsockname(fd " + targetFd + " of pid " + pid + ")", ENOTSOCK,
                        "it is a socket of family " + sockaddr_nl.nl_family(addr) + ", not AF_NETLINK");
            }
            requestAcks(arena, fd);
            return fd;
        } catch (NamespaceException e) {
            Native.close(fd);
            throw e;
        } catch (Throwable t) {
            Native.close(fd);
            throw Native.unexpected(t);
        }
    }

    /**
     * Extended acks (the kernel's error text) and capped acks (errors without the echoed request).
     * Both are optional refinements: an older kernel without them still works, with errors
     * lacking the kernel's text and echoing the whole request.
     */
    private static void requestAcks(Arena arena, int fd) throws Throwable {
        setIntOption(arena, fd, LinuxNs.NETLINK_EXT_ACK(), 1);
        setIntOption(arena, fd, LinuxNs.NETLINK_CAP_ACK(), 1);
    }

    private static int setIntOption(Arena arena, int fd, int option, int value) throws Throwable {
        MemorySegment v = arena.allocateFrom(JAVA_INT, value);
        return (int) SETSOCKOPT.invokeExact(Native.callState(), fd, LinuxNs.SOL_NETLINK(), option, v, (int) v.byteSize());
    }

    /** {@return the port id the kernel gave the socket} ({@code getsockname(2)}) */
    public static int portId(int fd) throws NamespaceException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = arena.allocate(sockaddr_nl.layout());
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) addr.byteSize());
            MemorySegment st = Native.callState();
            int r = (int) GETSOCKNAME.invokeExact(st, fd, addr, len);
            if (r != 0) throw new NamespaceException("getsockname(netlink fd=" + fd + ")", Native.errno(st), null);
            return sockaddr_nl.nl_pid(addr);
        } catch (NamespaceException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /** Sends {@code message} to the kernel (port id 0); returns the count or {@code -errno}. */
    public static long rawSendToKernel(int fd, MemorySegment message) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment to = arena.allocate(sockaddr_nl.layout());
            sockaddr_nl.nl_family(to, (short) LinuxNs.AF_NETLINK());
            MemorySegment st = Native.callState();
            long r = (long) SENDTO.invokeExact(st, fd, message, message.byteSize(), 0, to, (int) to.byteSize());
            return r >= 0 ? r : -Native.errno(st);
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }

    /**
     * Receives one datagram into {@code buffer} with {@code MSG_TRUNC}, so that the result is
     * the datagram's real length even when it did not fit.
     *
     * @param sender receives the sender's port id (0 for the kernel)
     * @return the datagram's length, or {@code -errno}
     */
    public static long rawReceive(int fd, MemorySegment buffer, int[] sender) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment from = arena.allocate(sockaddr_nl.layout());
            MemorySegment len = arena.allocateFrom(JAVA_INT, (int) from.byteSize());
            MemorySegment st = Native.callState();
            long r = (long) RECVFROM.invokeExact(st, fd, buffer, buffer.byteSize(), LinuxNs.MSG_TRUNC(), from, len);
            if (r < 0) return -Native.errno(st);
            sender[0] = sockaddr_nl.nl_pid(from);
            return r;
        } catch (Throwable t) {
            throw Native.unexpected(t);
        }
    }
}
