package io.linuxns.examples.isolation;

import io.linuxns.Namespace;
import io.linuxns.NamespaceExecutor;
import io.linuxns.NamespaceType;
import io.linuxns.net.RtNetlink;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

import java.lang.reflect.Method;
import java.util.EnumSet;

/**
 * A JUnit 5 extension that runs each test, with its {@code @BeforeEach} and {@code @AfterEach}
 * methods, in a network namespace of its own with loopback up: a server the test starts on
 * {@code 127.0.0.1:8080} and the client that talks to it see only each other, so tests that use
 * the same port can run in parallel, and nothing of the host's network is reachable or disturbed.
 *
 * <pre>{@code
 * @ExtendWith(PrivateNetwork.class)
 * @Execution(ExecutionMode.CONCURRENT)
 * class ServerTest {
 *     @Test void a() throws IOException { try (ServerSocket s = new ServerSocket(8080)) { ... } }
 *     @Test void b() throws IOException { try (ServerSocket s = new ServerSocket(8080)) { ... } }  // no BindException
 * }
 * }</pre>
 *
 * <p>How: before each test a {@link NamespaceExecutor} unshares a network namespace
 * ({@code unshare(2)} with {@code CLONE_NEWNET} on the executor's own thread, nowhere else), brings
 * {@code lo} up through {@link RtNetlink}, and the test method then runs <em>on that thread</em>. A
 * socket belongs to the namespace it was created in, whichever thread uses it later. Threads the
 * test starts inherit the namespace (a server's accept thread, an executor service); the common
 * pool does not if it already exists, so start servers on threads of your own, not through
 * {@code CompletableFuture.supplyAsync} or parallel streams. A parameter of type {@link Namespace}
 * gets the test's network namespace.
 *
 * <p>Needs {@code CAP_SYS_ADMIN} (root): a thread of a JVM cannot create a network namespace without
 * it, since it can never enter a user namespace. Unprivileged, run the server as a process in new
 * user and network namespaces instead ({@code NamespacedProcessBuilder.unshare(USER, NETWORK)
 * .mapRootToCurrentUser().loopback(true)}).
 */
public final class PrivateNetwork implements BeforeEachCallback, AfterEachCallback, InvocationInterceptor, ParameterResolver {
    private static final ExtensionContext.Namespace STORE = ExtensionContext.Namespace.create(PrivateNetwork.class);

    /** Instantiated by JUnit through {@code @ExtendWith}. */
    public PrivateNetwork() {}

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        NamespaceExecutor net = NamespaceExecutor.unshare(EnumSet.of(NamespaceType.NETWORK));
        Namespace handle;
        try (RtNetlink rt = RtNetlink.open(net)) {
            rt.setUp("lo");
            handle = net.namespace(NamespaceType.NETWORK);
        } catch (Exception e) {
            net.close();
            throw e;
        }
        context.getStore(STORE).put(NamespaceExecutor.class, net);
        context.getStore(STORE).put(Namespace.class, handle);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Namespace handle = context.getStore(STORE).remove(Namespace.class, Namespace.class);
        if (handle != null) handle.close();
        NamespaceExecutor net = context.getStore(STORE).remove(NamespaceExecutor.class, NamespaceExecutor.class);
        if (net != null) net.close(); // sockets still open keep the namespace alive until they close
    }

    @Override
    public void interceptBeforeEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> method,
                                          ExtensionContext context) throws Throwable {
        inside(invocation, context);
    }

    @Override
    public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> method,
                                    ExtensionContext context) throws Throwable {
        inside(invocation, context);
    }

    @Override
    public void interceptAfterEachMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> method,
                                         ExtensionContext context) throws Throwable {
        inside(invocation, context);
    }

    /** Runs the invocation on the executor's thread and rethrows what it threw, assertion errors included. */
    private static void inside(Invocation<Void> invocation, ExtensionContext context) throws Throwable {
        Throwable[] thrown = new Throwable[1];
        executor(context).run(() -> {
            try {
                invocation.proceed();
            } catch (Throwable t) {
                thrown[0] = t;
            }
        });
        if (thrown[0] != null) throw thrown[0];
    }

    private static NamespaceExecutor executor(ExtensionContext context) {
        NamespaceExecutor net = context.getStore(STORE).get(NamespaceExecutor.class, NamespaceExecutor.class);
        if (net == null) throw new IllegalStateException("PrivateNetwork has no namespace for " + context.getDisplayName()
                + ": register it with @ExtendWith on the test class or method");
        return net;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Namespace.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Namespace handle = context.getStore(STORE).get(Namespace.class, Namespace.class);
        if (handle == null) throw new ParameterResolutionException("PrivateNetwork has no namespace for " + context.getDisplayName());
        return handle; // closed after the test
    }
}
