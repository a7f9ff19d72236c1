package io.linuxns.internal.spawn;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The command's {@code envp}. The JVM's own environment ({@link System#getenv()}, what a
 * builder whose environment was never touched passes) cannot change while the JVM runs: its
 * {@code NAME=value} strings are encoded once and copied into each spawn's program in one piece,
 * instead of a string, an encoding and an allocation per variable per spawn.
 */
final class Environment {
    private Environment() {}

    /** The JVM's environment, encoded: set once (a race only encodes it twice, to the same bytes). */
    private static volatile Packed jvms;

    private record Packed(byte[] strings, int[] offsets) {
        static Packed of(Map<String, String> env) {
            byte[][] each = new byte[env.size()][];
            int i = 0, total = 0;
            for (Map.Entry<String, String> e : env.entrySet()) {
                each[i] = (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8);
                total += each[i++].length + 1;
            }
            byte[] strings = new byte[total];
            int[] offsets = new int[each.length];
            int at = 0;
            for (int k = 0; k < each.length; k++) {
                offsets[k] = at;
                System.arraycopy(each[k], 0, strings, at, each[k].length);
                at += each[k].length + 1; // the NUL is the array's zero
            }
            return new Packed(strings, offsets);
        }
    }

    /** {@return whether {@code env} is the JVM's own environment map (then already valid: the JVM parsed it)} */
    static boolean isJvms(Map<String, String> env) {
        return env == System.getenv();
    }

    /** Writes {@code env} as a NULL-terminated array of C strings into {@code p}'s memory; returns its address. */
    static long envp(ChildProgram p, Map<String, String> env) {
        Packed packed;
        if (isJvms(env)) {
            packed = jvms;
            if (packed == null) jvms = packed = Packed.of(env);
        } else {
            packed = Packed.of(env);
        }
        return p.packedStringArray(packed.strings(), packed.offsets());
    }
}
