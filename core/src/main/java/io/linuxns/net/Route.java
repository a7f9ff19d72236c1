package io.linuxns.net;

import java.net.InetAddress;
import java.util.Objects;
import java.util.Optional;

/**
 * A route of the main routing table, as an {@code RTM_NEWROUTE} reply describes it
 * ({@code rtnetlink(7)}).
 *
 * @param destination     the destination network ({@code RTA_DST}, {@code rtm_dst_len}); prefix
 *                        length 0 for a default route
 * @param gateway         the next hop ({@code RTA_GATEWAY}), empty for a directly connected network
 * @param outputLinkIndex the interface index ({@code RTA_OIF}), 0 if none
 * @param protocol        who installed it ({@code rtm_protocol}): 2 kernel, 3 boot, 4 static
 */
public record Route(IpPrefix destination, Optional<InetAddress> gateway, int outputLinkIndex, int protocol) {

    /** A route; the optional gateway is never null. */
    public Route {
        Objects.requireNonNull(destination, "destination");
        Objects.requireNonNull(gateway, "gateway");
    }

    /** {@return whether this is a default route (prefix length 0)} */
    public boolean isDefault() {
        return destination.prefixLength() == 0;
    }
}
