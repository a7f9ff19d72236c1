package io.linuxns.internal.spawn;

import io.linuxns.NamespacedProcess;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;

/**
 * The direct spawn (docs/spawn.md, "The three tasks"): a request with nothing but descriptors
 * to set up, whose {@code clone3(CLONE_VFORK | CLONE_CLEAR_SIGHAND)} child execs the command
 * itself, with no helper, no error pipe and no {@code /proc} read. Apart from
 * {@link Spawner#spawn}'s namespaced path so that the JIT compiles this short, hot path on its
 * own, soon and small, and what only a failure needs stays out of it ({@link #failed}).
 */
final class DirectSpawn {
    private DirectSpawn() {}

    /** A direct child has no error pipe: the {@code (read, write)} pair the descriptor bookkeeping takes. */
    private static final int[] NO_ERROR_PIPE = {-1, -1};

    /** @param plan a direct plan ({@code plan.direct}), the reaper started */
    static NamespacedProcess spawn(Request r, Spawner.Plan plan) throws IOException {
        List<String> candidates = Executables.candidates(r, true);
        // The trampoline, its stack and the buffers around the clone: back to the pool in finally, where the child has exec'd or is dead.
        Scratch scratch = Scratch.take();
        Fds fds = new Fds(scratch);
        // Set while the child may run on the scratch block: from clone3 until it is known exec'd or reaped.
        boolean childMayRun = false;
        try {
            Stdio stdio = Stdio.open(r, fds, true);
            Map<Integer, Integer> passFds = r.streams().passFds().isEmpty() ? Map.of()
                    : Spawner.clearOfPassedNumbers(r.streams().passFds(), NO_ERROR_PIPE.clone(), fds);
            ProgramWriter.ChildFds childFds = new ProgramWriter.ChildFds(-1, -1, -1, stdio, passFds, Map.of(), -1);
            ChildProgram trampoline = new ChildProgram(scratch, 0);
            MemorySegment unblocked = ProgramWriter.direct(trampoline, r, plan, childFds, candidates);
            trampoline.encode(-1);
            Clone3.Child child = Clone3.clone(scratch, trampoline.address(), plan.cloneFlags, -1, false);
            // CLONE_VFORK: the child has exec'd or is exiting, and has its own descriptor table.
            childMayRun = true;
            fds.closeChildSide(stdio.childEnds());
            try {
                // -1 unless the child got past unblocking signals: a failed step or a signal's death.
                if (unblocked.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) == -1L || trampoline.storedFailure() != null) {
                    IOException e = failed(r, plan, trampoline, child, unblocked, scratch);
                    if (e != null) throw e;
                }
                ProcessImpl p = ProcessImpl.start(child, stdio.parentEnds(fds), false);
                childMayRun = false; // the command has exec'd
                return p;
            } catch (Throwable t) {
                childMayRun = !new ParentSide(r, plan, child).abandon();
                throw t;
            }
        } finally {
            fds.closeAll();
            if (childMayRun) {
                // Killed but not known reaped: it may still run on this memory; never reuse it.
                scratch.leak();
            } else {
                scratch.close();
            }
        }
    }

    /**
     * The exception for a child that did not exec: the step it stored as failed (the exec's
     * errno for a missing program), or the signal that killed it before its exec; {@code null}
     * for an exit without a report (not the interpreter's: nothing to say, the process is
     * returned with its exit code).
     */
    private static IOException failed(Request r, Spawner.Plan plan, ChildProgram trampoline, Clone3.Child child,
                                      MemorySegment unblocked, Scratch scratch) {
        Spawner.ChildFailure failure = Spawner.ChildFailure.stored(trampoline);
        if (failure != null) return failure.exception(new Spawner.Steps(trampoline, null), r);
        return ExecCheck.diedBeforeDirectExec(child, plan, unblocked, r.exec().command().get(0), scratch);
    }
}
