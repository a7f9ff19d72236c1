package io.linuxns.net;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Checks that a test left the JVM's own network namespace as it found it: the same links
 * (index, name, master) and the same addresses, as {@code ip -j link} and {@code ip -j addr}
 * report them. The command runs in a child process, which is in the main thread's namespace.
 */
public final class HostNetworkGuard implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(HostNetworkGuard.class);

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        context.getStore(STORE).put("before", snapshot());
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        assertEquals(context.getStore(STORE).get("before"), snapshot(), "links or addresses of the host namespace changed");
    }

    static String snapshot() throws Exception {
        TreeSet<String> lines = new TreeSet<>();
        for (Map<String, Object> l : Json.array(NetTestSupport.run(List.of("ip", "-j", "link")))) {
            lines.add("link " + l.get("ifindex") + " " + l.get("ifname") + " master=" + l.get("master"));
        }
        for (Map<String, Object> l : Json.array(NetTestSupport.run(List.of("ip", "-j", "addr")))) {
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> infos = (List<Map<String, Object>>) l.getOrDefault("addr_info", List.of());
            for (Map<String, Object> a : infos) {
                lines.add("addr " + l.get("ifname") + " " + a.get("local") + "/" + a.get("prefixlen"));
            }
        }
        return String.join("\n", lines);
    }
}
