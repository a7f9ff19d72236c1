/**
 * Networking for namespaces over rtnetlink ({@code rtnetlink(7)}, {@code netlink(7)}), in pure
 * Java: no {@code ip} binary, no helper.
 *
 * <p>{@link io.linuxns.net.RtNetlink} is a client bound to one network namespace: links up and
 * down, veth pairs ({@code veth(4)}) and bridges, bridge ports, moving links between namespaces,
 * IPv4/IPv6 addresses and routes, and listings of links, addresses and routes.
 * {@link io.linuxns.net.BridgedNetwork} is the usual container network (bridge, veth pair,
 * addresses, default route) as a {@link io.linuxns.ParentSetup}.
 * A refused request is a {@link io.linuxns.net.NetlinkException}.
 */
package io.linuxns.net;
