/*
 * The C declarations linuxns binds. jextract reads this file (see jextract.args for the
 * symbols it keeps) and writes the Java sources under bindings/. Change this file, never
 * the generated sources, then run regenerate.sh.
 */
#define _GNU_SOURCE 1

#include <sched.h>          /* unshare, setns, CLONE_* */
#include <unistd.h>         /* syscall, sethostname, execve, pipe2, read, write, close, getppid, getgroups, ... */
#include <fcntl.h>          /* open, O_*, F_ADD_SEALS, F_GET_SEALS, F_SEAL_*, AT_* */
#include <signal.h>         /* kill, SIG*, sigset_t */
#include <poll.h>           /* poll */
#include <string.h>         /* strerror */
#include <errno.h>          /* E* */
#include <sys/ioctl.h>      /* ioctl, TIOCGWINSZ */
#include <sys/mount.h>      /* mount, umount2, MS_*, MNT_DETACH, struct mount_attr, MOUNT_ATTR_*, OPEN_TREE_*, MOVE_MOUNT_*
                               (glibc 2.36 declares these itself: <linux/mount.h> conflicts with it) */
#include <sys/mman.h>       /* mmap, munmap, mprotect, PROT_*, MAP_*, memfd_create, MFD_* */
#include <sys/prctl.h>      /* prctl, PR_SET_PDEATHSIG, PR_*_DUMPABLE, PR_SET_CHILD_SUBREAPER */
#include <sys/wait.h>       /* waitid, P_PIDFD, WEXITED */
#include <sys/stat.h>       /* fstat, struct stat */
#include <sys/syscall.h>    /* SYS_* */
#include <sys/socket.h>     /* socket, bind, sendto, recvfrom, setsockopt */
#include <linux/sched.h>    /* struct clone_args, CLONE_INTO_CGROUP, CLONE_PIDFD */
#include <linux/nsfs.h>     /* NS_GET_* */
#include <linux/netlink.h>  /* AF_NETLINK, struct sockaddr_nl, struct nlmsghdr, NLM_F_* */
#include <linux/rtnetlink.h>/* RTM_*, struct ifinfomsg, ifaddrmsg, rtmsg, rtattr */
#include <linux/if_link.h>  /* IFLA_* */
#include <linux/if_addr.h>  /* IFA_* */
#include <linux/veth.h>     /* VETH_INFO_PEER */
#include <net/if.h>         /* IFF_UP, if_nametoindex */
#include <linux/close_range.h> /* CLOSE_RANGE_CLOEXEC */
#include <linux/openat2.h>  /* struct open_how, RESOLVE_* */
#include <linux/sockios.h>  /* SIOCGSKNS */
#include <linux/net_namespace.h> /* NETNSA_* (RTM_GETNSID) */
#include <linux/capability.h> /* _LINUX_CAPABILITY_VERSION_3 (capset) */
#include <sys/resource.h>   /* RLIMIT_CORE */

/*
 * memfd_create flags added in Linux 6.3. glibc 2.36 and Debian 12's kernel headers
 * (linux-libc-dev 6.1) do not have them yet; the values are the kernel's
 * (include/uapi/linux/memfd.h). Headers that define them win.
 */
/*
 * epoll(7) constants, for the reaper's epoll_create1, epoll_ctl and epoll_wait (made through
 * syscall). <sys/epoll.h> needs <stdint.h>, which this libclang does not resolve, and
 * <linux/eventpoll.h> pulls in <linux/fcntl.h>, which conflicts with <fcntl.h>: the values are
 * the kernel's (include/uapi/linux/eventpoll.h), and headers that define them win.
 */
#ifndef EPOLL_CLOEXEC
#define EPOLL_CLOEXEC 02000000
#endif
#ifndef EPOLL_CTL_ADD
#define EPOLL_CTL_ADD 1
#endif
#ifndef EPOLL_CTL_DEL
#define EPOLL_CTL_DEL 2
#endif
#ifndef EPOLLIN
#define EPOLLIN 0x00000001
#endif

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/*
 * struct stat's size and the two fields linuxns reads, as plain constants: the binding class
 * of struct stat makes a layout-path VarHandle for its reserved array in its initialiser, which
 * spins about 30 method-handle forms in a fresh JVM (docs/spawn.md, "The first spawn in a fresh
 * JVM"); fstat callers need only these.
 */
#include <stddef.h>         /* offsetof */
#define LINUXNS_STAT_SIZE sizeof(struct stat)
#define LINUXNS_STAT_ST_DEV offsetof(struct stat, st_dev)
#define LINUXNS_STAT_ST_INO offsetof(struct stat, st_ino)
/*
 * struct statx's size and the fields CallerThread compares, as plain constants for the same
 * reason: a root or working directory is the same only on the same mount, which st_dev and
 * st_ino cannot tell (two bind mounts of one directory share both); stx_mnt_id can.
 */
#define LINUXNS_STATX_SIZE sizeof(struct statx)
#define LINUXNS_STATX_MASK offsetof(struct statx, stx_mask)
#define LINUXNS_STATX_INO offsetof(struct statx, stx_ino)
#define LINUXNS_STATX_DEV_MAJOR offsetof(struct statx, stx_dev_major)
#define LINUXNS_STATX_DEV_MINOR offsetof(struct statx, stx_dev_minor)
#define LINUXNS_STATX_MNT_ID offsetof(struct statx, stx_mnt_id)
