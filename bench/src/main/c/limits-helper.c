/*
 * The C replay of linuxns's spawn helper (docs/spawn.md, "The helper, in order"), for the
 * isolated-spawn limit in limits.c (limit_spawn_helper): a static executable without libc that
 * the clone3 child execveat()s from a sealed memfd, as linuxns's trampoline does with its
 * HelperImage. It makes the helper's system calls for a spawn without joins, maps or mounts:
 *
 *   prctl(PR_SET_NAME), close_range over everything above stderr but the error pipe,
 *   unshare(flags), for a new mount namespace mount(NULL, "/", NULL, MS_REC|MS_PRIVATE),
 *   close_range(3, ~0, CLOSE_RANGE_CLOEXEC), rt_sigprocmask(SIG_SETMASK, {}), execve(command).
 *
 * argv: {"linuxns-spawn", unshare flags (decimal), error pipe write end (decimal), command};
 * the environment is handed on to the command.
 * A failed step writes nothing (the parent sees EOF and the exit status): it exits 120 + step.
 *
 * Built by CLimits with: gcc -O2 -static -nostdlib -fno-pie -no-pie -fno-stack-protector.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>

#if !defined(__x86_64__)
#error "limits-helper.c: written for x86_64 only"
#endif

static inline long sc(long n, long a, long b, long c, long d, long e) {
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return r;
}

static long number(const char *s) {
    long v = 0;
    while (*s >= '0' && *s <= '9') v = v * 10 + (*s++ - '0');
    return v;
}

static __attribute__((noreturn)) void fail(int step) {
    sc(SYS_exit_group, 120 + step, 0, 0, 0, 0);
    __builtin_unreachable();
}

__attribute__((used, noreturn)) void helper_main(long *sp) {
    char **argv = (char **)(sp + 1);
    char **envp = argv + sp[0] + 1; /* the environment follows argv's NULL */
    long flags = number(argv[1]);
    long err = number(argv[2]);
    char *command[] = {argv[3], 0};
    unsigned long none = 0;
    sc(SYS_prctl, 15 /* PR_SET_NAME */, (long)"linuxns-spawn", 0, 0, 0);
    if (err > 3 && sc(SYS_close_range, 3, err - 1, 0, 0, 0) < 0) fail(0);
    if (sc(SYS_close_range, err + 1, ~0U, 0, 0, 0) < 0) fail(1);
    if (flags != 0 && sc(SYS_unshare, flags, 0, 0, 0, 0) < 0) fail(2);
    if ((flags & CLONE_NEWNS) && sc(SYS_mount, 0, (long)"/", 0, MS_REC | MS_PRIVATE, 0) < 0) fail(3);
    sc(SYS_close_range, 3, ~0U, 1U << 2 /* CLOSE_RANGE_CLOEXEC */, 0, 0);
    sc(SYS_rt_sigprocmask, 2 /* SIG_SETMASK */, (long)&none, 0, 8, 0);
    sc(SYS_execve, (long)command[0], (long)command, (long)envp, 0, 0);
    fail(7);
}

__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call helper_main\n"
        "  hlt\n");
