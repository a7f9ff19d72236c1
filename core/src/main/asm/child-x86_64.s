# linuxns child entry routine, x86_64.
#
# The child of clone3(CLONE_VM | ...) starts here, on its own small stack, with no libc, no TLS
# and no JVM: it only interprets the child program that the parent prepared in native memory
# (io.linuxns.internal.spawn.ChildProgram) and ends in execve or exit_group(127).
#
# Entry: the parent called glibc's syscall(SYS_clone3, &args, sizeof args, program) with the
# address of _start planted at the top of the child's stack. In the child, syscall() returns 0
# with rdx = program (its 4th argument) and its `ret` pops _start.
#
# Program layout (little endian):
#   +0  u64  number of steps
#   +8  u64  error pipe write end: on failure the child writes {u64 step index, u64 errno}
#   +64      steps, 64 bytes each:
#            +0 u32 op      0 = SYSCALL, 1 = FORK_AND_WAIT
#            +4 u32 flags   1 = ignore failure, 2 = a result of 0 is a failure (errno 0),
#                           4 = store the result at the address in args[5] (a step using it
#                               has at most five arguments; the parent reads it, CLONE_VM)
#            +8 u64 syscall number
#            +16 u64 args[6]
#
# SYSCALL: rax = nr; rdi, rsi, rdx, r10, r8, r9 = args[0..5]; a result in [-4095, -1] is -errno.
#
# FORK_AND_WAIT (an init, or the forwarder that nsenter --fork is): args[0] = top of a second
# stack, args[1] = pointer to a sigset of the signals to wait for, args[2] = pointer to an int for
# wait4's status. clone(CLONE_VM | SIGCHLD) on the second stack; the new process goes on with
# the next step (so it runs the rest of the program and execs; it may itself reach another
# FORK_AND_WAIT, which is why this is no vfork), this one closes every descriptor (the new
# process has its own copy of the table) and then, with all signals still blocked, loops on
# rt_sigtimedwait: SIGCHLD reaps children (orphans too, when this is PID 1 of a namespace) until
# the main child exits, any other signal of the set is forwarded to the main child. It exits as
# the main child did: its exit status, or 128 + the signal that killed it.
#
# Registers: rbx = program, r12 = step index, r13 = step pointer, r14 = main child's pid.
# Assemble: as --64 -o child.o child-x86_64.s && objcopy -O binary -j .text child.o child.bin
# ChildRoutine.X86_64 holds the bytes; ChildRoutineTest reassembles this file and compares.

    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov rbx, rdx
    xor r12d, r12d
    lea r13, [rbx+64]

next:
    cmp r12, [rbx]
    jae end
    cmp dword ptr [r13], 1
    je fork_and_wait
    mov rax, [r13+8]
    mov rdi, [r13+16]
    mov rsi, [r13+24]
    mov rdx, [r13+32]
    mov r10, [r13+40]
    mov r8, [r13+48]
    mov r9, [r13+56]
    syscall
    cmp rax, -4095
    jae failed
    test dword ptr [r13+4], 4
    jz stored
    mov rdi, [r13+56]
    mov [rdi], rax
stored:
    test rax, rax
    jnz advance
    test dword ptr [r13+4], 2
    jz advance
    xor eax, eax
    jmp report

failed:
    test dword ptr [r13+4], 1
    jnz advance
    neg rax

report:                         # rax = errno: write {step, errno}, exit_group(127)
    push rax
    push r12
    mov eax, 1
    mov rdi, [rbx+8]
    mov rsi, rsp
    mov edx, 16
    syscall
end:
    mov eax, 231
    mov edi, 127
    syscall

advance:
    inc r12
    add r13, 64
    jmp next

fork_and_wait:
    mov eax, 56                 # clone(flags, newsp, 0, 0, 0)
    mov edi, 0x111              # CLONE_VM | SIGCHLD
    mov rsi, [r13+16]
    xor edx, edx
    xor r10d, r10d
    xor r8d, r8d
    syscall
    test rax, rax
    jz advance                  # the new process runs the rest of the program
    cmp rax, -4095
    jae failed
    mov r14, rax
    mov eax, 436                # close_range(0, ~0U, 0): hold none of the JVM's descriptors
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
    mov rsi, rax                # kill(main child, signal)
    mov rdi, r14
    mov eax, 62
    syscall
    jmp wait_signal

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
