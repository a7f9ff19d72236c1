package io.linuxns.cli;

import io.linuxns.IdMapping;

/**
 * Parses the ranges of {@code unshare --map-users} and {@code --map-groups} in both spellings
 * of util-linux ({@code unshare(1)}): {@code INNER:OUTER:COUNT} (util-linux 2.39 and later) and
 * the older {@code OUTER,INNER,COUNT} (2.38), which puts the outer id first.
 */
final class IdRanges {
    private IdRanges() {}

    static IdMapping parse(String option, String value) throws CliException {
        boolean colon = value.indexOf(':') >= 0;
        String[] f = value.split(colon ? ":" : ",", -1);
        if (f.length != 3) {
            throw CliException.usage(option + " wants INNER:OUTER:COUNT (or OUTER,INNER,COUNT), got \"" + value + "\"");
        }
        long a = number(option, f[0]), b = number(option, f[1]), count = number(option, f[2]);
        try {
            return colon ? new IdMapping(a, b, count) : new IdMapping(b, a, count);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(option + ": " + e.getMessage());
        }
    }

    private static long number(String option, String s) throws CliException {
        try {
            long v = Long.parseLong(s.trim());
            if (v >= 0) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw CliException.usage(option + ": not an id or count: \"" + s + "\"");
    }
}
