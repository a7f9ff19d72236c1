# linuxns raw system call, x86_64: long raw_syscall(long nr, long a, long b, long c, long d, long e, long f)
#
# Called through one FFM downcall handle (io.linuxns.internal.RawSyscall) with the SysV calling
# convention: nr in rdi, a..e in rsi, rdx, rcx, r8, r9, f on the stack above the return address.
# It moves them to the kernel's registers (nr in rax; a..f in rdi, rsi, rdx, r10, r8, r9) and
# returns what the kernel returned: the result, or -errno. No errno is written, so the downcall
# needs no Linker.Option.captureCallState (docs/spawn.md, "The first spawn in a fresh JVM").
#
# A clone3(CLONE_VM) child returns from the syscall instruction on its own stack with rax = 0 and
# rdx = c, and the ret pops the address the parent planted at the top of that stack (Clone3).
	.text
	.globl raw_syscall
raw_syscall:
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %r10
	mov	%r9, %r8
	mov	8(%rsp), %r9
	syscall
	ret
