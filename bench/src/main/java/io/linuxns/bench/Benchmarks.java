package io.linuxns.bench;

import java.util.List;

/** Every benchmark class of this module, in report order: the smoke test and the report use it. */
public final class Benchmarks {
    private Benchmarks() {}

    public static final List<Class<?>> ALL = List.of(
            SetnsBench.class, SetnsManyBench.class, OpenBench.class,
            CreateBench.class, SpawnBench.class, ThroughputBench.class, FirstSpawnsBench.class, BindingBench.class);
}
