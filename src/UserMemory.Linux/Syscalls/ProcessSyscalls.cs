using System.Collections.Generic;
using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using UserMemory.Linux.Process;
using UserMemory.Linux.Loader;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>fork/clone, execve, exit and wait4, and the identity and limit syscalls (ids, groups, rlimits). Every guest process is a host runner process with the same pid: fork
/// spawns a runner that resumes a snapshot, execve re-executes the runner with the new program.</summary>
internal static class ProcessSyscalls
{
    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Getpid, SupportLevel.Full, "", static (t, a) => t.Group.Pid);
        b.Add(SyscallNumber.Clone, SupportLevel.Partial, "fork, vfork (CLONE_VFORK: the parent waits while the child reads its memory copy-on-write) and threads (CLONE_VM|CLONE_THREAD with shared fs and files); CLONE_VM without CLONE_THREAD or CLONE_VFORK is ENOSYS", static (t, a) => Clone(t, a[0], a[1], a[2], a[3], a[4]));
        b.Add(SyscallNumber.Fork, SupportLevel.Full, "", static (t, a) => Clone(t, SignalNumber.SIGCHLD, 0, 0, 0, 0));
        b.Add(SyscallNumber.Vfork, SupportLevel.Partial, "the parent waits until the child execs, exits or takes its own copy of the memory it reads copy-on-write (child stores do not reach the parent)", static (t, a) => Clone(t, CloneVfork | CloneVm | SignalNumber.SIGCHLD, 0, 0, 0, 0));
        b.Add(SyscallNumber.Execve, SupportLevel.Partial, "static executables and #! scripts; PT_INTERP is ENOEXEC", static (t, a) => Execve(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Exit, SupportLevel.Full, "ends the calling thread; the last thread's exit ends the group", static (t, a) => ExitThread(t, a[0]));
        b.Add(SyscallNumber.ExitGroup, SupportLevel.Full, "", static (t, a) => ExitSyscall(t, a[0]));
        b.Add(SyscallNumber.Wait4, SupportLevel.Full, "", static (t, a) => Wait4(t, (long)a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Waitid, SupportLevel.Full, "", static (t, a) => Waitid(t, a[0], a[1], a[2], a[3], a[4]));
        b.Add(SyscallNumber.Getrlimit, SupportLevel.Full, "the guest's own limits (recorded, not applied to the host)", static (t, a) => Getrlimit(t, (uint)a[0], a[1]));
        b.Add(SyscallNumber.Getrusage, SupportLevel.Partial, "the runner's host usage", static (t, a) => OutCall(t, SyscallNumber.Getrusage, a[1], RusageSize, (long)a[0]));
        b.Add(SyscallNumber.Getuid, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Getuid));
        b.Add(SyscallNumber.Getgid, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Getgid));
        b.Add(SyscallNumber.Setuid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setuid, (long)a[0]));
        b.Add(SyscallNumber.Setgid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setgid, (long)a[0]));
        b.Add(SyscallNumber.Geteuid, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Geteuid));
        b.Add(SyscallNumber.Getegid, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Getegid));
        b.Add(SyscallNumber.Setpgid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setpgid, (long)a[0], (long)a[1]));
        b.Add(SyscallNumber.Getppid, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Getppid));
        b.Add(SyscallNumber.Getpgrp, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Getpgrp));
        b.Add(SyscallNumber.Setsid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setsid));
        b.Add(SyscallNumber.Setreuid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setreuid, (long)a[0], (long)a[1]));
        b.Add(SyscallNumber.Setregid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setregid, (long)a[0], (long)a[1]));
        b.Add(SyscallNumber.Getgroups, SupportLevel.Full, "", static (t, a) => GetGroups(t, a[0], a[1]));
        b.Add(SyscallNumber.Setresuid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setresuid, (long)a[0], (long)a[1], (long)a[2]));
        b.Add(SyscallNumber.Getresuid, SupportLevel.Full, "", static (t, a) => ResIds(t, SyscallNumber.Getresuid, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Setresgid, SupportLevel.Partial, "passed to the host", static (t, a) => Syscall(SyscallNumber.Setresgid, (long)a[0], (long)a[1], (long)a[2]));
        b.Add(SyscallNumber.Getresgid, SupportLevel.Full, "", static (t, a) => ResIds(t, SyscallNumber.Getresgid, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Getpgid, SupportLevel.Full, "processes of the sandbox only", static (t, a) => OfSandboxProcess(t, SyscallNumber.Getpgid, (int)a[0]));
        b.Add(SyscallNumber.Getsid, SupportLevel.Full, "processes of the sandbox only", static (t, a) => OfSandboxProcess(t, SyscallNumber.Getsid, (int)a[0]));
        b.Add(SyscallNumber.Setrlimit, SupportLevel.Partial, "validated and recorded for the guest, not applied to the host", static (t, a) => a[1] == 0 ? Efault : Prlimit(t, 0, (uint)a[0], a[1], 0));
        b.Add(SyscallNumber.Setgroups, SupportLevel.Partial, "passed to the host (EPERM unless the runner is privileged)", static (t, a) => SetGroups(t, a[0], a[1]));
        b.Add(SyscallNumber.Gettid, SupportLevel.Full, "", static (t, a) => t.Tid);
        b.Add(SyscallNumber.Prlimit64, SupportLevel.Partial, "the guest's own limits (recorded, not applied to the host); another process's limits are read-only host facts", static (t, a) => Prlimit(t, a[0], (uint)a[1], a[2], a[3]));
        b.Add(SyscallNumber.Clone3, SupportLevel.Partial, "as clone, from struct clone_args (the child's stack pointer is stack + stack_size; CLONE_PIDFD writes a pidfd); set_tid, CLONE_INTO_CGROUP and CLONE_CLEAR_SIGHAND answer EINVAL", static (t, a) => Clone3(t, a[0], a[1]));
    }

    private const ulong CloneSetTls = (ulong)CloneFlags.SetTls;
    private const ulong ClonePidfd = (ulong)CloneFlags.PidFd;
    private const ulong CloneExitSignalMask = (ulong)CloneFlags.ExitSignalMask;

    // struct clone_args: eleven u64 fields; version 0 ends after tls, version 2 (set_tid, set_tid_size, cgroup) at 88.
    private const int CloneArgsVersion0Size = 64;
    private const int CloneArgsKnownSize = 88;
    private const int CloneArgsFlags = 0;
    private const int CloneArgsPidfd = 8;
    private const int CloneArgsChildTid = 16;
    private const int CloneArgsParentTid = 24;
    private const int CloneArgsExitSignal = 32;
    private const int CloneArgsStack = 40;
    private const int CloneArgsStackSize = 48;
    private const int CloneArgsTls = 56;
    private const int CloneArgsSetTid = 64;
    private const int CloneArgsSetTidSize = 72;
    private const ulong CloneVfork = (ulong)CloneFlags.Vfork;
    private const ulong CloneVm = (ulong)CloneFlags.Vm;
    private const ulong CloneParentSetTid = (ulong)CloneFlags.ParentSetTid;
    private const ulong CloneChildSetTid = (ulong)CloneFlags.ChildSetTid;

    /// <summary>clone3: <c>struct clone_args</c> (its version-0 size of 64 bytes and up, any later fields zero), then
    /// the clone path. The checks are Linux's <c>copy_clone_args_from_user</c> and <c>clone3_args_valid</c>.</summary>
    private static long Clone3(Task t, ulong argsAddr, ulong size)
    {
        if (size < CloneArgsVersion0Size)
        {
            return Einval;
        }

        Span<byte> args = stackalloc byte[CloneArgsKnownSize];
        LinuxError e;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            e = UserCopy.CopyStructFromUser(in access, args, UserConstPtr<byte>.FromAddress(new VirtAddr(argsAddr)), size);
        }

        if (e != LinuxError.None)
        {
            return Errno(e); // EFAULT, or E2BIG for a larger struct whose extra bytes are not zero
        }

        ulong flags = Field(args, CloneArgsFlags);
        ulong pidfd = Field(args, CloneArgsPidfd);
        ulong childTid = Field(args, CloneArgsChildTid);
        ulong parentTid = Field(args, CloneArgsParentTid);
        ulong exitSignal = Field(args, CloneArgsExitSignal);
        ulong stack = Field(args, CloneArgsStack);
        ulong stackSize = Field(args, CloneArgsStackSize);
        ulong tls = Field(args, CloneArgsTls);
        if ((exitSignal & ~CloneExitSignalMask) != 0 || exitSignal > SignalNumber.SIGRTMAX
            || (flags & (CloneExitSignalMask | (ulong)CloneFlags.Detached | (ulong)CloneFlags.IntoCgroup | (ulong)CloneFlags.ClearSignalHandlers)) != 0
            || Field(args, CloneArgsSetTid) != 0 || Field(args, CloneArgsSetTidSize) != 0
            || (stack == 0) != (stackSize == 0) || (stack != 0 && stack + stackSize < stack)
            || ((flags & ClonePidfd) != 0 && (flags & (ulong)CloneFlags.Thread) != 0))
        {
            return Einval;
        }

        long pid = Clone(t, (flags & ~ClonePidfd) | exitSignal, stack == 0 ? 0 : stack + stackSize, parentTid, childTid, tls);
        if (pid > 0 && (flags & ClonePidfd) != 0)
        {
            WritePidfd(t, pid, pidfd);
        }

        return pid;
    }

    private static ulong Field(ReadOnlySpan<byte> args, int offset) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(args[offset..]);

    /// <summary>CLONE_PIDFD: a pidfd for the new child, its number written as an int at <paramref name="address"/>
    /// (the child exists already, so a failure here leaves the guest without the descriptor, as a bad address would
    /// on Linux after its own checks).</summary>
    private static void WritePidfd(Task t, long pid, ulong address)
    {
        long fd = PidfdSyscalls.OpenFor(t, (int)pid);
        if (fd >= 0)
        {
            t.WriteI32(address, (int)fd);
        }
    }

    private static long Clone(Task t, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        long invalid = CloneSyscall.Validate(flags);
        if (invalid < 0)
        {
            return invalid;
        }

        if ((flags & CloneSetTls) != 0 && !SegmentBaseLimit.IsAllowed(tls))
        {
            return Errno(LinuxError.EPERM); // copy_thread's ARCH_SET_FS check
        }

        if (CloneSyscall.IsThread(flags))
        {
            return CloneSyscall.CreateThread(t, flags, stack, parentTid, childTid, tls);
        }

        var regs = ForkState.CaptureRegisters(t.Cpu);
        regs[ForkState.RipIndex] += 2; // past the syscall instruction
        regs[ForkState.RaxIndex] = 0; // the child's fork() returns 0
        if (stack != 0)
        {
            regs[ForkState.RspIndex] = stack;
        }

        if ((flags & CloneSetTls) != 0)
        {
            regs[ForkState.FsBaseIndex] = tls;
        }

        ulong setTid = (flags & CloneChildSetTid) != 0 ? childTid : 0;
        long pid = ForkState.Spawn(t, regs, setTid, vfork: (flags & CloneVfork) != 0);
        if (pid > 0 && (flags & CloneParentSetTid) != 0)
        {
            t.WriteI32(parentTid, (int)pid);
        }

        if (pid > 0 && (flags & ClonePidfd) != 0)
        {
            WritePidfd(t, pid, parentTid); // clone's CLONE_PIDFD reuses parent_tid
        }

        return pid;
    }

    /// <summary>getpgid / getsid: the caller (0 or its pid) or another process of the sandbox; a host process outside
    /// it does not exist for the guest (ESRCH).</summary>
    private static long OfSandboxProcess(Task t, SyscallNumber nr, int pid) =>
        pid == 0 || pid == t.Group.Pid || SandboxTable.Contains(pid) ? Syscall(nr, pid) : -(long)LinuxError.ESRCH;

    private static long Wait4(Task t, long pid, ulong statusAddr, ulong options, ulong rusageAddr)
    {
        byte[] status = new byte[4];
        byte[] rusage = new byte[144];
        long r = InterruptibleChildWait.Wait4(t, pid, status, rusage, (long)options);
        if (r <= 0)
        {
            return r;
        }

        int code = BitConverter.ToInt32(status);
        if ((code & WaitStoppedMarkMask) != WaitStoppedMark && code != WaitContinuedStatus)
        {
            SandboxTable.Unregister((int)r); // reaped: its pid may now be reused by any host process
        }

        if ((statusAddr != 0 && t.CopyOut(statusAddr, status) < 0) || (rusageAddr != 0 && t.CopyOut(rusageAddr, rusage) < 0))
        {
            return Efault;
        }

        return r;
    }

    private static long Execve(Task t, ulong pathAddr, ulong argvAddr, ulong envpAddr)
    {
        // Everything is validated and copied before anything is given up.
        long r = t.ReadPath(pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        // Linux's order (do_execveat_common): the file is looked up and opened before argv and envp are read, so a
        // missing program is ENOENT whatever the vectors hold.
        r = FsPaths.ExecTarget(t, path[..^1], out byte[] program, out byte[] runnerProgram);
        if (r < 0 || (r = ExecutableCheck.CheckExecutable(program)) < 0)
        {
            return r;
        }

        UserResult<ExecArguments> copied;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            copied = UserCopy.CopyExecArgumentsFromUser(in access, UserConstPtr<ulong>.FromAddress(new VirtAddr(argvAddr)), UserConstPtr<ulong>.FromAddress(new VirtAddr(envpAddr)));
        }

        if (!copied.TryGetValue(out ExecArguments? arguments))
        {
            return -(long)copied.Error;
        }

        var argv = new List<byte[]>(arguments.Arguments);
        var envp = new List<byte[]>(arguments.Environment);

        if (t.Fs.IsConfined)
        {
            // The next runner re-roots the guest path and handles #! itself; check a copy now.
            r = ExecutableCheck.Resolve(ref program, new List<byte[]>(argv));
            program = runnerProgram;
        }
        else
        {
            r = ExecutableCheck.Resolve(ref program, argv);
        }

        if (r < 0)
        {
            return r;
        }

        // Guest close-on-exec descriptors become host close-on-exec for the host execve (undone if it fails).
        var closing = new List<int>();
        foreach (int g in t.Fds.GuestDescriptors())
        {
            if (t.Fds.IsCloseOnExec(g))
            {
                closing.Add(t.Fds.HostOf(g));
            }
        }

        foreach (int h in closing)
        {
            RunnerDescriptors.SetCloseOnExec(h, true);
        }

        FdTable next = FdTable.Parse(t.Fds.Serialize());
        next.RemoveCloseOnExec();
        r = ExecHandoff.Execute(t, program, path[..^1], argv, envp, next);
        foreach (int h in closing)
        {
            RunnerDescriptors.SetCloseOnExec(h, false);
        }

        if (r == 0)
        {
            // Replaced inside this runner: close what the host execve would have closed.
            HashSet<int> kept = next.HostDescriptors();
            foreach (int h in closing)
            {
                if (!kept.Contains(h))
                {
                    _ = Syscall(SyscallNumber.Close, h);
                }
            }
        }

        return r;
    }

    /// <summary>NGROUPS_MAX: the most supplementary groups a process has.</summary>
    private const int MaxGroups = 65536;

    /// <summary>The size of one <c>gid_t</c>.</summary>
    private const int GroupIdSize = 4;

    private static long GetGroups(Task t, ulong size, ulong listAddr)
    {
        // Linux takes an int: the upper 32 bits are ignored, a negative count is EINVAL.
        int count = unchecked((int)size);
        if (count < 0)
        {
            return Einval;
        }

        byte[] list = new byte[Math.Min(count, MaxGroups) * GroupIdSize];
        long r = HostSpanCall(SyscallNumber.Getgroups, list, 1, Math.Min(count, MaxGroups));
        return r <= 0 || count == 0 ? r : (t.CopyOut(listAddr, list.AsSpan(0, (int)r * GroupIdSize)) < 0 ? Efault : r);
    }

    private static long SetGroups(Task t, ulong size, ulong listAddr)
    {
        // Linux takes an int and checks the count (EINVAL) before privilege (EPERM) and the list (EFAULT).
        uint count = unchecked((uint)size);
        if (count > MaxGroups)
        {
            return Einval;
        }

        byte[] list = new byte[count * GroupIdSize];
        if (count > 0 && t.CopyIn(listAddr, list) < 0)
        {
            // Let the host order EPERM before EFAULT: it sees an unreadable list too.
            return Syscall(SyscallNumber.Setgroups, count, 0);
        }

        return HostSpanCall(SyscallNumber.Setgroups, list, 1, count);
    }

    /// <summary>The bytes of <c>siginfo_t</c> that <c>waitid</c> writes: si_signo, si_errno, si_code (0..12) and
    /// si_pid, si_uid, si_status (16..28); the rest of the guest's buffer is left alone, as on Linux.</summary>
    private const int WaitInfoHeadEnd = 12;

    private const int WaitInfoChildStart = 16;

    private const int WaitInfoChildEnd = 28;

    private const int SigInfoSize = 128;

    private const int RusageBytes = 144;

    // wait4 statuses that report a live child (stopped: low byte 0x7f; continued: 0xffff), and waitid's reaping codes.
    private const int WaitStoppedMarkMask = 0xff;
    private const int WaitStoppedMark = 0x7f;
    private const int WaitContinuedStatus = 0xffff;
    private const ulong WaitNoWait = 0x0100_0000;
    private const int WaitInfoCodeOffset = 8;
    private const int WaitInfoPidOffset = 16;
    private const int ChildExited = 1;
    private const int ChildKilled = 2;
    private const int ChildDumped = 3;

    private static long Waitid(Task t, ulong idType, ulong id, ulong infoAddr, ulong options, ulong rusageAddr)
    {
        byte[] info = new byte[SigInfoSize];
        byte[] rusage = new byte[RusageBytes];
        long r = InterruptibleChildWait.Waitid(t, (long)idType, (long)id, info, rusage, (long)options);
        bool reaped = false;
        if (r < 0)
        {
            Array.Clear(info); // Linux stores an empty siginfo even for a failed wait
        }
        else
        {
            int childCode = BitConverter.ToInt32(info, WaitInfoCodeOffset);
            reaped = BitConverter.ToInt32(info, 0) != 0;
            if ((options & WaitNoWait) == 0 && childCode is ChildExited or ChildKilled or ChildDumped)
            {
                SandboxTable.Unregister(BitConverter.ToInt32(info, WaitInfoPidOffset));
            }
        }

        // Linux's order (waitid): the rusage only when a child was found, then the siginfo whenever infop is given,
        // so a bad infop is EFAULT even when there was no child to wait for (ECHILD) or the options were bad.
        if (reaped && rusageAddr != 0 && t.CopyOut(rusageAddr, rusage) < 0)
        {
            return Efault;
        }

        if (infoAddr != 0
            && (t.CopyOut(infoAddr, info.AsSpan(0, WaitInfoHeadEnd)) < 0
                || t.CopyOut(infoAddr + WaitInfoChildStart, info.AsSpan(WaitInfoChildStart, WaitInfoChildEnd - WaitInfoChildStart)) < 0))
        {
            return Efault;
        }

        return r;
    }

    private static long ResIds(Task t, SyscallNumber nr, ulong a, ulong b, ulong c)
    {
        byte[] all = new byte[12];
        long r = HostLinux.ResIds((long)nr, all);
        if (r < 0)
        {
            return r;
        }

        ulong[] addrs = [a, b, c];
        for (int i = 0; i < 3; i++)
        {
            if (t.CopyOut(addrs[i], all.AsSpan(i * 4, 4)) < 0)
            {
                return Efault;
            }
        }

        return 0;
    }

    private const int RlimitBytes = 16;

    /// <summary>getrlimit: unlike prlimit64, the limit is always copied out, so a NULL pointer is EFAULT (after the
    /// resource check, as Linux's do_prlimit runs first). setrlimit likewise always copies the new limit in (NULL is
    /// EFAULT before anything else). Both take the resource as an <c>unsigned int</c>.</summary>
    private static long Getrlimit(Task t, uint resource, ulong oldAddr) =>
        !t.Group.Limits.TryGet(resource, out _) ? Einval : oldAddr == 0 ? Efault : Prlimit(t, 0, resource, 0, oldAddr);

    private static long Prlimit(Task t, ulong pid, ulong resource, ulong newAddr, ulong oldAddr)
    {
        // Linux's order (prlimit64, do_prlimit): copy the new limit in, find the process, then check the resource.
        RLimit wanted = default;
        if (newAddr != 0)
        {
            if (t.ReadU64(newAddr, out ulong cur) < 0 || t.ReadU64(newAddr + 8, out ulong max) < 0)
            {
                return Efault;
            }

            wanted = new RLimit { Current = cur, Maximum = max };
        }

        int target = unchecked((int)pid); // pid_t
        if (target != 0 && target != t.Group.Pid)
        {
            return SandboxTable.Contains(target) ? OtherProcessLimit(t, target, resource, newAddr != 0, oldAddr) : -(long)LinuxError.ESRCH;
        }

        if (!t.Group.Limits.TryGet(resource, out RLimit old))
        {
            return Einval;
        }

        if (newAddr != 0)
        {
            bool privileged = Syscall(SyscallNumber.Geteuid) == 0;
            LinuxError e = t.Group.Limits.TrySet(resource, wanted, privileged);
            if (e != LinuxError.None)
            {
                return Errno(e);
            }

            t.Group.SyncFileLimit();
        }

        if (oldAddr == 0)
        {
            return 0;
        }

        byte[] bytes = new byte[RlimitBytes];
        BitConverter.TryWriteBytes(bytes, old.Current);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), old.Maximum);
        return t.CopyOut(oldAddr, bytes) < 0 ? Efault : 0;
    }

    /// <summary>Another process's limits are host facts, read-only: the host answers ESRCH for a missing pid and EINVAL
    /// for a bad resource; changing them is EPERM (a guest may not change a host process's limits).</summary>
    private static long OtherProcessLimit(Task t, int pid, ulong resource, bool changing, ulong oldAddr)
    {
        byte[] old = new byte[RlimitBytes];
        long r = HostSpanCall(SyscallNumber.Prlimit64, old, 3, pid, (long)resource, 0, 0);
        if (r < 0)
        {
            return r;
        }

        if (changing)
        {
            return Errno(LinuxError.EPERM);
        }

        return oldAddr == 0 ? 0 : (t.CopyOut(oldAddr, old) < 0 ? Efault : 0);
    }

    private static long ExitThread(Task t, ulong status)
    {
        t.Kernel.Tracer?.Exiting((int)status);
        t.ExitThread((int)status);
        return 0;
    }

    private static long ExitSyscall(Task t, ulong status)
    {
        t.Kernel.Tracer?.Exiting((int)status);
        t.Group.Exit((int)status);
        return 0;
    }
}
