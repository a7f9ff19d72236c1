package io.linuxns;

import java.util.List;

/**
 * One line of a user namespace's {@code uid_map} or {@code gid_map}
 * ({@code user_namespaces(7)}): ids {@code inside .. inside+count-1} in the new namespace are
 * ids {@code outside .. outside+count-1} in the parent's.
 *
 * @param inside  first id inside the namespace
 * @param outside first id in the parent user namespace
 * @param count   number of ids, at least 1
 */
public record IdMapping(long inside, long outside, long count) {
    private static final long MAX = 0xFFFF_FFFFL; // ids are 32-bit; (uid_t)-1 is never valid

    /** Checks the ranges: 32-bit ids, a count of at least 1, no range past the largest id. */
    public IdMapping {
        if (inside < 0 || outside < 0 || count < 1 || inside + count > MAX || outside + count > MAX) {
            throw new IllegalArgumentException("invalid id mapping " + inside + " " + outside + " " + count
                    + ": ids are 0.." + (MAX - 1) + " and count is at least 1");
        }
    }

    /**
     * {@return a mapping of a single id}
     *
     * @param inside the id inside the namespace
     * @param outside the id it is outside
     */
    public static IdMapping of(long inside, long outside) {
        return new IdMapping(inside, outside, 1);
    }

    /**
     * Checks a whole map as the kernel would, but before any system call: at most 340 lines,
     * no two ranges overlapping inside or outside.
     *
     * @param what the map's name for the message, such as {@code "uid map"}
     * @param map the lines of the map
     * @throws IllegalArgumentException naming the overlapping lines
     */
    public static void validate(String what, List<IdMapping> map) {
        if (map.size() > 340) throw new IllegalArgumentException(what + " has " + map.size() + " lines; the kernel allows 340");
        for (int i = 0; i < map.size(); i++) {
            for (int j = i + 1; j < map.size(); j++) {
                IdMapping a = map.get(i), b = map.get(j);
                if (overlap(a.inside, b.inside, a.count, b.count) || overlap(a.outside, b.outside, a.count, b.count)) {
                    throw new IllegalArgumentException(what + " lines \"" + a + "\" and \"" + b
                            + "\" overlap: each id may be mapped once, inside and outside");
                }
            }
        }
    }

    private static boolean overlap(long a, long b, long na, long nb) {
        return a < b + nb && b < a + na;
    }

    /** {@return the line as written to {@code /proc/PID/uid_map}: "inside outside count"} */
    @Override
    public String toString() {
        return inside + " " + outside + " " + count;
    }
}
