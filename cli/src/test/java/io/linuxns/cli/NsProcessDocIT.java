package io.linuxns.cli;

import io.linuxns.cli.Cli.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs the walkthrough {@code docs/ns-process.md}: every {@code ```sh} block, in order, each
 * {@code $ } line with {@code sh -c} from the repository root (stderr merged into stdout), and
 * compares the lines after it with the output; a {@code ...} in an expected line matches any
 * text. Blocks marked {@code ```sh needs-root} run only as root, and are skipped with a message
 * otherwise.
 */
class NsProcessDocIT {
    static final Path DOC = Cli.REPO.resolve("docs/ns-process.md");
    /** The info-string word of blocks that only root can run. */
    static final String NEEDS_ROOT = "needs-root";

    record Command(String line, List<String> expected) {}

    record Block(int lineNo, String info, List<Command> commands) {}

    @AfterAll
    static void cleanUp() {
        Cli.exec("rm", "-rf", "/tmp/ns-process"); // the rootfs the walkthrough builds, even if it failed halfway
    }

    @TestFactory
    Stream<DynamicTest> walkthrough() throws IOException {
        return parse(Files.readAllLines(DOC)).stream().map(b -> DynamicTest.dynamicTest(
                "docs/ns-process.md line " + b.lineNo() + ": " + b.commands().getFirst().line(), () -> run(b)));
    }

    private static void run(Block b) {
        if (List.of(b.info().split("\\s+")).contains(NEEDS_ROOT)) {
            assumeTrue(Cli.isRoot(), "block at line " + b.lineNo() + " is marked " + NEEDS_ROOT);
        }
        for (Command c : b.commands()) {
            Result r = Cli.exec(List.of("sh", "-c", "exec 2>&1; " + c.line()), Cli.REPO);
            assertEquals(0, r.exit(), () -> "`" + c.line() + "` failed: " + r);
            List<String> actual = r.out().lines().map(String::stripTrailing).toList();
            assertEquals(c.expected().size(), actual.size(), () -> "`" + c.line() + "` printed\n" + r.out() + "expected\n"
                    + String.join("\n", c.expected()));
            for (int i = 0; i < actual.size(); i++) {
                String want = c.expected().get(i), got = actual.get(i);
                assertTrue(matches(want, got), () -> "`" + c.line() + "`: expected \"" + want + "\", got \"" + got + "\"");
            }
        }
    }

    /** An expected line matches exactly, except that each {@code ...} stands for any text. */
    static boolean matches(String expected, String actual) {
        String[] parts = expected.split(Pattern.quote("..."), -1);
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) re.append(".*");
            re.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL).matcher(actual).matches();
    }

    static List<Block> parse(List<String> lines) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (!l.startsWith("```sh")) continue;
            String info = l.substring(3).trim();
            int start = i + 1;
            List<Command> commands = new ArrayList<>();
            for (i = start; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                String line = lines.get(i);
                if (line.startsWith("$ ")) commands.add(new Command(line.substring(2), new ArrayList<>()));
                else if (!commands.isEmpty()) commands.getLast().expected().add(line.stripTrailing());
            }
            if (!commands.isEmpty()) blocks.add(new Block(start, info, commands));
        }
        return blocks;
    }
}
