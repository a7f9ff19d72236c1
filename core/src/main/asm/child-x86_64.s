# linuxns child program interpreter, x86_64.
#
# No libc, no TLS, no JVM: it interprets a child program (io.linuxns.internal.spawn.ChildProgram),
# a flat array of raw system calls with prepared arguments, and ends in execve or exit_group(127).
# The same bytes run in two places (docs/design.md, "Spawning"):
#
# clone_entry: in the clone3(CLONE_VM) child, which shares the JVM's memory. The parent called
#   syscall(SYS_clone3, &args, sizeof args, program) (syscall-x86_64.s, or glibc's syscall())
#   with the address of clone_entry planted at the top of the child's stack; in the child the
#   routine returns 0 with rdx = program (its 4th argument) and its `ret` pops clone_entry. The program it gets there is the short
#   trampoline: block signals, clear close-on-exec on what the helper needs, perhaps wait on the
#   sync pipe, execveat the helper. Nothing else ever runs in the JVM's address space.
# _start: the entry of the helper, a static ELF written per spawn into a sealed memfd: page 0 of
#   the file holds the ELF header and this code, the pages after it the program, loaded at the
#   address where the parent wrote it (so its pointers are valid as they are). The program starts
#   at the page after the code's.
#
# Program layout (little endian):
#   +0  u64  number of steps
#   +8  u64  error pipe write end: on failure the child writes {u64 base + step index, u64 errno};
#            -1: it stores them at +32 and +40 instead (a CLONE_VFORK child: the parent reads
#            them once clone3 returned, at the child's exit)
#   +16 u64  base: the index of this program's first step in the parent's list of steps
#   +24 u64  address of the steps, 64 bytes each:
#            +0 u32 op      0 = SYSCALL, 1 = FORK_AND_WAIT
#            +4 u32 flags   1 = ignore failure, 2 = a result of 0 is a failure (errno 0),
#                           4 = store the result at the address in args[5],
#                           8 = a result other than args[5] is a failure (errno 0)
#                           (a step with flag 4 or 8 has at most five arguments),
#                           16 << i (i = 0..4) = args[i] is the address of a result stored
#                           before (a descriptor the helper opened): the value there is passed,
#                           512 = only a failure with errno args[5] goes on with the next step;
#                           any other failure skips the next step (with flag 1) or is reported
#                           (a step with flag 512 has at most five arguments and no flag 4 or 8)
#            +8 u64 syscall number
#            +16 u64 args[6]
#
# SYSCALL: rax = nr; rdi, rsi, rdx, r10, r8, r9 = args[0..5]; a result in [-4095, -1] is -errno.
#
# FORK_AND_WAIT (an init, or the forwarder into a joined PID namespace), only in the helper:
# args[1] = pointer to the sigset of signals to wait for, args[2] = pointer to an int for wait4's
# status, args[3] = a mask of signals (bit n-1 for signal n) which it passes on and then exits
# (the death signal). fork(); the new process goes on with the next step, this one
# closes every descriptor and then, with all signals still blocked, loops on rt_sigtimedwait:
# SIGCHLD reaps children (orphans too, when this is PID 1 of a namespace) until the main child
# exits, a signal of args[3] is passed on and ends it with 128 + signal, any other is forwarded to
# the main child.
# It exits as the main child did: its exit status, or 128 + the signal that killed it.
#
# Registers: rbx = program, r12 = step index, r13 = step pointer, r14 = main child's pid, r15 = a signal.
# Assemble: as --64 -o child.o child-x86_64.s && objcopy -O binary -j .text child.o child.bin
# ChildRoutine.X86_64 holds the bytes; ChildRoutineTest reassembles this file and compares.

    .intel_syntax noprefix
    .text
    .globl _start
_start:
    lea rbx, [rip]
    and rbx, -4096
    add rbx, 4096
    jmp run

    .globl clone_entry
clone_entry:
    mov rbx, rdx
    # Every signal blocked before the first read of the program: the child has a copy of the
    # JVM's handlers, and a fault on memory that a library bug corrupted would otherwise run
    # HotSpot's SIGSEGV handler here, in the JVM's address space, on the JVM's TLS. Blocked, a
    # fault kills this task alone (the kernel resets the child's own copy to SIG_DFL). The
    # program's first step blocks them again; the set is a u64 of ones pushed on the clone stack.
    push -1
    mov eax, 14
    mov edi, 2
    mov rsi, rsp
    xor edx, edx
    mov r10d, 8
    syscall
    pop rax

run:
    xor r12d, r12d
    mov r13, [rbx+24]

next:
    cmp r12, [rbx]
    jae end
    cmp dword ptr [r13], 1
    je fork_and_wait
    mov rdi, [r13+16]
    mov rsi, [r13+24]
    mov rdx, [r13+32]
    mov r10, [r13+40]
    mov r8, [r13+48]
    mov r9, [r13+56]
    mov eax, [r13+4]            # flags 16 << i: args[i] is the address of a stored result
    test eax, 16
    jz 1f
    mov rdi, [rdi]
1:  test eax, 32
    jz 2f
    mov rsi, [rsi]
2:  test eax, 64
    jz 3f
    mov rdx, [rdx]
3:  test eax, 128
    jz 4f
    mov r10, [r10]
4:  test eax, 256
    jz 5f
    mov r8, [r8]
5:  mov rax, [r13+8]
    syscall
    cmp rax, -4095
    jae failed
    test dword ptr [r13+4], 4
    jz stored
    mov rdi, [r13+56]
    mov [rdi], rax
stored:
    test dword ptr [r13+4], 8
    jz any_result
    cmp rax, [r13+56]
    jne no_errno
any_result:
    test rax, rax
    jnz advance
    test dword ptr [r13+4], 2
    jz advance
no_errno:
    xor eax, eax
    jmp report

failed:
    neg rax                     # rax = errno
    test dword ptr [r13+4], 512
    jz 6f
    cmp rax, [r13+56]           # flag 512: errno args[5] goes on with the next step (the
    je advance                  # /bin/sh fallback for ENOEXEC), any other skips it or is reported
    test dword ptr [r13+4], 1
    jz report
    inc r12
    add r13, 64
    jmp advance
6:  test dword ptr [r13+4], 1
    jnz advance

report:                         # rax = errno: write {base + step, errno}, exit_group(127)
    push rax
    mov rax, r12
    add rax, [rbx+16]
    push rax
    mov rdi, [rbx+8]
    test rdi, rdi
    js 7f
    mov eax, 1
    mov rsi, rsp
    mov edx, 16
    syscall
    jmp end
7:  pop rax                     # no error pipe (-1): the report goes into the header
    mov [rbx+32], rax
    pop rax
    mov [rbx+40], rax
end:
    mov eax, 231
    mov edi, 127
    syscall

advance:
    inc r12
    add r13, 64
    jmp next

fork_and_wait:
    mov eax, 56                 # clone(SIGCHLD, NULL, 0, 0, 0): a fork
    mov edi, 17
    xor esi, esi
    xor edx, edx
    xor r10d, r10d
    xor r8d, r8d
    syscall
    test rax, rax
    jz advance                  # the new process runs the rest of the program
    cmp rax, -4095
    jae failed
    mov r14, rax
    mov eax, 436                # close_range(0, ~0U, 0): hold nothing of the parent's
    xor edi, edi
    mov esi, -1
    xor edx, edx
    syscall

wait_signal:
    mov eax, 128                # rt_sigtimedwait(set, NULL, NULL, 8)
    mov rdi, [r13+24]
    xor esi, esi
    xor edx, edx
    mov r10d, 8
    syscall
    cmp rax, -4095
    jae wait_signal
    cmp eax, 17                 # SIGCHLD
    je reap
    lea ecx, [eax-1]
    mov rdx, [r13+40]
    bt rdx, rcx
    jc leave_signal
    mov rsi, rax                # kill(main child, signal)
    mov rdi, r14
    mov eax, 62
    syscall
    jmp wait_signal

leave_signal:                   # the death signal: passed on, then exit (the main child gets SIGKILL)
    mov r15, rax
    mov rsi, rax                # kill(main child, signal)
    mov rdi, r14
    mov eax, 62
    syscall
    lea edi, [r15+128]
    jmp leave

reap:
    mov eax, 61                 # wait4(-1, status, WNOHANG, NULL)
    mov rdi, -1
    mov rsi, [r13+32]
    mov edx, 1
    xor r10d, r10d
    syscall
    test rax, rax
    jle wait_signal             # nothing (more) to reap now
    cmp rax, r14
    jne reap
    mov rsi, [r13+32]
    mov eax, [rsi]
    mov edi, eax
    and edi, 0x7f
    jz exited
    add edi, 128                # killed by a signal: 128 + signal
    jmp leave
exited:
    shr eax, 8
    movzx edi, al
leave:
    mov eax, 231
    syscall
