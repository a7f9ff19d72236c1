package io.linuxns;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks that no thread of the JVM other than the library's executor threads changed any
 * namespace during a test: the inodes of {@code /proc/self/task/TID/ns/*} are the ground truth.
 */
public final class ThreadNamespaceGuard implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(ThreadNamespaceGuard.class);

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(STORE).put("before", snapshot());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Map<String, String> before = (Map<String, String>) context.getStore(STORE).get("before");
        Map<String, String> after = snapshot();
        StringBuilder changed = new StringBuilder();
        for (Map.Entry<String, String> e : after.entrySet()) {
            String old = before.get(e.getKey());
            if (old != null && !old.equals(e.getValue())) {
                changed.append("\n  ").append(e.getKey()).append(": ").append(old).append(" -> ").append(e.getValue());
            }
        }
        if (!changed.isEmpty()) fail("threads outside the library's executors changed namespaces:" + changed);
    }

    /** {@return "tid (comm)/type" to the namespace link of every thread but executor threads} */
    static Map<String, String> snapshot() {
        Map<String, String> m = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String comm = Files.readString(task.resolve("comm")).strip();
                    if (comm.startsWith("linuxns-exec")) continue;
                    for (NamespaceType t : NamespaceType.values()) {
                        m.put(task.getFileName() + " (" + comm + ")/" + t.procName(),
                                Files.readSymbolicLink(task.resolve("ns").resolve(t.procName())).toString());
                    }
                } catch (IOException gone) {
                    // The thread ended while we looked.
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return m;
    }
}
