package io.linuxns.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * User and group names from {@code /etc/passwd} and {@code /etc/group} ({@code passwd(5)},
 * {@code group(5)}): enough for {@code --map-user=NAME} and the USER column of {@code ls}.
 * Not NSS: users only in LDAP and the like show as numbers.
 */
final class Accounts {
    private final Map<Long, String> userNames = new HashMap<>();
    private final Map<String, Long> userIds = new HashMap<>();
    private final Map<String, Long> groupIds = new HashMap<>();

    private Accounts() {}

    static Accounts load() {
        Accounts a = new Accounts();
        for (String[] f : read(Path.of("/etc/passwd"))) {
            Long id = number(f[2]);
            if (id == null) continue;
            a.userNames.putIfAbsent(id, f[0]);
            a.userIds.putIfAbsent(f[0], id);
        }
        for (String[] f : read(Path.of("/etc/group"))) {
            Long id = number(f[2]);
            if (id != null) a.groupIds.putIfAbsent(f[0], id);
        }
        return a;
    }

    /** {@return the name of uid, or the number itself} */
    String userName(long uid) {
        return userNames.getOrDefault(uid, Long.toString(uid));
    }

    /** {@return the uid named by a number or a user name} */
    Optional<Long> uid(String s) {
        Long n = number(s);
        return n != null ? Optional.of(n) : Optional.ofNullable(userIds.get(s));
    }

    /** {@return the gid named by a number or a group name} */
    Optional<Long> gid(String s) {
        Long n = number(s);
        return n != null ? Optional.of(n) : Optional.ofNullable(groupIds.get(s));
    }

    private static Long number(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(Character::isDigit)) return null;
        long v = Long.parseLong(s);
        return v <= 0xFFFF_FFFEL ? v : null;
    }

    private static List<String[]> read(Path file) {
        try {
            return Files.readAllLines(file).stream()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split(":", -1))
                    .filter(f -> f.length >= 3)
                    .toList();
        } catch (IOException e) {
            return List.of(); // no file: every id shows as a number
        }
    }
}
