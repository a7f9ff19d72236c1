package io.linuxns.net;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.bindings.LinuxNs;
import io.linuxns.bindings.ifaddrmsg;
import io.linuxns.bindings.ifinfomsg;
import io.linuxns.bindings.nlmsgerr;
import io.linuxns.bindings.nlmsghdr;
import io.linuxns.bindings.rtmsg;
import io.linuxns.internal.Errno;
import io.linuxns.internal.Native;
import io.linuxns.internal.NetlinkSocket;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A client of the kernel's routing netlink family ({@code rtnetlink(7)} over a
 * {@code NETLINK_ROUTE} socket, {@code netlink(7)}): links, addresses and routes of one network
 * namespace, in pure Java, without the {@code ip} command.
 *
 * <p>A netlink socket belongs to the network namespace of the thread that created it, for its
 * whole life, whatever thread uses it later. So the namespace is chosen when the client is
 * opened: {@link #open()} the calling thread's own, {@link #open(NamespaceExecutor)} an
 * executor's (the socket is created on the executor's thread), {@link #open(Namespace)} any
 * network namespace handle (a short-lived executor joins it to create the socket). Nothing
 * runs on the caller's thread in a foreign namespace, and afterwards the client may be used
 * from any thread: requests are serialized.
 *
 * <pre>{@code
 * try (NamespaceExecutor ns = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK));
 *      RtNetlink rt = RtNetlink.open(ns)) {
 *     rt.setUp("lo");
 * }
 * }</pre>
 *
 * <p>Every request asks for an acknowledgement ({@code NLM_F_ACK}) and carries its own sequence
 * number; a refusal ({@code NLMSG_ERROR}) becomes a {@link NetlinkException} naming the
 * request, the errno and, when the kernel explains itself ({@code NETLINK_EXT_ACK}), its text.
 * Interface names and addresses are checked before anything is sent
 * ({@link IllegalArgumentException}). Links are named by interface name and looked up in the
 * client's namespace, never with {@code if_nametoindex(3)}, which would ask the caller's.
 * Modifying links needs {@code CAP_NET_ADMIN} over the namespace.
 */
public final class RtNetlink implements AutoCloseable {
    /** The kernel sends dump replies of at most 32 KiB per datagram; twice that leaves room. */
    private static final int RECEIVE_BUFFER = 64 * 1024;
    /** A dump that keeps being interrupted by changes is retried this many times. */
    private static final int DUMP_ATTEMPTS = 10;

    private static final int REQUEST = LinuxNs.NLM_F_REQUEST();
    private static final int ACK = LinuxNs.NLM_F_ACK();
    private static final int CREATE_NEW = LinuxNs.NLM_F_CREATE() | LinuxNs.NLM_F_EXCL();
    private static final long IFINFOMSG = ifinfomsg.layout().byteSize();
    private static final long IFADDRMSG = ifaddrmsg.layout().byteSize();
    private static final long RTMSG = rtmsg.layout().byteSize();

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer = arena.allocate(RECEIVE_BUFFER, 8);
    private final String namespace;
    private int fd;
    private int seq;

    private RtNetlink(int fd, String namespace) {
        this.fd = fd;
        this.namespace = namespace;
    }

    /**
     * Opens a client on the calling thread's current network namespace.
     *
     * @return a client, which the caller closes
     * @throws NamespaceException if the socket cannot be created
     */
    public static RtNetlink open() throws NamespaceException {
        String ns;
        try (Namespace n = Namespace.ofCurrentThread(NamespaceType.NETWORK)) {
            ns = n.toString();
        }
        return new RtNetlink(NetlinkSocket.openRoute(), ns);
    }

    /**
     * Opens a client on the network namespace of {@code executor}'s thread: the socket is
     * created there, then used from any thread.
     *
     * @param executor an executor that unshared or joined a network namespace
     * @return a client, which the caller closes
     * @throws NamespaceException if the socket cannot be created
     */
    public static RtNetlink open(NamespaceExecutor executor) throws NamespaceException {
        Objects.requireNonNull(executor, "executor");
        try {
            return executor.call(RtNetlink::open);
        } catch (NamespaceException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new NamespaceException("opening a netlink socket in " + executor + " failed", e);
        }
    }

    /**
     * Opens a client on the network namespace {@code netns}: a short-lived executor joins it
     * ({@code setns(2)}), creates the socket and ends. The handle may be closed afterwards.
     *
     * @param netns a network namespace
     * @return a client, which the caller closes
     * @throws IllegalArgumentException if {@code netns} is not a network namespace
     * @throws NamespaceException EPERM without {@code CAP_SYS_ADMIN} over it
     */
    public static RtNetlink open(Namespace netns) throws NamespaceException {
        Objects.requireNonNull(netns, "netns");
        requireNetwork(netns);
        try (NamespaceExecutor ex = NamespaceExecutor.join(netns)) {
            return open(ex);
        }
    }

    /**
     * Opens a client on a {@code NETLINK_ROUTE} socket that process {@code pid} holds as
     * descriptor {@code fd}, duplicated into this JVM with {@code pidfd_getfd(2)} (Linux 5.6+).
     * The socket stays in the network namespace it was created in.
     *
     * <p>This is how an unprivileged JVM configures the network namespace of a child it started
     * in a user namespace of its own: joining that namespace needs {@code CAP_SYS_ADMIN} in the
     * JVM's user namespace ({@code setns(2)} fails with EPERM), but a socket created inside it
     * works, because the creator of a user namespace holds every capability in it. The process
     * must not read from the socket meanwhile (stop it, or let it wait): replies go to whoever
     * reads first.
     *
     * @param pid the process holding the socket
     * @param fd its descriptor number in that process
     * @return a client, which the caller closes
     * @throws NamespaceException EPERM without ptrace access to the process (another user),
     *         EBADF if it has no such descriptor, ENOTSOCK if it is not a netlink socket
     */
    public static RtNetlink fromProcess(long pid, int fd) throws NamespaceException {
        if (pid <= 0) throw new IllegalArgumentException("bad pid " + pid);
        if (fd < 0) throw new IllegalArgumentException("bad file descriptor " + fd);
        int socket = NetlinkSocket.takeFromProcess(pid, fd);
        // The process's namespace names the client; the socket's own may differ if the process
        // moved since creating it, which toString() cannot tell (SIOCGSKNS could).
        try (Namespace n = Namespace.ofProcess(pid, NamespaceType.NETWORK)) {
            return new RtNetlink(socket, n.toString());
        } catch (NamespaceException | RuntimeException e) {
            Native.close(socket);
            throw e;
        }
    }

    private static void requireNetwork(Namespace ns) {
        if (ns.type() != NamespaceType.NETWORK) {
            throw new IllegalArgumentException("expected a NETWORK namespace, got " + ns.type() + " namespace " + ns);
        }
    }

    // ---- links ------------------------------------------------------------------------------

    /**
     * {@return the id that this socket's network namespace gives {@code netns}, or empty if it
     * has given none} ({@code RTM_GETNSID} with {@code NETNSA_FD}; the {@code NETNSID} of
     * {@code lsns(8)}, the {@code link-netnsid} of {@code ip link}). Ids are assigned by
     * {@code ip netns set} or when a link's peer is in {@code netns}; they are local to the
     * namespace that holds them.
     *
     * @param netns any network namespace
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public OptionalInt netnsId(Namespace netns) throws NamespaceException {
        requireNetwork(netns);
        int[] id = {-1};
        request(LinuxNs.RTM_GETNSID(), 0, "RTM_GETNSID(" + netns + ")", m -> {
            m.reserve(4); // struct rtgenmsg, family AF_UNSPEC, padded to NLMSG_ALIGNTO
            m.attrInt(LinuxNs.NETNSA_FD(), netns.fd());
        }, (type, payload) -> {
            if (type != LinuxNs.RTM_NEWNSID() || payload.byteSize() < 4) return;
            id[0] = new NlAttributes(payload.asSlice(4)).u32(LinuxNs.NETNSA_NSID(), -1);
        });
        return id[0] < 0 ? OptionalInt.empty() : OptionalInt.of(id[0]);
    }

    /**
     * {@return every link of the namespace} ({@code RTM_GETLINK} dump)
     *
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public List<Link> links() throws NamespaceException {
        return dump(LinuxNs.RTM_GETLINK(), IFINFOMSG, "RTM_GETLINK(dump)", RtNetlink::parseLink);
    }

    /**
     * {@return the link named {@code name}, or empty if there is none} ({@code RTM_GETLINK}
     * by {@code IFLA_IFNAME})
     *
     * @param name the interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public Optional<Link> link(String name) throws NamespaceException {
        LinkNames.check("link name", name);
        List<Link> found = new ArrayList<>();
        try {
            request(LinuxNs.RTM_GETLINK(), 0, "RTM_GETLINK(" + q(name) + ")", m -> {
                m.header(ifinfomsg.layout());
                m.attrString(LinuxNs.IFLA_IFNAME(), name);
            }, (type, payload) -> {
                Link l = parseLink(type, payload);
                if (l != null) found.add(l);
            });
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) return Optional.empty();
            throw e;
        }
        return found.stream().findFirst();
    }

    /**
     * Sets the link administratively up ({@code IFF_UP}), as {@code ip link set NAME up}.
     *
     * @param name the interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void setUp(String name) throws NamespaceException {
        setFlags(name, true);
    }

    /**
     * Sets the link administratively down, as {@code ip link set NAME down}.
     *
     * @param name the interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void setDown(String name) throws NamespaceException {
        setFlags(name, false);
    }

    private void setFlags(String name, boolean up) throws NamespaceException {
        LinkNames.check("link name", name);
        ack(LinuxNs.RTM_NEWLINK(), 0, "RTM_NEWLINK(" + q(name) + (up ? " up" : " down") + ")", m -> {
            MemorySegment ifi = m.header(ifinfomsg.layout());
            ifinfomsg.ifi_flags(ifi, up ? LinuxNs.IFF_UP() : 0);
            ifinfomsg.ifi_change(ifi, LinuxNs.IFF_UP());
            m.attrString(LinuxNs.IFLA_IFNAME(), name);
        });
    }

    /**
     * Creates a pair of connected virtual Ethernet devices ({@code veth(4)}), both down, in this
     * namespace.
     *
     * @param name the name of one end
     * @param peerName the name of the other
     * @throws IllegalArgumentException for an invalid name or two equal names
     * @throws NetlinkException EEXIST if a link of either name exists
     */
    public void createVethPair(String name, String peerName) throws NamespaceException {
        createVeth(name, peerName, null);
    }

    /**
     * Creates a veth pair whose end {@code peerName} is created directly in {@code peerNetns}
     * ({@code IFLA_NET_NS_FD} on the peer), so that it never appears here.
     *
     * @param name the name of the end created here
     * @param peerName the name of the end created in {@code peerNetns}
     * @param peerNetns a network namespace
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void createVethPair(String name, String peerName, Namespace peerNetns) throws NamespaceException {
        Objects.requireNonNull(peerNetns, "peerNetns");
        requireNetwork(peerNetns);
        createVeth(name, peerName, peerNetns);
    }

    private void createVeth(String name, String peerName, Namespace peerNetns) throws NamespaceException {
        LinkNames.check("link name", name);
        LinkNames.check("peer name", peerName);
        if (name.equals(peerName) && peerNetns == null) {
            throw new IllegalArgumentException("a veth pair needs two different names, got \"" + name + "\" twice");
        }
        int nsFd = peerNetns == null ? -1 : peerNetns.fd();
        ack(LinuxNs.RTM_NEWLINK(), CREATE_NEW, "RTM_NEWLINK(veth " + q(name) + " peer " + q(peerName)
                + (peerNetns == null ? "" : " in " + peerNetns) + ")", m -> {
            m.header(ifinfomsg.layout());
            m.attrString(LinuxNs.IFLA_IFNAME(), name);
            long info = m.begin(LinuxNs.IFLA_LINKINFO());
            m.attrString(LinuxNs.IFLA_INFO_KIND(), "veth");
            long data = m.begin(LinuxNs.IFLA_INFO_DATA());
            long peer = m.begin(LinuxNs.VETH_INFO_PEER());
            m.header(ifinfomsg.layout()); // the peer's own ifinfomsg comes first
            m.attrString(LinuxNs.IFLA_IFNAME(), peerName);
            if (nsFd >= 0) m.attrInt(LinuxNs.IFLA_NET_NS_FD(), nsFd);
            m.end(peer);
            m.end(data);
            m.end(info);
        });
    }

    /**
     * Creates a bridge device ({@code IFLA_INFO_KIND "bridge"}), down, as {@code ip link add NAME type bridge}.
     *
     * @param name the bridge's interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void createBridge(String name) throws NamespaceException {
        LinkNames.check("bridge name", name);
        ack(LinuxNs.RTM_NEWLINK(), CREATE_NEW, "RTM_NEWLINK(bridge " + q(name) + ")", m -> {
            m.header(ifinfomsg.layout());
            m.attrString(LinuxNs.IFLA_IFNAME(), name);
            long info = m.begin(LinuxNs.IFLA_LINKINFO());
            m.attrString(LinuxNs.IFLA_INFO_KIND(), "bridge");
            m.end(info);
        });
    }

    /**
     * Deletes a link ({@code RTM_DELLINK}); deleting one end of a veth pair deletes both.
     *
     * @param name the interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void deleteLink(String name) throws NamespaceException {
        LinkNames.check("link name", name);
        ack(LinuxNs.RTM_DELLINK(), 0, "RTM_DELLINK(" + q(name) + ")", m -> {
            m.header(ifinfomsg.layout());
            m.attrString(LinuxNs.IFLA_IFNAME(), name);
        });
    }

    /**
     * Makes {@code link} a port of bridge {@code bridge} ({@code IFLA_MASTER}), as {@code ip link set LINK master BRIDGE}.
     *
     * @param link the interface name
     * @param bridge the bridge's interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void setMaster(String link, String bridge) throws NamespaceException {
        LinkNames.check("link name", link);
        LinkNames.check("bridge name", bridge);
        int master = index(bridge);
        ack(LinuxNs.RTM_NEWLINK(), 0, "RTM_NEWLINK(" + q(link) + " master " + q(bridge) + ")", m -> {
            m.header(ifinfomsg.layout());
            m.attrString(LinuxNs.IFLA_IFNAME(), link);
            m.attrInt(LinuxNs.IFLA_MASTER(), master);
        });
    }

    /**
     * Detaches {@code link} from its bridge ({@code IFLA_MASTER} 0), as {@code ip link set LINK nomaster}.
     *
     * @param link the interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void clearMaster(String link) throws NamespaceException {
        LinkNames.check("link name", link);
        ack(LinuxNs.RTM_NEWLINK(), 0, "RTM_NEWLINK(" + q(link) + " nomaster)", m -> {
            m.header(ifinfomsg.layout());
            m.attrString(LinuxNs.IFLA_IFNAME(), link);
            m.attrInt(LinuxNs.IFLA_MASTER(), 0);
        });
    }

    /**
     * Moves {@code link} into the network namespace of process {@code pid}
     * ({@code IFLA_NET_NS_PID}), as {@code ip link set LINK netns PID}. The link goes down.
     *
     * @param link the interface name
     * @param pid a process in the target network namespace
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void moveToNamespace(String link, long pid) throws NamespaceException {
        LinkNames.check("link name", link);
        if (pid <= 0 || pid > Integer.MAX_VALUE) throw new IllegalArgumentException("bad pid " + pid);
        ack(LinuxNs.RTM_NEWLINK(), 0, "RTM_NEWLINK(" + q(link) + " netns pid " + pid + ")", m -> {
            m.header(ifinfomsg.layout());
            m.attrString(LinuxNs.IFLA_IFNAME(), link);
            m.attrInt(LinuxNs.IFLA_NET_NS_PID(), (int) pid);
        });
    }

    /**
     * Moves {@code link} into the network namespace {@code netns} ({@code IFLA_NET_NS_FD}). The link goes down.
     *
     * @param link the interface name
     * @param netns the target network namespace
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void moveToNamespace(String link, Namespace netns) throws NamespaceException {
        LinkNames.check("link name", link);
        Objects.requireNonNull(netns, "netns");
        requireNetwork(netns);
        int nsFd = netns.fd();
        ack(LinuxNs.RTM_NEWLINK(), 0, "RTM_NEWLINK(" + q(link) + " netns " + netns + ")", m -> {
            m.header(ifinfomsg.layout());
            m.attrString(LinuxNs.IFLA_IFNAME(), link);
            m.attrInt(LinuxNs.IFLA_NET_NS_FD(), nsFd);
        });
    }

    // ---- addresses --------------------------------------------------------------------------

    /**
     * {@return every IPv4 and IPv6 address of the namespace} ({@code RTM_GETADDR} dump)
     *
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public List<Address> addresses() throws NamespaceException {
        return dump(LinuxNs.RTM_GETADDR(), IFADDRMSG, "RTM_GETADDR(dump)", RtNetlink::parseAddress);
    }

    /**
     * {@return the addresses of link {@code name}}
     *
     * @param name the interface name
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public List<Address> addresses(String name) throws NamespaceException {
        int index = index(name);
        return addresses().stream().filter(a -> a.linkIndex() == index).toList();
    }

    /**
     * Adds {@code address} to link {@code name}, as {@code ip addr add ADDRESS/LEN dev NAME}; the
     * kernel adds the route to its network. IPv6 addresses skip duplicate address detection
     * ({@code IFA_F_NODAD}), so they are usable at once, as a namespace's private link wants.
     *
     * @param name the interface name
     * @param address the address and prefix length
     * @throws NetlinkException EEXIST if the link has it already
     */
    public void addAddress(String name, IpPrefix address) throws NamespaceException {
        Objects.requireNonNull(address, "address");
        int index = index(name);
        ack(LinuxNs.RTM_NEWADDR(), CREATE_NEW, "RTM_NEWADDR(" + q(name) + " " + address + ")",
                m -> writeAddress(m, index, address));
    }

    /**
     * Removes {@code address} from link {@code name}, as {@code ip addr del}.
     *
     * @param name the interface name
     * @param address the address and prefix length
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void deleteAddress(String name, IpPrefix address) throws NamespaceException {
        Objects.requireNonNull(address, "address");
        int index = index(name);
        ack(LinuxNs.RTM_DELADDR(), 0, "RTM_DELADDR(" + q(name) + " " + address + ")",
                m -> writeAddress(m, index, address));
    }

    private static void writeAddress(NlMessage m, int index, IpPrefix address) {
        MemorySegment ifa = m.header(ifaddrmsg.layout());
        ifaddrmsg.ifa_family(ifa, (byte) address.family());
        ifaddrmsg.ifa_prefixlen(ifa, (byte) address.prefixLength());
        ifaddrmsg.ifa_index(ifa, index);
        if (!address.isIpv4()) ifaddrmsg.ifa_flags(ifa, (byte) LinuxNs.IFA_F_NODAD());
        byte[] bytes = address.address().getAddress();
        m.attr(LinuxNs.IFA_LOCAL(), bytes);
        m.attr(LinuxNs.IFA_ADDRESS(), bytes);
    }

    // ---- routes -----------------------------------------------------------------------------

    /**
     * {@return the unicast routes of the main table, IPv4 and IPv6} ({@code RTM_GETROUTE} dump)
     *
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public List<Route> routes() throws NamespaceException {
        return dump(LinuxNs.RTM_GETROUTE(), RTMSG, "RTM_GETROUTE(dump)", RtNetlink::parseRoute);
    }

    /**
     * Adds a route to {@code destination} in the main table, through {@code gateway} and/or out
     * of link {@code device}, as {@code ip route add DEST [via GATEWAY] [dev DEVICE]}. The
     * destination's host bits are ignored.
     *
     * @param gateway the next hop, or {@code null} for a directly connected network
     * @param device  the output link, or {@code null} to let the kernel find it from the gateway
     * @param destination the network, such as {@code 10.200.0.0/24} or {@code 0.0.0.0/0}
     * @throws IllegalArgumentException if both are {@code null} or the families differ
     * @throws NetlinkException ENETUNREACH if the gateway is not on a connected network, EEXIST
     *         if the route exists
     */
    public void addRoute(IpPrefix destination, InetAddress gateway, String device) throws NamespaceException {
        Objects.requireNonNull(destination, "destination");
        if (gateway == null && device == null) throw new IllegalArgumentException("a route needs a gateway, a device or both");
        if (gateway != null && (gateway instanceof Inet4Address) != destination.isIpv4()) {
            throw new IllegalArgumentException("gateway " + gateway.getHostAddress() + " is not of the family of " + destination);
        }
        int oif = device == null ? 0 : index(device);
        IpPrefix dst = destination.network();
        String what = (dst.prefixLength() == 0 ? "default" : dst.toString())
                + (gateway == null ? "" : " via " + gateway.getHostAddress()) + (device == null ? "" : " dev " + q(device));
        ack(LinuxNs.RTM_NEWROUTE(), CREATE_NEW, "RTM_NEWROUTE(" + what + ")", m -> {
            MemorySegment rt = m.header(rtmsg.layout());
            rtmsg.rtm_family(rt, (byte) dst.family());
            rtmsg.rtm_dst_len(rt, (byte) dst.prefixLength());
            rtmsg.rtm_table(rt, (byte) LinuxNs.RT_TABLE_MAIN());
            rtmsg.rtm_protocol(rt, (byte) LinuxNs.RTPROT_BOOT());
            rtmsg.rtm_scope(rt, (byte) (gateway == null ? LinuxNs.RT_SCOPE_LINK() : LinuxNs.RT_SCOPE_UNIVERSE()));
            rtmsg.rtm_type(rt, (byte) LinuxNs.RTN_UNICAST());
            if (dst.prefixLength() > 0) m.attr(LinuxNs.RTA_DST(), dst.address().getAddress());
            if (gateway != null) m.attr(LinuxNs.RTA_GATEWAY(), gateway.getAddress());
            if (oif != 0) m.attrInt(LinuxNs.RTA_OIF(), oif);
        });
    }

    /**
     * Adds a default route via {@code gateway}, as {@code ip route add default via GATEWAY}.
     *
     * @param gateway the next hop, IPv4 or IPv6
     * @throws NamespaceException if the kernel refuses: a {@link NetlinkException} naming the
     *         request, the errno and the kernel's explanation
     */
    public void addDefaultRoute(InetAddress gateway) throws NamespaceException {
        Objects.requireNonNull(gateway, "gateway");
        addRoute(defaultDestination(gateway), gateway, null);
    }

    private static IpPrefix defaultDestination(InetAddress like) {
        return IpPrefix.parse(like instanceof Inet4Address ? "0.0.0.0/0" : "::/0");
    }

    // ---- plumbing ---------------------------------------------------------------------------

    /** {@return the index of link {@code name} in this namespace} */
    private int index(String name) throws NamespaceException {
        LinkNames.check("link name", name);
        return link(name).orElseThrow(() -> new NetlinkException("RTM_GETLINK(" + q(name) + ")", Errno.ENODEV, null,
                "no link named \"" + name + "\" in " + namespace)).index();
    }

    @FunctionalInterface
    private interface Writer {
        void write(NlMessage m);
    }

    @FunctionalInterface
    private interface Handler {
        void handle(int type, MemorySegment payload);
    }

    @FunctionalInterface
    private interface Parser<T> {
        /** {@return the value of one reply message, or {@code null} to skip it} */
        T parse(int type, MemorySegment payload);
    }

    private void ack(int type, int flags, String description, Writer writer) throws NamespaceException {
        request(type, flags, description, writer, null);
    }

    /** Sends one request with {@code NLM_F_ACK} and handles replies until the ack or error. */
    private synchronized void request(int type, int flags, String description, Writer writer, Handler handler)
            throws NamespaceException {
        try (Arena a = Arena.ofConfined()) {
            NlMessage m = new NlMessage(a, type, REQUEST | ACK | flags);
            writer.write(m);
            receive(send(m, description), description, handler);
        }
    }

    private synchronized <T> List<T> dump(int type, long familyHeader, String description, Parser<T> parser)
            throws NamespaceException {
        for (int attempt = 1; ; attempt++) {
            List<T> out = new ArrayList<>();
            boolean interrupted;
            try (Arena a = Arena.ofConfined()) {
                NlMessage m = new NlMessage(a, type, REQUEST | LinuxNs.NLM_F_DUMP());
                m.reserve(familyHeader); // family AF_UNSPEC: all of them
                interrupted = receive(send(m, description), description, (t, payload) -> {
                    T v = parser.parse(t, payload);
                    if (v != null) out.add(v);
                });
            }
            // NLM_F_DUMP_INTR: the set changed during the dump, which may then miss or repeat entries.
            if (!interrupted) return List.copyOf(out);
            if (attempt == DUMP_ATTEMPTS) {
                throw new NamespaceException(description, 0, "the dump was interrupted by changes " + attempt + " times in a row");
            }
        }
    }

    private int send(NlMessage m, String description) throws NamespaceException {
        int s = ++seq;
        MemorySegment msg = m.finish(s);
        long r;
        do {
            r = NetlinkSocket.rawSendToKernel(fd(), msg);
        } while (r == -Errno.EINTR);
        if (r < 0) throw new NamespaceException("sendto(netlink) of " + description, (int) -r, null);
        return s;
    }

    /**
     * Reads replies to request {@code s} until its {@code NLMSG_ERROR} (ack or error) or
     * {@code NLMSG_DONE}; messages of other sequence numbers (replies to a request abandoned
     * by an exception) are skipped.
     *
     * @return whether any reply was flagged {@code NLM_F_DUMP_INTR}
     */
    private boolean receive(int s, String description, Handler handler) throws NamespaceException {
        boolean interrupted = false;
        int[] sender = new int[1];
        while (true) {
            long n;
            do {
                n = NetlinkSocket.rawReceive(fd(), buffer, sender);
            } while (n == -Errno.EINTR);
            if (n < 0) throw new NamespaceException("recvfrom(netlink) for " + description, (int) -n, null);
            if (n > buffer.byteSize()) {
                throw new NamespaceException(description, 0, "a reply of " + n + " bytes did not fit the " + buffer.byteSize() + "-byte buffer");
            }
            if (sender[0] != 0) continue; // only the kernel (port 0) answers requests
            long at = 0;
            while (at + NlMessage.HEADER <= n) {
                MemorySegment h = buffer.asSlice(at, n - at);
                long len = Integer.toUnsignedLong(nlmsghdr.nlmsg_len(h));
                if (len < NlMessage.HEADER || at + len > n) break; // truncated: nothing more to read here
                int type = Short.toUnsignedInt(nlmsghdr.nlmsg_type(h));
                int flags = Short.toUnsignedInt(nlmsghdr.nlmsg_flags(h));
                MemorySegment payload = h.asSlice(NlMessage.HEADER, len - NlMessage.HEADER);
                at += NlMessage.align(len);
                if (nlmsghdr.nlmsg_seq(h) != s) continue;
                if ((flags & LinuxNs.NLM_F_DUMP_INTR()) != 0) interrupted = true;
                if (type == LinuxNs.NLMSG_ERROR()) {
                    int error = nlmsgerr.error(payload);
                    if (error == 0) return interrupted;
                    throw new NetlinkException(description, -error, extack(flags, payload));
                }
                if (type == LinuxNs.NLMSG_DONE()) {
                    int error = payload.byteSize() >= 4 ? nlmsgerr.error(payload) : 0;
                    if (error < 0) throw new NetlinkException(description, -error, null);
                    return interrupted;
                }
                if (type != LinuxNs.NLMSG_NOOP() && handler != null) handler.handle(type, payload);
            }
        }
    }

    /** {@return the kernel's {@code NLMSGERR_ATTR_MSG} text of an error, if any} */
    private static String extack(int flags, MemorySegment payload) {
        if ((flags & LinuxNs.NLM_F_ACK_TLVS()) == 0) return null;
        // struct nlmsgerr { int error; struct nlmsghdr msg; } then the original payload unless capped.
        long at = 4;
        if (payload.byteSize() < at + NlMessage.HEADER) return null;
        long original = Integer.toUnsignedLong(nlmsghdr.nlmsg_len(payload.asSlice(at)));
        at += (flags & LinuxNs.NLM_F_CAPPED()) != 0 ? NlMessage.HEADER : NlMessage.align(original);
        if (at >= payload.byteSize()) return null;
        String text = new NlAttributes(payload.asSlice(at)).string(LinuxNs.NLMSGERR_ATTR_MSG());
        return text == null || text.isBlank() ? null : text;
    }

    private static Link parseLink(int type, MemorySegment p) {
        if (type != LinuxNs.RTM_NEWLINK() || p.byteSize() < IFINFOMSG) return null;
        NlAttributes at = new NlAttributes(p.asSlice(IFINFOMSG));
        String name = at.string(LinuxNs.IFLA_IFNAME());
        if (name == null) return null;
        NlAttributes info = at.nested(LinuxNs.IFLA_LINKINFO());
        MemorySegment mac = at.get(LinuxNs.IFLA_ADDRESS());
        return new Link(ifinfomsg.ifi_index(p), name, ifinfomsg.ifi_flags(p), at.u32(LinuxNs.IFLA_MTU(), 0),
                at.u32(LinuxNs.IFLA_MASTER(), 0),
                Optional.ofNullable(info == null ? null : info.string(LinuxNs.IFLA_INFO_KIND())),
                mac == null ? "" : HexFormat.ofDelimiter(":").formatHex(mac.toArray(JAVA_BYTE)));
    }

    private static Address parseAddress(int type, MemorySegment p) {
        if (type != LinuxNs.RTM_NEWADDR() || p.byteSize() < IFADDRMSG) return null;
        NlAttributes at = new NlAttributes(p.asSlice(IFADDRMSG));
        InetAddress a = at.ip(LinuxNs.IFA_LOCAL());
        if (a == null) a = at.ip(LinuxNs.IFA_ADDRESS());
        if (a == null) return null;
        return new Address(ifaddrmsg.ifa_index(p), new IpPrefix(a, Byte.toUnsignedInt(ifaddrmsg.ifa_prefixlen(p))),
                Byte.toUnsignedInt(ifaddrmsg.ifa_scope(p)),
                at.u32(LinuxNs.IFA_FLAGS(), Byte.toUnsignedInt(ifaddrmsg.ifa_flags(p))));
    }

    private static Route parseRoute(int type, MemorySegment p) {
        if (type != LinuxNs.RTM_NEWROUTE() || p.byteSize() < RTMSG) return null;
        NlAttributes at = new NlAttributes(p.asSlice(RTMSG));
        int table = at.u32(LinuxNs.RTA_TABLE(), Byte.toUnsignedInt(rtmsg.rtm_table(p)));
        if (table != LinuxNs.RT_TABLE_MAIN() || Byte.toUnsignedInt(rtmsg.rtm_type(p)) != LinuxNs.RTN_UNICAST()) return null;
        int family = Byte.toUnsignedInt(rtmsg.rtm_family(p));
        if (family != LinuxNs.AF_INET() && family != LinuxNs.AF_INET6()) return null;
        InetAddress dst = at.ip(LinuxNs.RTA_DST());
        if (dst == null) dst = IpPrefix.literal(family == LinuxNs.AF_INET() ? "0.0.0.0" : "::", "any");
        return new Route(new IpPrefix(dst, Byte.toUnsignedInt(rtmsg.rtm_dst_len(p))),
                Optional.ofNullable(at.ip(LinuxNs.RTA_GATEWAY())), at.u32(LinuxNs.RTA_OIF(), 0),
                Byte.toUnsignedInt(rtmsg.rtm_protocol(p)));
    }

    private synchronized int fd() {
        if (fd < 0) throw new IllegalStateException(this + " is closed");
        return fd;
    }

    private static String q(String name) {
        return '"' + name + '"';
    }

    /** {@return the network namespace the socket is bound to, as {@code net:[4026532178]}} */
    public String namespace() {
        return namespace;
    }

    /** Closes the socket. Idempotent. */
    @Override
    public synchronized void close() {
        if (fd >= 0) {
            Native.close(fd);
            fd = -1;
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "RtNetlink[" + namespace + "]";
    }
}
