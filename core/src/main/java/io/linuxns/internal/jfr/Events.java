package io.linuxns.internal.jfr;

import io.linuxns.Namespace;
import io.linuxns.NamespaceException;
import io.linuxns.NamespaceType;
import io.linuxns.NamespacedProcess;
import io.linuxns.internal.spawn.Request;
import jdk.jfr.FlightRecorder;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Records the library's JFR events. With no recording that enables them, each hook costs a read
 * of a static flag or two: nothing is allocated, no string is built, and the event objects exist
 * only while a recording wants them.
 */
public final class Events {
    /*
     * Loading the first jdk.jfr.Event subclass makes the JDK build JFR's metadata for it even when
     * no recording ever runs: 1.1-1.9 s on a loaded 2-CPU machine, measured, far more than a spawn.
     * So the event classes are touched only once the Flight Recorder is initialized (by
     * -XX:StartFlightRecording, jcmd JFR.start or the jdk.jfr API); before that no recording can
     * exist. isEnabled() reads the event class's state, not the instance's: one shared instance
     * answers for all, so the disabled path never allocates (escape analysis is not relied on).
     */
    private static final class Probes {
        static final SpawnEvent SPAWN = new SpawnEvent();
        static final NamespaceEnterEvent ENTER = new NamespaceEnterEvent();
    }

    private Events() {}

    /**
     * Whether the runtime has the jdk.jfr module at all: a jlink'd image may leave it out, and
     * core requires it only statically, so no class of jdk.jfr is touched without it.
     */
    private static final boolean JFR_PRESENT = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    /** {@return whether a recording could want events now} The Flight Recorder initialized. */
    private static boolean recorderUp() {
        return JFR_PRESENT && FlightRecorder.isInitialized();
    }

    /** The spawn itself, as {@code Spawner::spawn}. */
    @FunctionalInterface
    public interface Spawn {
        /**
         * Starts the process the request describes.
         *
         * @param request the builder's request
         * @return the started process
         * @throws IOException as {@code NamespacedProcessBuilder.start()}
         */
        NamespacedProcess spawn(Request request) throws IOException;
    }

    /**
     * Runs {@code spawner} on {@code request}, timed as a {@code linuxns.Spawn} event when a
     * recording enables it; the event is committed whether the spawn succeeds or throws.
     *
     * @param request the builder's request
     * @param spawner the spawn
     * @return what {@code spawner} returns
     * @throws IOException what {@code spawner} throws, unchanged
     */
    public static NamespacedProcess spawn(Request request, Spawn spawner) throws IOException {
        if (!recorderUp() || !Probes.SPAWN.isEnabled()) return spawner.spawn(request);
        SpawnEvent event = new SpawnEvent();
        event.begin();
        NamespacedProcess process;
        try {
            process = spawner.spawn(request);
        } catch (IOException | RuntimeException | Error e) {
            event.end();
            if (event.shouldCommit()) {
                describe(event, request);
                if (e instanceof NamespaceException n) {
                    event.failedStep = n.step().orElse(null);
                    event.failedCall = n.call();
                    event.errno = n.errno();
                    event.errnoName = n.errno() == 0 ? null : n.errnoName();
                }
                event.failure = e.toString();
                event.commit();
            }
            throw e;
        }
        event.end();
        if (event.shouldCommit()) {
            describe(event, request);
            event.pid = process.pid();
            event.commit();
        }
        return process;
    }

    private static void describe(SpawnEvent event, Request request) {
        event.command = String.join(" ", request.exec().command());
        event.directory = request.exec().directory() == null ? null : request.exec().directory().toString();
        event.newNamespaces = types(request.namespaces().unshare());
        event.joinedNamespaces = handles(request.namespaces().join());
        event.init = request.lifetime().init();
    }

    /**
     * What a {@code NamespaceExecutor} is created to enter.
     *
     * @param operation {@code "unshare"}, {@code "join"} or {@code "join pid"}
     * @param types the namespace types
     * @param joined the handles joined, empty for the other operations
     * @param targetPid the process joined by {@code "join pid"}, 0 otherwise
     */
    public record Enter(String operation, Set<NamespaceType> types, List<Namespace> joined, long targetPid) {}

    /**
     * Starts timing an executor's creation.
     *
     * @return the event to pass to {@link #entered}, or {@code null} when no recording enables it
     */
    public static NamespaceEnterEvent beginEnter() {
        if (!recorderUp() || !Probes.ENTER.isEnabled()) return null;
        NamespaceEnterEvent event = new NamespaceEnterEvent();
        event.begin();
        return event;
    }

    /**
     * Ends and commits an executor's {@code linuxns.NamespaceEnter} event.
     *
     * @param event what {@link #beginEnter()} returned, possibly {@code null} (then nothing happens)
     * @param what what the executor entered
     * @param thread the executor's thread
     * @param failure what its creation threw, or {@code null}
     */
    public static void entered(NamespaceEnterEvent event, Enter what, Thread thread, Throwable failure) {
        if (event == null) return;
        event.end();
        if (!event.shouldCommit()) return;
        event.operation = what.operation();
        event.namespaces = types(what.types());
        event.joined = what.joined().isEmpty() ? null : handles(what.joined());
        event.targetPid = what.targetPid();
        event.executorThread = thread;
        if (failure instanceof NamespaceException n) {
            event.failedCall = n.call();
            event.errno = n.errno();
            event.errnoName = n.errno() == 0 ? null : n.errnoName();
        }
        event.failure = failure == null ? null : failure.toString();
        event.commit();
    }

    private static String types(Set<NamespaceType> types) {
        StringJoiner j = new StringJoiner(", ");
        for (NamespaceType t : types) j.add(t.name());
        return j.toString();
    }

    private static String handles(List<Namespace> namespaces) {
        StringJoiner j = new StringJoiner(", ");
        for (Namespace ns : namespaces) j.add(ns.toString());
        return j.toString();
    }
}
