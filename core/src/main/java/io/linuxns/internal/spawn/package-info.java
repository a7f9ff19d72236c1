/**
 * The spawn engine behind {@code NamespacedProcessBuilder.start()}: docs/spawn.md has every step
 * and docs/design.md §4 the rule it keeps.
 *
 * <p>What code here may do: no Java code runs in a child. The {@code clone3(CLONE_VM)} child runs
 * only the trampoline ({@code ProgramWriter.trampoline}: signal mask, its own descriptor table, a
 * wait on a pipe while it is in namespaces nobody else is in, the exec of the helper); every step
 * that joins a namespace, changes credentials, mounts or stays alive (init, forwarder) goes into
 * the helper's program ({@code ProgramWriter.helper}), which runs in its own address space from a
 * sealed memfd ({@code HelperImage}). The parent opens every descriptor the children use
 * close-on-exec, kills and reaps a child before freeing memory it may read, and closes every
 * descriptor on every path ({@code Fds}).
 */
package io.linuxns.internal.spawn;
