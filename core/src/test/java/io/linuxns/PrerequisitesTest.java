package io.linuxns;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A missing package never makes a test pass quietly: it fails under CI, and elsewhere skips saying what to install. */
class PrerequisitesTest {

    @Test
    void aMissingToolFailsUnderCiAndSkipsWithTheReasonElsewhere() {
        assertDoesNotThrow(() -> Prerequisites.require(true, "anything"));
        Throwable t = assertThrows(Throwable.class, () -> Prerequisites.require(false, "some-package (tool): for a reason"));
        String ci = System.getenv("CI");
        boolean underCi = ci != null && !ci.isEmpty() && !ci.equals("false");
        Class<? extends Throwable> expected = underCi ? AssertionFailedError.class : TestAbortedException.class;
        assertInstanceOf(expected, t, t::toString);
        assertTrue(t.getMessage().contains("not installed: some-package (tool): for a reason (apt-get install it"), t.getMessage());
    }
}
