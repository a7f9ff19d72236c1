package io.linuxns.net;

import io.linuxns.bindings.nlmsghdr;
import io.linuxns.bindings.rtattr;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * A netlink request being written into native memory: an {@code nlmsghdr}, a fixed family
 * header ({@code ifinfomsg}, {@code ifaddrmsg}, {@code rtmsg}) and {@code rtattr} attributes,
 * each padded to 4 bytes ({@code NLMSG_ALIGN}, {@code RTA_ALIGN}; {@code netlink(7)},
 * {@code rtnetlink(7)}).
 */
final class NlMessage {
    /** Requests here are a few hundred bytes at most; the bound only catches mistakes. */
    private static final int CAPACITY = 4096;
    static final long HEADER = nlmsghdr.layout().byteSize();
    static final long ATTR_HEADER = rtattr.layout().byteSize();

    private final MemorySegment buf;
    private long length;

    NlMessage(Arena arena, int type, int flags) {
        buf = arena.allocate(CAPACITY, 8); // allocate() zeroes
        nlmsghdr.nlmsg_type(buf, (short) type);
        nlmsghdr.nlmsg_flags(buf, (short) flags);
        length = HEADER;
    }

    static long align(long n) {
        return (n + 3) & ~3L;
    }

    /** {@return a zeroed region of {@code size} bytes at the end of the message} */
    MemorySegment reserve(long size) {
        long at = length;
        long end = align(at + size);
        if (end > CAPACITY) throw new IllegalStateException("netlink request over " + CAPACITY + " bytes");
        length = end;
        return buf.asSlice(at, size);
    }

    /** Appends the fixed header of the message's family, such as {@code ifinfomsg}. */
    MemorySegment header(java.lang.foreign.MemoryLayout layout) {
        return reserve(layout.byteSize());
    }

    NlMessage attr(int type, byte[] value) {
        MemorySegment a = reserve(ATTR_HEADER + value.length);
        rtattr.rta_len(a, (short) (ATTR_HEADER + value.length));
        rtattr.rta_type(a, (short) type);
        MemorySegment.copy(value, 0, a, JAVA_BYTE, ATTR_HEADER, value.length);
        return this;
    }

    NlMessage attrInt(int type, int value) {
        MemorySegment a = reserve(ATTR_HEADER + 4);
        rtattr.rta_len(a, (short) (ATTR_HEADER + 4));
        rtattr.rta_type(a, (short) type);
        a.set(JAVA_INT_UNALIGNED, ATTR_HEADER, value);
        return this;
    }

    /** A NUL-terminated string attribute, as {@code IFLA_IFNAME} and {@code IFLA_INFO_KIND} are. */
    NlMessage attrString(int type, String value) {
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        return attr(type, z);
    }

    /** Opens a nested attribute; {@link #end(long)} with the returned offset closes it. */
    long begin(int type) {
        long at = length;
        MemorySegment a = reserve(ATTR_HEADER);
        rtattr.rta_type(a, (short) type);
        return at;
    }

    void end(long nestedAt) {
        rtattr.rta_len(buf.asSlice(nestedAt), (short) (length - nestedAt));
    }

    /** {@return the finished message, with its length and sequence number set} */
    MemorySegment finish(int seq) {
        nlmsghdr.nlmsg_len(buf, (int) length);
        nlmsghdr.nlmsg_seq(buf, seq);
        return buf.asSlice(0, length);
    }
}
