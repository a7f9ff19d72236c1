package io.linuxns.net;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.ParentSetup;
import io.linuxns.internal.Errno;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * The usual network of a container, as {@code netsetgo} makes it, with rtnetlink
 * ({@code rtnetlink(7)}, {@code veth(4)}): a bridge with an address in the host's network
 * namespace, a veth pair with one end a port of the bridge and the other end in the child's
 * network namespace, an address on that end, loopback up, and a default route through the
 * bridge's address.
 *
 * <pre>{@code
 * BridgedNetwork net = BridgedNetwork.builder()
 *         .bridge("linuxns0", "10.200.0.1/24")
 *         .containerAddress("10.200.0.2/24")
 *         .vethNames("lns-c1", "eth0")
 *         .build();
 * new NamespacedProcessBuilder("sh").unshare(EnumSet.of(NamespaceType.NETWORK)).parentSetup(net) ...
 * // ... when the child is gone:
 * net.teardown();
 * }</pre>
 *
 * <p>As a {@link ParentSetup}, {@link #beforeExec(long)} runs in the
 * parent while the child waits, after the child's namespaces exist. The host side is made in
 * the network namespace of the thread calling it; the container end is created directly in
 * the child's namespace (so that a name like {@code eth0} never clashes with a host device),
 * and the container side is configured through a client opened on that namespace. Nothing
 * runs on the caller's thread in a foreign namespace.
 *
 * <p>{@link #teardown()} (or {@link #close()}) removes what {@code beforeExec} made in the host
 * namespace: the host end of the veth pair (which takes the container end with it), and the
 * bridge if this object created it and it has no other ports left. A failing
 * {@code beforeExec} tears down what it made before it throws. One instance configures one
 * child at a time; after {@code teardown} it may be applied again.
 *
 * <p>Needs {@code CAP_NET_ADMIN} in the host namespace and {@code CAP_SYS_ADMIN} to join the
 * child's network namespace.
 */
public final class BridgedNetwork implements ParentSetup, AutoCloseable {
    private final String bridge;
    private final IpPrefix bridgeAddress;
    private final IpPrefix containerAddress;
    private final String hostVeth;
    private final String containerVeth;
    private final boolean removeUnusedBridge;

    // State of one application; guarded by this.
    private RtNetlink host;
    private boolean createdBridge;
    private boolean addedBridgeAddress;
    private boolean createdVeth;

    private BridgedNetwork(Builder b) {
        this.bridge = b.bridge;
        this.bridgeAddress = b.bridgeAddress;
        this.containerAddress = b.containerAddress;
        this.hostVeth = b.hostVeth;
        this.containerVeth = b.containerVeth;
        this.removeUnusedBridge = b.removeUnusedBridge;
    }

    /** {@return a builder with the defaults: bridge {@code linuxns0} 10.200.0.1/24, container 10.200.0.2/24, veth {@code lnsveth0}/{@code eth0}} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the bridge's name} */
    public String bridge() {
        return bridge;
    }

    /** {@return the bridge's address, the container's gateway} */
    public IpPrefix bridgeAddress() {
        return bridgeAddress;
    }

    /** {@return the container end's address} */
    public IpPrefix containerAddress() {
        return containerAddress;
    }

    /** {@return the name of the veth end in the host namespace} */
    public String hostVeth() {
        return hostVeth;
    }

    /** {@return the name of the veth end in the container's namespace} */
    public String containerVeth() {
        return containerVeth;
    }

    /**
     * Sets up the network for the child {@code pid}: in the calling thread's network namespace
     * the bridge (created unless it exists, given its address unless it has it, set up) and the
     * veth pair; in the child's network namespace loopback, the container end's address, and
     * the default route via the bridge's address.
     *
     * @throws IllegalStateException if applied already and not torn down
     * @throws NamespaceException if a request fails (EEXIST if the host veth name is taken);
     *         what was made is removed first
     */
    @Override
    public synchronized void beforeExec(long pid) throws IOException {
        if (pid <= 0) throw new IllegalArgumentException("bad pid " + pid);
        if (host != null) throw new IllegalStateException(this + " is applied already: teardown() first");
        host = RtNetlink.open();
        try {
            Optional<Link> existing = host.link(bridge);
            if (existing.isEmpty()) {
                try {
                    host.createBridge(bridge);
                    createdBridge = true;
                } catch (NamespaceException e) {
                    // Another setup made it between our look and our request: use theirs.
                    if (e.errno() != Errno.EEXIST) throw e;
                    existing = host.link(bridge);
                }
            }
            if (existing.isPresent() && !existing.get().kind().equals(Optional.of("bridge"))) {
                throw new NamespaceException("BridgedNetwork: " + bridge + " in " + host.namespace() + " is a "
                        + existing.get().kind().orElse("device") + ", not a bridge", 0, "choose another bridge name");
            }
            if (host.addresses(bridge).stream().noneMatch(a -> a.prefix().equals(bridgeAddress))) {
                host.addAddress(bridge, bridgeAddress);
                addedBridgeAddress = !createdBridge;
            }
            host.setUp(bridge);
            try (Namespace child = Namespace.ofProcess(pid, NamespaceType.NETWORK)) {
                host.createVethPair(hostVeth, containerVeth, child);
                createdVeth = true;
                host.setMaster(hostVeth, bridge);
                host.setUp(hostVeth);
                try (RtNetlink inside = RtNetlink.open(child)) {
                    inside.setUp("lo");
                    inside.addAddress(containerVeth, containerAddress);
                    inside.setUp(containerVeth);
                    inside.addDefaultRoute(bridgeAddress.address());
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                teardown();
            } catch (IOException | RuntimeException t) {
                e.addSuppressed(t);
            }
            throw e;
        }
    }

    private void deleteIfPresent(String link) throws NamespaceException {
        try {
            if (host.link(link).isPresent()) host.deleteLink(link);
        } catch (NamespaceException e) {
            if (e.errno() != Errno.ENODEV) throw e;
        }
    }

    /**
     * Removes what {@link #beforeExec(long)} made in the host namespace: the host veth end
     * (the container end goes with it, if the child's namespace still exists), the bridge
     * address it added to an existing bridge, and the bridge if it created it and no other
     * port is attached. Does nothing if not applied; may be called from any thread.
     *
     * @throws NamespaceException if a removal fails; the rest is still attempted
     */
    public synchronized void teardown() throws NamespaceException {
        if (host == null) return;
        NamespaceException failure = null;
        try {
            if (createdVeth) {
                // Gone already if the child's namespace died and took the pair with it, or going
                // now: the kernel cleans a dead namespace up in the background (ENODEV).
                deleteIfPresent(hostVeth);
                createdVeth = false;
            }
        } catch (NamespaceException e) {
            failure = e;
        }
        try {
            Optional<Link> br = host.link(bridge);
            boolean unused = br.isPresent() && host.links().stream().noneMatch(l -> l.masterIndex() == br.get().index());
            boolean ours = createdBridge || (removeUnusedBridge && host.addresses(bridge).stream()
                    .allMatch(a -> a.prefix().equals(bridgeAddress) || a.prefix().address().isLinkLocalAddress()));
            if (unused && ours) {
                deleteIfPresent(bridge);
            } else if (br.isPresent() && addedBridgeAddress) {
                host.deleteAddress(bridge, bridgeAddress);
            }
            createdBridge = false;
            addedBridgeAddress = false;
        } catch (NamespaceException e) {
            if (failure == null) failure = e; else failure.addSuppressed(e);
        }
        if (failure == null) {
            host.close();
            host = null;
        }
        if (failure != null) throw failure;
    }

    /** Same as {@link #teardown()}. */
    @Override
    public void close() throws NamespaceException {
        teardown();
    }

    @Override
    public String toString() {
        return "BridgedNetwork[" + bridge + " " + bridgeAddress + ", " + hostVeth + " <-> " + containerVeth + " "
                + containerAddress + "]";
    }

    /**
     * Configures a {@link BridgedNetwork}; {@link #build()} validates. Names follow the
     * kernel's rules (at most 15 bytes, no {@code /}, {@code :} or whitespace, not {@code .}
     * or {@code ..}); addresses are IP literals with a prefix length such as
     * {@code 10.200.0.1/24}.
     */
    public static final class Builder {
        private String bridge = "linuxns0";
        private IpPrefix bridgeAddress = IpPrefix.parse("10.200.0.1/24");
        private IpPrefix containerAddress = IpPrefix.parse("10.200.0.2/24");
        private String hostVeth = "lnsveth0";
        private String containerVeth = "eth0";
        private boolean removeUnusedBridge;

        private Builder() {}

        /**
         * Whether teardown also removes a bridge that this network did not create, once no port is
         * left on it and it carries no address but this one: for a bridge shared by many
         * containers that the last one out cleans up, as {@code linuxns run --net veth} does.
         * By default only a bridge this network created is removed.
         *
         * @param remove whether {@link BridgedNetwork#teardown()} may remove a bridge it did not create
         * @return this builder
         */
        public Builder removeUnusedBridge(boolean remove) {
            this.removeUnusedBridge = remove;
            return this;
        }

        /**
         * The bridge's name and its address with prefix length, such as {@code 10.200.0.1/24}.
         *
         * @param name the bridge's interface name
         * @param cidr its address and prefix length
         * @return this builder
         * @throws IllegalArgumentException for a bad interface name or address
         */
        public Builder bridge(String name, String cidr) {
            return bridge(name, IpPrefix.parse(cidr));
        }

        /**
         * The bridge's name and its address.
         *
         * @param name the bridge's interface name
         * @param address its address and prefix length
         * @return this builder
         * @throws IllegalArgumentException for a bad interface name
         */
        public Builder bridge(String name, IpPrefix address) {
            this.bridge = LinkNames.check("bridge name", name);
            this.bridgeAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * The container end's address, such as {@code 10.200.0.2/24}; it must be in the bridge's network.
         *
         * @param cidr the address and prefix length
         * @return this builder
         * @throws IllegalArgumentException if it is not an IP prefix
         */
        public Builder containerAddress(String cidr) {
            return containerAddress(IpPrefix.parse(cidr));
        }

        /**
         * The container end's address; it must be in the bridge's network.
         *
         * @param address the address and prefix length
         * @return this builder
         */
        public Builder containerAddress(IpPrefix address) {
            this.containerAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * The names of the veth ends: in the host namespace, and in the container's.
         *
         * @param hostEnd the name in the host namespace
         * @param containerEnd the name in the container's namespace, such as {@code eth0}
         * @return this builder
         * @throws IllegalArgumentException for a bad interface name
         */
        public Builder vethNames(String hostEnd, String containerEnd) {
            this.hostVeth = LinkNames.check("host veth name", hostEnd);
            this.containerVeth = LinkNames.check("container veth name", containerEnd);
            return this;
        }

        /**
         * {@return the network}
         *
         * @throws IllegalArgumentException if the names clash, or the container address is not
         *         in the bridge's network, equals the bridge's, or is its network or broadcast address
         */
        public BridgedNetwork build() {
            if (hostVeth.equals(bridge)) throw new IllegalArgumentException("the host veth and the bridge are both named \"" + bridge + "\"");
            if (containerVeth.equals("lo")) throw new IllegalArgumentException("the container veth cannot be named \"lo\"");
            if (bridgeAddress.isIpv4() != containerAddress.isIpv4()) {
                throw new IllegalArgumentException("bridge " + bridgeAddress + " and container " + containerAddress + " are of different families");
            }
            if (!bridgeAddress.contains(containerAddress.address())) {
                throw new IllegalArgumentException("container address " + containerAddress + " is not in the bridge's network "
                        + bridgeAddress.network() + ": the default route through " + bridgeAddress.address().getHostAddress()
                        + " would be unreachable");
            }
            if (bridgeAddress.address().equals(containerAddress.address())) {
                throw new IllegalArgumentException("bridge and container have the same address " + bridgeAddress);
            }
            for (IpPrefix p : new IpPrefix[] {bridgeAddress, containerAddress}) {
                int max = p.isIpv4() ? 32 : 128;
                if (p.prefixLength() >= max - (p.isIpv4() ? 1 : 0)) {
                    throw new IllegalArgumentException(p + " leaves no room for two hosts: use a shorter prefix such as /24");
                }
                if (p.isIpv4() && (p.address().equals(p.network().address()) || isBroadcast(p))) {
                    throw new IllegalArgumentException(p + " is the network or broadcast address of " + p.network());
                }
            }
            return new BridgedNetwork(this);
        }

        private static boolean isBroadcast(IpPrefix p) {
            byte[] b = p.address().getAddress();
            for (int bit = p.prefixLength(); bit < 32; bit++) {
                if ((b[bit / 8] & (0x80 >> (bit % 8))) == 0) return false;
            }
            return true;
        }
    }
}
