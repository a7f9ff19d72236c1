package io.linuxns.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * {@code linuxns.Spawn}: one {@code NamespacedProcessBuilder.start()}, from the validation of
 * the request to the command's exec (or the failure), on the thread that called it. Filled in
 * and committed by {@link Events#spawn}.
 */
@Name(SpawnEvent.NAME)
@Label("Namespaced Process Spawn")
@Category({"linuxns"})
@Description("A process started by NamespacedProcessBuilder.start(): the namespaces it was given, its pid,"
        + " or the step and errno that failed")
public final class SpawnEvent extends Event {
    /** The event's name, for {@code jfr print --events} and {@code Recording.enable}. */
    public static final String NAME = "linuxns.Spawn";

    /** An event to begin before the spawn and commit after it. */
    public SpawnEvent() {}

    @Label("Command")
    @Description("The command and its arguments, separated by spaces")
    String command;

    @Label("Directory")
    @Description("The working directory asked for, or null for the JVM's")
    String directory;

    @Label("New Namespaces")
    @Description("The types of the namespaces created for the process, such as \"USER, UTS, PID\"")
    String newNamespaces;

    @Label("Joined Namespaces")
    @Description("The existing namespaces the process joined, such as \"net:[4026532178]\"")
    String joinedNamespaces;

    @Label("Init")
    @Description("Whether an init runs as PID 1 of a new PID namespace, with the command as its child")
    boolean init;

    @Label("Process Id")
    @Description("The pid of the started process (in the JVM's PID namespace), 0 if it failed")
    long pid;

    @Label("Failed Step")
    @Description("The step of the setup that failed, such as \"child step 21 (mount a tmpfs)\" or \"execute\", or null")
    String failedStep;

    @Label("Failed Call")
    @Description("The system call that failed, with its arguments, or null")
    String failedCall;

    @Label("Errno")
    @Description("The errno of the failed call, 0 if none")
    int errno;

    @Label("Errno Name")
    @Description("The errno's symbolic name, such as EPERM, or null")
    String errnoName;

    @Label("Failure")
    @Description("The exception start() threw, with its message, or null if the process started")
    String failure;
}
