package io.linuxns;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests that need a tool from a package (busybox-static, binutils, uidmap, util-linux) call
 * this instead of a bare {@code assumeTrue}. Under CI (the {@code CI} environment variable, as
 * {@code .ci/run} is run) a missing tool is a broken setup, so the test fails and names the
 * package; elsewhere it is skipped with a reason that says what to install, never in silence.
 */
public final class Prerequisites {
    private Prerequisites() {}

    /**
     * @param present whether the tool is there
     * @param what the package and what the test needs it for, such as
     *        {@code "binutils (as, objcopy): to reassemble the child routine"}
     */
    public static void require(boolean present, String what) {
        if (present) return;
        String message = "not installed: " + what + " (apt-get install it; .ci/run does)";
        String ci = System.getenv("CI");
        if (ci != null && !ci.isEmpty() && !ci.equals("false")) fail("CI=" + ci + ", so this does not skip: " + message);
        assumeTrue(false, "SKIPPED, " + message);
    }
}
