package io.linuxns.cli;

import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcessBuilder;

import java.util.Locale;

/**
 * The network of a {@code linuxns run} container ({@code --net}). This is the one place where
 * the command meets networking: each mode configures the builder, and a mode that needs links
 * or addresses does that work in a {@link NamespacedProcessBuilder#parentSetup parent setup},
 * which runs after the child's network namespace exists and before the command starts.
 *
 * <p>{@link #LOOPBACK} and {@link #VETH} wait for the rtnetlink code of {@code io.linuxns.net};
 * until it is wired in here they fail with "not available yet", and {@link #DEFAULT} is
 * {@link #NONE}. See {@code network_namespaces(7)}, {@code veth(4)}.
 */
public enum NetworkMode {
    /** A new network namespace with only a loopback device, and that one down. */
    NONE {
        @Override
        void configure(NamespacedProcessBuilder builder) {
            builder.unshare(NamespaceType.NETWORK);
        }
    },
    /** The caller's network namespace: no isolation. */
    HOST {
        @Override
        void configure(NamespacedProcessBuilder builder) {
            // Nothing to unshare: the child stays in the caller's network namespace.
        }
    },
    /** A new network namespace whose {@code lo} is up (127.0.0.1, ::1). */
    LOOPBACK {
        @Override
        void configure(NamespacedProcessBuilder builder) throws CliException {
            // Integration point: builder.unshare(NamespaceType.NETWORK) plus a parentSetup(pid -> ...)
            // that sets lo up inside Namespace.ofProcess(pid, NamespaceType.NETWORK).
            throw notYet();
        }
    },
    /** A new network namespace joined to the host by a veth pair, as in the ns-process series. */
    VETH {
        @Override
        void configure(NamespacedProcessBuilder builder) throws CliException {
            // Integration point: builder.unshare(NamespaceType.NETWORK) plus a parentSetup(pid -> ...)
            // that creates the veth pair, moves one end into the child's namespace and sets addresses.
            throw notYet();
        }
    };

    /** The mode of {@code linuxns run} without {@code --net}: {@link #LOOPBACK} once networking is wired in. */
    public static final NetworkMode DEFAULT = NONE;

    /** Configures {@code builder} for this mode (unshare, and parent setups for links and addresses). */
    abstract void configure(NamespacedProcessBuilder builder) throws CliException;

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

    CliException notYet() {
        return CliException.usage("--net " + optionName() + " is not available yet (it needs the networking feature);"
                + " use --net none or --net host");
    }
}
