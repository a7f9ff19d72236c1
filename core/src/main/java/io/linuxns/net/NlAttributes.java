package io.linuxns.net;

import io.linuxns.bindings.rtattr;

import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * The {@code rtattr} attributes of a received message, by type ({@code rtnetlink(7)}). The
 * values are views of the receive buffer: convert them before the next receive.
 */
final class NlAttributes {
    /** {@code NLA_TYPE_MASK}: the top bits of a type are the nested and byte-order flags. */
    private static final int TYPE_MASK = 0x3fff;

    private final Map<Integer, MemorySegment> values = new HashMap<>();

    /** Parses the attributes filling {@code region}; a malformed tail is ignored, as the kernel's own parser does. */
    NlAttributes(MemorySegment region) {
        long at = 0;
        long size = region.byteSize();
        while (at + NlMessage.ATTR_HEADER <= size) {
            MemorySegment a = region.asSlice(at);
            int len = Short.toUnsignedInt(rtattr.rta_len(a));
            if (len < NlMessage.ATTR_HEADER || at + len > size) break;
            values.put(rtattr.rta_type(a) & TYPE_MASK, region.asSlice(at + NlMessage.ATTR_HEADER, len - NlMessage.ATTR_HEADER));
            at += NlMessage.align(len);
        }
    }

    MemorySegment get(int type) {
        return values.get(type);
    }

    boolean has(int type) {
        return values.containsKey(type);
    }

    /** A NUL-terminated (or not) string. */
    String string(int type) {
        MemorySegment v = values.get(type);
        if (v == null) return null;
        byte[] b = v.toArray(JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    int u32(int type, int absent) {
        MemorySegment v = values.get(type);
        return v == null || v.byteSize() < 4 ? absent : v.get(JAVA_INT_UNALIGNED, 0);
    }

    InetAddress ip(int type) {
        MemorySegment v = values.get(type);
        if (v == null || (v.byteSize() != 4 && v.byteSize() != 16)) return null;
        try {
            return InetAddress.getByAddress(v.toArray(JAVA_BYTE));
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // 4 or 16 bytes are always an address
        }
    }

    NlAttributes nested(int type) {
        MemorySegment v = values.get(type);
        return v == null ? null : new NlAttributes(v);
    }
}
