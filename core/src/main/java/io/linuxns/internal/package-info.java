/**
 * Internals of linuxns, not exported by the module: raw system calls, each failure with its
 * errno ({@code Native}, {@code RawSyscall}, {@code Errno}, {@code Flags}), the origin thread, the mount table and the
 * netlink socket.
 *
 * <p>What code here may do (docs/design.md §2–3): a call that changes a thread's namespaces runs
 * only on a thread the library owns (the origin thread, an executor's thread), never on a caller's
 * thread, a pool thread or a virtual thread; nothing here creates a thread from inside a
 * namespace. A system call returns the kernel's {@code -errno} ({@code RawSyscall}); a libc call's
 * errno is captured with {@code Linker.Option.captureCallState}, never read afterwards.
 * Generated bindings are used as they are; constants they lack go through {@code headers/}.
 */
package io.linuxns.internal;
