package io.linuxns.bench;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the baselines a benchmark is compared against in the report: other {@code @Benchmark}
 * methods of the same class, run in the same JMH run with the same parameters. The report
 * prints {@code score / baselineScore} for each (below 1 is faster than the baseline).
 *
 * <p>Kept on the method rather than in the report generator, so that adding a benchmark and
 * saying what it is measured against happen in one place.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Versus {
    /** {@return the names of the baseline benchmark methods, the first one being the main one} */
    String[] value();

    /**
     * {@return the ratio against the first baseline that the project aims to stay under, or 0 for
     * no target} The report marks each result as meeting it or not; it is never asserted,
     * because timings on a shared machine are not pass/fail material.
     */
    double target() default 0;
}
