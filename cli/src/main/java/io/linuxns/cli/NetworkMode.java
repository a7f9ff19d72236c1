package io.linuxns.cli;

import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;
import io.linuxns.net.BridgedNetwork;

import java.util.Locale;

/**
 * The network of a {@code linuxns run} container ({@code --net}). This is the one place where
 * the command meets networking: each mode configures the builder, and a mode that needs links
 * or addresses does that work in a {@link NamespacedProcessBuilder#parentSetup parent setup},
 * which runs after the child's network namespace exists and before the command starts.
 *
 * <p>{@link #LOOPBACK} brings {@code lo} up through the builder (rootless too); {@link #VETH}
 * is the netsetgo recipe of the series, {@link BridgedNetwork}, which needs root for the
 * host-side bridge. See {@code network_namespaces(7)}, {@code veth(4)}.
 */
public enum NetworkMode {
    /** A new network namespace with only a loopback device, and that one down. */
    NONE {
        @Override
        AutoCloseable configure(NamespacedProcessBuilder builder) {
            builder.unshare(NamespaceType.NETWORK);
            return NOTHING;
        }
    },
    /** The caller's network namespace: no isolation. */
    HOST {
        @Override
        AutoCloseable configure(NamespacedProcessBuilder builder) {
            // Nothing to unshare: the child stays in the caller's network namespace.
            return NOTHING;
        }
    },
    /** A new network namespace whose {@code lo} is up (127.0.0.1, ::1). */
    LOOPBACK {
        @Override
        AutoCloseable configure(NamespacedProcessBuilder builder) {
            builder.unshare(NamespaceType.NETWORK).loopback(true);
            return NOTHING;
        }
    },
    /** A new network namespace joined to the host by a veth pair, as in the ns-process series. */
    VETH {
        @Override
        AutoCloseable configure(NamespacedProcessBuilder builder) throws CliException {
            if (Credentials.euid() != 0) {
                throw CliException.usage("--net veth needs root (it makes a bridge in the host's network namespace);"
                        + " rootless, use --net loopback");
            }
            // One bridge for every container, one veth pair and address each (the pid keeps them apart).
            long id = ProcessHandle.current().pid();
            BridgedNetwork net = BridgedNetwork.builder()
                    .bridge(BRIDGE, BRIDGE_ADDRESS)
                    .containerAddress("10.200.0." + (2 + id % 250) + "/24")
                    .vethNames("lnsv" + id % 100_000_000, "eth0")
                    .removeUnusedBridge(true)
                    .build();
            builder.unshare(NamespaceType.NETWORK).parentSetup(net);
            return net;
        }
    };

    /** The host-side bridge of {@link #VETH} and its address, the containers' default gateway. */
    static final String BRIDGE = "linuxns0";
    static final String BRIDGE_ADDRESS = "10.200.0.1/24";

    private static final AutoCloseable NOTHING = () -> { };

    /** The mode of {@code linuxns run} without {@code --net}. */
    public static final NetworkMode DEFAULT = LOOPBACK;

    /**
     * Configures {@code builder} for this mode (unshare, and parent setups for links and
     * addresses); the result undoes, after the container, what the setup made on the host.
     */
    abstract AutoCloseable configure(NamespacedProcessBuilder builder) throws CliException;

    /** {@return the name used on the command line} */
    String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code none}, {@code host}, {@code loopback} or {@code veth}. */
    static NetworkMode parse(String s) throws CliException {
        for (NetworkMode m : values()) {
            if (m.optionName().equals(s)) return m;
        }
        throw CliException.usage("unknown network mode: " + s + " (use none, host, loopback or veth)");
    }
}
