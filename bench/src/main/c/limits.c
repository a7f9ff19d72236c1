/*
 * The C limits the JMH benchmarks compare linuxns with: the same kernel work done by the
 * shortest C code, called from Java through one FFM downcall each (tens of nanoseconds, next to
 * spawns of hundreds of microseconds). CLimits.java compiles this file with gcc when a benchmark
 * starts and loads the shared library from a temporary directory.
 *
 * A spawn is what linuxns's direct path does (docs/spawn.md), without the JVM around it:
 *   clone3(CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND | namespaces) with every signal blocked,
 *   the child: dup3 the stdio pipes, close_range(3, ~0, CLOSE_RANGE_CLOEXEC), restore the mask,
 *   execve; the parent: waitpid.
 * With a new user namespace the child waits on a pipe until the parent has written setgroups,
 * uid_map and gid_map (exec recomputes capabilities, so it must exec after them); it cannot be
 * a vfork child then, since the parent has to run while it waits.
 *
 * The child shares the caller's memory (CLONE_VM) and runs on a stack in the caller's frame, so
 * it makes raw system calls only: no libc function, nothing that touches errno, TLS or a lock
 * of the parent (which another thread of the JVM may hold). clone3 is entered through a few
 * instructions of assembly because a child on a new stack cannot return into C frames.
 *
 * Return values: 0 when the command exited 0; -errno when a call of the parent failed; the
 * child's wait status (> 0) otherwise (exit 126: the child's setup failed, 127: execve failed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#define LIMIT_CLONE_CLEAR_SIGHAND 0x100000000ULL
#define LIMIT_CLOSE_RANGE_CLOEXEC (1U << 2)

/* struct clone_args as of Linux 5.5 (CLONE_ARGS_SIZE_VER0: the first eight fields). */
struct limit_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* The kernel's sigset_t for rt_sigprocmask: 64 signals, not glibc's 1024-bit one. */
#define KSIGSET_SIZE 8

/* clone3(args, size), then in the child fn(arg) and exit(result). Returns in the parent only. */
long limit_clone3(struct limit_clone_args *args, unsigned long size, int (*fn)(void *), void *arg);

#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".globl limit_clone3\n"
    ".hidden limit_clone3\n"
    ".type limit_clone3,@function\n"
    "limit_clone3:\n"
    "  mov %rdx, %r8\n"          /* fn and arg survive the syscall in r8/r9 */
    "  mov %rcx, %r9\n"
    "  mov $435, %eax\n"
    "  syscall\n"
    "  test %rax, %rax\n"
    "  jnz 1f\n"
    "  xor %ebp, %ebp\n"         /* child: the kernel put rsp at the top of the new stack */
    "  and $-16, %rsp\n"
    "  mov %r9, %rdi\n"
    "  call *%r8\n"
    "  mov %eax, %edi\n"
    "  mov $60, %eax\n"          /* exit */
    "  syscall\n"
    "  hlt\n"
    "1:\n"
    "  ret\n"
    ".size limit_clone3, .-limit_clone3\n");

static inline long raw3(long nr, long a, long b, long c) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static inline long raw4(long nr, long a, long b, long c, long d) {
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return ret;
}
#elif defined(__aarch64__)
__asm__(
    ".text\n"
    ".globl limit_clone3\n"
    ".hidden limit_clone3\n"
    ".type limit_clone3,%function\n"
    "limit_clone3:\n"
    "  mov x9, x2\n"
    "  mov x10, x3\n"
    "  mov x8, #435\n"
    "  svc #0\n"
    "  cbnz x0, 1f\n"
    "  mov x0, x10\n"
    "  blr x9\n"
    "  mov x8, #93\n"            /* exit */
    "  svc #0\n"
    "  brk #0\n"
    "1:\n"
    "  ret\n"
    ".size limit_clone3, .-limit_clone3\n");

static inline long raw4(long nr, long a, long b, long c, long d) {
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
}

static inline long raw3(long nr, long a, long b, long c) {
    return raw4(nr, a, b, c, 0);
}
#else
#error "limits.c: clone3 entry written for x86_64 and aarch64 only"
#endif

/* Everything the child reads, prepared by the parent: the child only makes system calls. */
struct child_plan {
    const char *path;
    char *const *argv;
    char *const *envp;
    int stdio[3];     /* descriptors to dup3 onto 0, 1, 2, or -1 to inherit */
    int sync_fd;      /* read one byte before the exec (the id maps are written), or -1 */
    uint64_t mask;    /* the caller's signal mask, restored right before execve */
};

static int child_main(void *p) {
    struct child_plan *plan = p;
    if (plan->sync_fd >= 0) {
        char c;
        if (raw3(SYS_read, plan->sync_fd, (long)&c, 1) != 1) return 126;
    }
    for (int i = 0; i < 3; i++) {
        if (plan->stdio[i] >= 0 && raw3(SYS_dup3, plan->stdio[i], i, 0) < 0) return 126;
    }
    /* As every spawn must: the JVM's descriptors do not reach the command. */
    raw3(SYS_close_range, 3, ~0U, LIMIT_CLOSE_RANGE_CLOEXEC);
    raw4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&plan->mask, 0, KSIGSET_SIZE);
    raw3(SYS_execve, (long)plan->path, (long)plan->argv, (long)plan->envp);
    return 127;
}


/* The child's stack lives in the caller's frame: 64 KiB, far more than child_main needs. */
#define CHILD_STACK 65536

static int write_file(pid_t pid, const char *name, const char *text) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t n = write(fd, text, strlen(text));
    int err = n < 0 ? -errno : 0;
    close(fd);
    return err;
}

static int write_maps(pid_t pid) {
    char map[64];
    int r = write_file(pid, "setgroups", "deny");
    if (r != 0) return r;
    snprintf(map, sizeof map, "0 %u 1", (unsigned)getuid());
    if ((r = write_file(pid, "uid_map", map)) != 0) return r;
    snprintf(map, sizeof map, "0 %u 1", (unsigned)getgid());
    return write_file(pid, "gid_map", map);
}

static int status_of(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -errno;
    }
    return status;
}

int limit_spawn_argv(char *const argv[], char *const envp[], long ns_flags, int pipes);

/*
 * Runs path (argv {path}, this process's environment) in new namespaces ns_flags (CLONE_NEW*, 0
 * for none) and waits for it. With pipes, the command's stdin, stdout and stderr are pipes whose
 * parent ends are closed after the wait, as a Java caller closes a Process's streams. The
 * environment is the JVM's, which a Java spawn (linuxns's or ProcessBuilder's) passes by default:
 * like with like, since the command's exec and start-up scan it (an empty one saved /bin/true
 * about 30 us of CPU per spawn here).
 */
int limit_spawn(const char *path, long ns_flags, int pipes) {
    char *const argv[] = {(char *)path, NULL};
    return limit_spawn_argv(argv, environ, ns_flags, pipes);
}

/* The same with argv[0] as the path and an environment (NULL: this process's). */
int limit_spawn_argv(char *const argv[], char *const envp[], long ns_flags, int pipes) {
    char stack[CHILD_STACK] __attribute__((aligned(16)));
    struct child_plan plan = {argv[0], argv, envp != NULL ? envp : environ, {-1, -1, -1}, -1, 0};
    int parent_end[3] = {-1, -1, -1};
    int sync[2] = {-1, -1};
    int user = (ns_flags & CLONE_NEWUSER) != 0;
    int result = 0;

    if (pipes) {
        for (int i = 0; i < 3; i++) {
            int p[2];
            if (pipe2(p, O_CLOEXEC) != 0) { result = -errno; goto out; }
            plan.stdio[i] = i == 0 ? p[0] : p[1];
            parent_end[i] = i == 0 ? p[1] : p[0];
        }
    }
    if (user) {
        if (pipe2(sync, O_CLOEXEC) != 0) { result = -errno; goto out; }
        plan.sync_fd = sync[0];
    }

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    memcpy(&plan.mask, &old, sizeof plan.mask);

    struct limit_clone_args args = {0};
    args.flags = CLONE_VM | LIMIT_CLONE_CLEAR_SIGHAND | (uint64_t)ns_flags | (user ? 0 : CLONE_VFORK);
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t)(uintptr_t)stack;
    args.stack_size = sizeof stack;
    long pid = limit_clone3(&args, sizeof args, child_main, &plan);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) { result = (int)pid; goto out; }

    if (user) {
        close(sync[0]);
        sync[0] = -1;
        int r = write_maps((pid_t)pid);
        /* One byte releases the child; closing without it makes it exit 126. */
        if (r == 0 && write(sync[1], "x", 1) != 1) r = -errno;
        close(sync[1]);
        sync[1] = -1;
        int status = status_of((pid_t)pid);
        result = r != 0 ? r : status;
    } else {
        for (int i = 0; i < 3; i++) {
            if (plan.stdio[i] >= 0) close(plan.stdio[i]);
            plan.stdio[i] = -1;
        }
        result = status_of((pid_t)pid);
    }

out:
    for (int i = 0; i < 3; i++) {
        if (plan.stdio[i] >= 0) close(plan.stdio[i]);
        if (parent_end[i] >= 0) close(parent_end[i]);
    }
    if (sync[0] >= 0) close(sync[0]);
    if (sync[1] >= 0) close(sync[1]);
    return result;
}

/*
 * linuxns's isolated path replayed in C (docs/spawn.md): what the design costs without the JVM.
 * Per spawn, as linuxns does: an error pipe, a memfd holding the helper's image (written, then
 * sealed F_SEAL_WRITE|SHRINK|GROW|SEAL), clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD | clone_flags)
 * with every signal blocked; the child blocks the rest, clears close-on-exec on the error pipe
 * and execveat()s the memfd (AT_EMPTY_PATH); the helper (limits-helper.c) closes what it does not
 * need, unshares unshare_flags, makes / private in a new mount namespace and execs path. The
 * parent closes its copies, reads the error pipe to EOF (the command's exec), polls the pidfd
 * and reaps with waitid(P_PIDFD), as linuxns's start() and waitFor() do.
 */
struct helper_plan {
    int image;
    int error;
    char *const *argv;
};

static int helper_child(void *p) {
    struct helper_plan *plan = p;
    uint64_t all = ~0ULL;
    raw4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, 0, KSIGSET_SIZE);
    if (raw3(SYS_fcntl, plan->error, F_SETFD, 0) < 0) return 126;
    static char empty[] = "";
    long r;
    /* The helper hands its environment on to the command, as linuxns's passes the request's. */
    register long r10 __asm__("r10") = (long)environ;
    register long r8 __asm__("r8") = AT_EMPTY_PATH;
    __asm__ volatile("syscall" : "=a"(r) : "a"((long)SYS_execveat), "D"((long)plan->image), "S"((long)empty),
                     "d"((long)plan->argv), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return 127;
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int limit_spawn_helper(const char *path, long clone_flags, long unshare_flags, const void *image, long image_size) {
    char stack[CHILD_STACK] __attribute__((aligned(16)));
    char flags_text[24], error_text[24];
    int err[2] = {-1, -1}, memfd = -1, pidfd = -1;
    int result = 0;

    if (pipe2(err, O_CLOEXEC) != 0) return -errno;
    memfd = (int)syscall(SYS_memfd_create, "linuxns-spawn", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (memfd < 0 && errno == EINVAL) memfd = (int)syscall(SYS_memfd_create, "linuxns-spawn", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (memfd < 0) { result = -errno; goto out; }
    for (long off = 0; off < image_size;) {
        ssize_t n = write(memfd, (const char *)image + off, (size_t)(image_size - off));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { result = n < 0 ? -errno : -EIO; goto out; }
        off += n;
    }
    if (fcntl(memfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) { result = -errno; goto out; }
    snprintf(flags_text, sizeof flags_text, "%ld", unshare_flags);
    snprintf(error_text, sizeof error_text, "%d", err[1]);
    char *const argv[] = {"linuxns-spawn", flags_text, error_text, (char *)path, NULL};
    struct helper_plan plan = {memfd, err[1], argv};

    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    struct limit_clone_args args = {0};
    args.flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (uint64_t)clone_flags;
    args.pidfd = (uint64_t)(uintptr_t)&pidfd;
    args.exit_signal = SIGCHLD;
    args.stack = (uint64_t)(uintptr_t)stack;
    args.stack_size = sizeof stack;
    long pid = limit_clone3(&args, sizeof args, helper_child, &plan);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0) { result = (int)pid; goto out; }
    close(memfd);
    memfd = -1;
    close(err[1]);
    err[1] = -1;
    char report[16];
    ssize_t n;
    while ((n = read(err[0], report, sizeof report)) != 0) {
        if (n < 0 && errno != EINTR) { result = -errno; break; }
    }
    struct pollfd ready = {pidfd, POLLIN, 0};
    while (poll(&ready, 1, -1) < 0 && errno == EINTR) {}
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (syscall(SYS_waitid, P_PIDFD, pidfd, &info, WEXITED, NULL) != 0) {
        if (result == 0) result = -errno;
    } else if (result == 0) {
        result = info.si_code == CLD_EXITED ? info.si_status << 8 : info.si_status;
    }

out:
    if (pidfd >= 0) close(pidfd);
    if (memfd >= 0) close(memfd);
    if (err[0] >= 0) close(err[0]);
    if (err[1] >= 0) close(err[1]);
    return result;
}

/* Enter a namespace and go back, on the calling thread: setns(target), setns(original). */
int limit_setns_pair(int target_fd, int original_fd, int nstype) {
    if (setns(target_fd, nstype) != 0) return -errno;
    if (setns(original_fd, nstype) != 0) return -errno;
    return 0;
}

struct unshare_job {
    int flags;
    int result;
};

static void *unshare_thread(void *p) {
    struct unshare_job *job = p;
    job->result = unshare(job->flags) == 0 ? 0 : -errno;
    /* As linuxns and unshare(1) do: mounts made inside must not propagate out. */
    if (job->result == 0 && (job->flags & CLONE_NEWNS)
            && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        job->result = -errno;
    }
    return NULL;
}

/*
 * A new thread-scoped namespace thrown away: a new thread unshares (for a mount namespace,
 * and makes / private recursively), then ends, and the namespace with it. It also needs
 * unshare(CLONE_FS) for a mount namespace, which unshare(CLONE_NEWNS) implies for a thread.
 */
int limit_unshare_thread(int flags) {
    pthread_t t;
    struct unshare_job job = {flags, -1};
    int r = pthread_create(&t, NULL, unshare_thread, &job);
    if (r != 0) return -r;
    pthread_join(t, NULL);
    return job.result;
}
