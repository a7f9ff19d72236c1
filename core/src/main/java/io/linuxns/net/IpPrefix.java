package io.linuxns.net;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address with a prefix length, as written {@code 10.200.1.1/24} or
 * {@code fd00::1/64}: what {@code RTM_NEWADDR} and {@code RTM_NEWROUTE} carry
 * ({@code rtnetlink(7)}).
 *
 * <p>The address keeps its host bits: {@code 10.200.1.1/24} is the interface address, and
 * {@link #network()} is {@code 10.200.1.0/24}. Parsing accepts literals only and never
 * resolves a host name.
 *
 * @param address      the address
 * @param prefixLength 0 to 32 for IPv4, 0 to 128 for IPv6
 */
public record IpPrefix(InetAddress address, int prefixLength) {

    /**
     * An address and a prefix length that fits its family.
     *
     * @throws IllegalArgumentException if the prefix length does not fit the address family
     */
    public IpPrefix {
        Objects.requireNonNull(address, "address");
        int max = bits(address);
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + max + " for "
                    + address.getHostAddress());
        }
    }

    /**
     * Parses {@code ADDRESS/LENGTH}, or a bare address as a host prefix (/32 or /128).
     *
     * @param text such as {@code 10.200.0.1/24}, {@code fd00::1/64} or {@code 10.0.0.1}
     * @return the prefix
     * @throws IllegalArgumentException if it is not an IP literal with a valid prefix length
     */
    public static IpPrefix parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        String addr = slash < 0 ? text : text.substring(0, slash);
        InetAddress a = literal(addr, text);
        if (slash < 0) return new IpPrefix(a, bits(a));
        String len = text.substring(slash + 1);
        if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad prefix length in \"" + text + "\": expected ADDRESS/LENGTH such as 10.200.1.1/24");
        }
        return new IpPrefix(a, Integer.parseInt(len));
    }

    /** {@return {@code address} as an IP literal} Never resolves a host name. */
    static InetAddress literal(String addr, String context) {
        // InetAddress.ofLiteral also takes "10.1" (10.0.0.1, where ip(8) reads 10.1.0.0), "10",
        // scoped "fe80::1%eth0" and IPv4-mapped IPv6: refuse what would not mean what it says.
        boolean v6 = addr.indexOf(':') >= 0;
        if (addr.indexOf('%') >= 0 || (!v6 && !DOTTED_QUAD.matcher(addr).matches())) {
            throw new IllegalArgumentException("not an IPv4 (a.b.c.d) or IPv6 address: \"" + context + "\"");
        }
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(addr);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an IPv4 or IPv6 address: \"" + context + "\"", e);
        }
        if (v6 && !(a instanceof java.net.Inet6Address)) {
            throw new IllegalArgumentException("IPv4-mapped IPv6 addresses are not supported: \"" + context
                    + "\"; write the IPv4 address");
        }
        return a;
    }

    private static final java.util.regex.Pattern DOTTED_QUAD = java.util.regex.Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    /** {@return a prefix of {@code address} with {@code prefixLength}} */
    public static IpPrefix of(InetAddress address, int prefixLength) {
        return new IpPrefix(address, prefixLength);
    }

    /** {@return whether this is an IPv4 prefix} */
    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    /** {@return the address family, {@code AF_INET} or {@code AF_INET6}} */
    int family() {
        return isIpv4() ? io.linuxns.bindings.LinuxNs.AF_INET() : io.linuxns.bindings.LinuxNs.AF_INET6();
    }

    /** {@return this prefix with the host bits cleared, such as {@code 10.200.1.0/24}} */
    public IpPrefix network() {
        byte[] b = address.getAddress();
        for (int i = 0; i < b.length; i++) {
            int keep = Math.clamp(prefixLength - i * 8L, 0, 8);
            b[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return new IpPrefix(InetAddress.getByAddress(b), prefixLength);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // a 4- or 16-byte array is always valid
        }
    }

    /**
     * {@return whether {@code other} is in this prefix's network}
     *
     * @param other an address of either family
     */
    public boolean contains(InetAddress other) {
        if (bits(other) != bits(address)) return false;
        return new IpPrefix(other, prefixLength).network().equals(network());
    }

    private static int bits(InetAddress a) {
        return a instanceof Inet4Address ? 32 : 128;
    }

    /** {@return {@code ADDRESS/LENGTH}, such as {@code 10.200.1.1/24} or {@code fd00::1/64} (RFC 5952 form)} */
    @Override
    public String toString() {
        return format(address) + "/" + prefixLength;
    }

    /** {@return the address as {@code ip} prints it: IPv6 in the RFC 5952 short form, without a scope} */
    static String format(InetAddress a) {
        if (a instanceof Inet4Address) return a.getHostAddress();
        byte[] b = a.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestAt = -1, bestLen = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && w[j] == 0) j++;
            if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestAt) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }
}
