package io.linuxns.cli;

import io.linuxns.IdMapping;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The first block of subordinate ids an account owns in {@code /etc/subuid} or {@code /etc/subgid}
 * ({@code subuid(5)}: {@code NAME-or-ID:START:COUNT} lines), for {@code unshare --map-auto},
 * {@code --map-subids} and {@code --map-users=auto|subids}.
 */
final class SubIds {
    private SubIds() {}

    /**
     * {@return the mapping of the first block of {@code id} (or {@code name}) in {@code file}:
     * onto inner ids from 0 ({@code identity} false, "auto") or onto the same ids ("subids")}
     */
    static IdMapping firstBlock(Path file, long id, Optional<String> name, boolean identity, String option) throws CliException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw CliException.usage(option + ": no " + file + " (subordinate ids are given to accounts there, see subuid(5))");
        } catch (IOException e) {
            throw CliException.usage(option + ": cannot read " + file + ": " + e.getMessage());
        }
        for (String line : lines) {
            String[] f = line.trim().split(":");
            if (f.length != 3) continue;
            if (!f[0].equals(Long.toString(id)) && !(name.isPresent() && f[0].equals(name.get()))) continue;
            try {
                long start = Long.parseLong(f[1]), count = Long.parseLong(f[2]);
                return new IdMapping(identity ? start : 0, start, count);
            } catch (IllegalArgumentException bad) {
                continue; // a malformed line: as getsubids(1), look on
            }
        }
        throw CliException.usage(option + ": " + name.orElse(Long.toString(id)) + " has no subordinate ids in " + file);
    }
}
