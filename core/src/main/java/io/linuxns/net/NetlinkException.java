package io.linuxns.net;

import io.linuxns.NamespaceException;

import java.util.Optional;

/**
 * The kernel refused an rtnetlink request: an {@code NLMSG_ERROR} reply with a negative error
 * ({@code netlink(7)}). The message names the request and the errno, then the kernel's own
 * explanation when it gave one ({@code NETLINK_EXT_ACK}), for example
 * {@code RTM_NEWLINK(veth "veth0" peer "veth1"): EEXIST (File exists)}.
 */
public final class NetlinkException extends NamespaceException {
    private static final long serialVersionUID = 1L;

    /** The kernel's explanation ({@code NLMSGERR_ATTR_MSG}), or {@code null}. */
    private final String kernelMessage;

    NetlinkException(String request, int errno, String kernelMessage) {
        this(request, errno, kernelMessage, null);
    }

    NetlinkException(String request, int errno, String kernelMessage, String hint) {
        super(request, errno, kernelMessage == null ? hint
                : "kernel: " + kernelMessage + (hint == null ? "" : "; " + hint));
        this.kernelMessage = kernelMessage;
    }

    /** {@return the request that failed, such as {@code RTM_NEWLINK(bridge "br0")}} (same as {@link #call()}) */
    public String request() {
        return call();
    }

    /** {@return the kernel's extended-ack text ({@code NLMSGERR_ATTR_MSG}), if it sent one} */
    public Optional<String> kernelMessage() {
        return Optional.ofNullable(kernelMessage);
    }
}
