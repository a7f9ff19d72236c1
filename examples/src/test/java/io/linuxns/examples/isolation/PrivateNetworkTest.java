package io.linuxns.examples.isolation;

import io.linuxns.Namespace;
import io.linuxns.NamespaceType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two tests that both serve on 127.0.0.1:8080, at the same time: each has a network namespace of
 * its own ({@link PrivateNetwork}), so neither gets a {@code BindException}. A barrier holds each
 * test until both have bound the port, so the two servers really do exist at once.
 */
@ExtendWith(PrivateNetwork.class)
@Execution(ExecutionMode.CONCURRENT)
class PrivateNetworkTest {
    private static final int PORT = 8080;
    private static final CyclicBarrier BOTH_BOUND = new CyclicBarrier(2);

    @BeforeAll
    static void root() throws Exception {
        assumeTrue(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip().equals("0"),
                "a thread can create a network namespace only with CAP_SYS_ADMIN");
    }

    @Test
    void first(Namespace net) throws Exception {
        serveAndAsk("first", net);
    }

    @Test
    void second(Namespace net) throws Exception {
        serveAndAsk("second", net);
    }

    private static void serveAndAsk(String name, Namespace net) throws Exception {
        try (Namespace host = Namespace.ofProcess(ProcessHandle.current().pid(), NamespaceType.NETWORK);
             ServerSocket server = new ServerSocket()) {
            assertNotEquals(host, net, "the test runs in a namespace of its own");
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), PORT));
            // Not a sleep: if the tests did not run in parallel, the other would never arrive.
            BOTH_BOUND.await(60, TimeUnit.SECONDS);
            Thread serving = new Thread(() -> {
                try (Socket s = server.accept(); PrintWriter w = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8)) {
                    w.println("hello, " + name);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "server-" + name); // started on the test's thread: it inherits the namespace, as the server needs
            serving.start();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), PORT);
                 BufferedReader r = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
                assertEquals("hello, " + name, r.readLine(), "each client reaches its own test's server");
            }
            serving.join();
        }
    }
}
