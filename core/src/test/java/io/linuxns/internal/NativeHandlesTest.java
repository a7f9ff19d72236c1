package io.linuxns.internal;

import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Native}'s handles are made one function at a time, on first use: every one of them must
 * still link (a bad descriptor would otherwise surface only when a rarely used call is first made),
 * and a failure to link is a clear error at the call, also the second time.
 */
class NativeHandlesTest {

    @Test
    void everyHandleLinks() throws Exception {
        List<String> holders = new ArrayList<>();
        for (Class<?> holder : Native.class.getDeclaredClasses()) {
            for (Field f : holder.getDeclaredFields()) {
                if (f.getType() != MethodHandle.class) continue;
                assertTrue(Modifier.isStatic(f.getModifiers()) && Modifier.isFinal(f.getModifiers()),
                        holder.getSimpleName() + "." + f.getName() + " must be a static final, for the JIT to fold it");
                f.setAccessible(true);
                assertNotNull(f.get(null), holder.getSimpleName());
                holders.add(holder.getSimpleName());
            }
        }
        assertTrue(holders.size() >= 27, "holders found: " + holders);
    }

    @Test
    void aFailureToLinkNamesTheFunction() {
        LinkageError e = assertThrows(LinkageError.class,
                () -> Native.downcall("linuxns_test_fn", MemorySegment.NULL, FunctionDescriptor.of(JAVA_INT)));
        assertTrue(e.getMessage().contains("linuxns_test_fn"), e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }

    /** A holder's initialiser that fails throws the LinkageError itself, not a wrapper; later calls name it as the cause. */
    @Test
    void aHolderThatCannotLinkFailsAtEachCallNamingTheFunction() {
        LinkageError first = assertThrows(LinkageError.class, () -> Broken.H.type());
        assertEquals(LinkageError.class, first.getClass());
        assertTrue(first.getMessage().contains("linuxns_broken_fn"), first.getMessage());
        NoClassDefFoundError again = assertThrows(NoClassDefFoundError.class, () -> Broken.H.type());
        Throwable cause = again.getCause();
        assertNotNull(cause, "the JVM keeps the first failure as the cause");
        assertTrue(String.valueOf(cause.getMessage()).contains("linuxns_broken_fn"), String.valueOf(cause));
    }

    private static final class Broken {
        static final MethodHandle H = Native.downcall("linuxns_broken_fn", MemorySegment.NULL, FunctionDescriptor.of(JAVA_INT));
    }
}
