package io.linuxns.net;

import io.linuxns.bindings.LinuxNs;

import java.util.Objects;
import java.util.Optional;

/**
 * A network interface as an {@code RTM_NEWLINK} reply describes it ({@code rtnetlink(7)}):
 * the values a dump of {@code RTM_GETLINK} returned at that moment.
 *
 * @param index       the interface index ({@code ifi_index}), unique in its network namespace
 * @param name        the name ({@code IFLA_IFNAME})
 * @param flags       the {@code IFF_*} device flags ({@code ifi_flags}, {@code netdevice(7)})
 * @param mtu         the MTU ({@code IFLA_MTU}), 0 if not reported
 * @param masterIndex the index of the bridge or bond this link is a port of
 *                    ({@code IFLA_MASTER}), 0 if none
 * @param kind        the driver kind such as {@code veth} or {@code bridge}
 *                    ({@code IFLA_INFO_KIND}), empty for devices without one such as loopback
 * @param macAddress  the link-layer address as {@code aa:bb:cc:dd:ee:ff}, empty if none
 */
public record Link(int index, String name, int flags, int mtu, int masterIndex, Optional<String> kind,
                   String macAddress) {

    /** Checks that name and kind are there. */
    public Link {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(macAddress, "macAddress");
    }

    /** {@return whether the link is administratively up ({@code IFF_UP})} */
    public boolean isUp() {
        return (flags & LinuxNs.IFF_UP()) != 0;
    }

    /** {@return whether this is a loopback device ({@code IFF_LOOPBACK})} */
    public boolean isLoopback() {
        return (flags & LinuxNs.IFF_LOOPBACK()) != 0;
    }

    /** {@return whether the link is a port of a bridge or bond} */
    public boolean hasMaster() {
        return masterIndex != 0;
    }
}
