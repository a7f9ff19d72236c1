package io.linuxns.net;

import java.util.Objects;

/**
 * An address assigned to a network interface, as an {@code RTM_NEWADDR} reply describes it
 * ({@code rtnetlink(7)}).
 *
 * @param linkIndex the index of the interface it is on ({@code ifa_index})
 * @param prefix    the address with its prefix length ({@code IFA_LOCAL}, or {@code IFA_ADDRESS}
 *                  where there is no local address, as for IPv6; {@code ifa_prefixlen})
 * @param scope     the scope ({@code ifa_scope}): 0 universe, 253 link, 254 host
 * @param flags     the {@code IFA_F_*} flags ({@code IFA_FLAGS} when present)
 */
public record Address(int linkIndex, IpPrefix prefix, int scope, int flags) {

    /** Checks that the prefix is there. */
    public Address {
        Objects.requireNonNull(prefix, "prefix");
    }
}
