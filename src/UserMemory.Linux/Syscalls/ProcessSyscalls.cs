using System.Collections.Generic;
using System.Globalization;
using System.Text;
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
        b.Add(SyscallNumber.Clone, SupportLevel.Partial, "fork semantics only: CLONE_VM without CLONE_VFORK (threads) is ENOSYS", static (t, a) => Clone(t, a[0], a[1], a[2], a[3], a[4]));
        b.Add(SyscallNumber.Fork, SupportLevel.Full, "", static (t, a) => Clone(t, SignalNumber.SIGCHLD, 0, 0, 0, 0));
        b.Add(SyscallNumber.Vfork, SupportLevel.Partial, "a plain fork (the parent does not wait)", static (t, a) => Clone(t, SignalNumber.SIGCHLD, 0, 0, 0, 0));
        b.Add(SyscallNumber.Execve, SupportLevel.Partial, "static executables and #! scripts; PT_INTERP is ENOEXEC", static (t, a) => Execve(t, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Exit, SupportLevel.Partial, "ends the whole group (one thread per group)", static (t, a) => ExitSyscall(t, a[0]));
        b.Add(SyscallNumber.ExitGroup, SupportLevel.Full, "", static (t, a) => ExitSyscall(t, a[0]));
        b.Add(SyscallNumber.Wait4, SupportLevel.Full, "", static (t, a) => Wait4(t, (long)a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Getrlimit, SupportLevel.Partial, "the runner's host limits", static (t, a) => OutCall(t, SyscallNumber.Getrlimit, a[1], RlimitSize, (long)a[0]));
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
        b.Add(SyscallNumber.Getpgid, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Getpgid, (long)a[0]));
        b.Add(SyscallNumber.Getsid, SupportLevel.Full, "", static (t, a) => Syscall(SyscallNumber.Getsid, (long)a[0]));
        b.Add(SyscallNumber.Setrlimit, SupportLevel.Stub, "refused with EPERM", static (t, a) => Errno(LinuxError.EPERM));
        b.Add(SyscallNumber.Gettid, SupportLevel.Full, "", static (t, a) => t.Tid);
        b.Add(SyscallNumber.Prlimit64, SupportLevel.Partial, "new limits are accepted but not applied; old ones are the runner's", static (t, a) => Prlimit(t, a[0], a[1], a[2], a[3]));
        b.Add(SyscallNumber.Clone3, SupportLevel.Unsupported, "libcs fall back to clone", static (t, a) => Errno(LinuxError.ENOSYS));
    }

    private const ulong CloneVm = (ulong)CloneFlags.Vm;
    private const ulong CloneVfork = (ulong)CloneFlags.Vfork;
    private const ulong CloneSetTls = (ulong)CloneFlags.SetTls;
    private const ulong CloneParentSetTid = (ulong)CloneFlags.ParentSetTid;
    private const ulong CloneChildSetTid = (ulong)CloneFlags.ChildSetTid;

    private static long Clone(Task t, ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        if ((flags & CloneVm) != 0 && (flags & CloneVfork) == 0)
        {
            return -(long)LinuxError.ENOSYS; // threads are not supported
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
        long pid = ForkState.Spawn(t, regs, setTid);
        if (pid > 0 && (flags & CloneParentSetTid) != 0)
        {
            t.WriteI32(parentTid, (int)pid);
        }

        return pid;
    }

    private static long Wait4(Task t, long pid, ulong statusAddr, ulong options, ulong rusageAddr)
    {
        byte[] status = new byte[4];
        byte[] rusage = new byte[144];
        long r = InterruptibleChildWait.Wait4(t, pid, status, rusage, (long)options);
        if (r <= 0)
        {
            return r;
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
        byte[] program = path[..^1];
        r = ExecutableCheck.Resolve(ref program, argv);
        if (r < 0)
        {
            return r;
        }

        t.Kernel.Tracer?.ExecStarting();

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
            Syscall(SyscallNumber.Fcntl, h, 2, 1);
        }

        FdTable next = FdTable.Parse(t.Fds.Serialize());
        next.RemoveCloseOnExec();
        var ignored = new StringBuilder();
        for (int s = 1; s <= ThreadGroup.MaxSignal; s++)
        {
            if (t.Group.SignalHandlers[s] == 1)
            {
                ignored.Append(ignored.Length == 0 ? string.Empty : ",").Append(s.ToString(CultureInfo.InvariantCulture));
            }
        }

        string state = next.Serialize() + ";" + (ignored.Length == 0 ? "-" : ignored.ToString()) + ";" + t.SignalMask.ToString(CultureInfo.InvariantCulture);
        List<byte[]> runnerArgs = RunnerArguments(t, ["--exec-state", state]);
        if (argv.Count > 0)
        {
            runnerArgs.Add(Nul("--argv0"));
            runnerArgs.Add(Nul(argv[0]));
        }
        else
        {
            runnerArgs.Add(Nul("--no-argv"));
        }

        runnerArgs.Add(Nul("--"));
        runnerArgs.Add(Nul(program));
        for (int i = 1; i < argv.Count; i++)
        {
            runnerArgs.Add(Nul(argv[i]));
        }

        byte[][] env = envp.ConvertAll(Nul).ToArray();
        SignalDelivery.PreserveAcrossExec(t);
        r = HostLinux.Execute(Nul(t.Group.Options.RunnerPath), runnerArgs.ToArray(), env);
        foreach (int h in closing)
        {
            Syscall(SyscallNumber.Fcntl, h, 2, 0);
        }

        return r;
    }

    /// <summary>The runner's own argv prefix for a new runner process (path, prefix arguments, trace flag) followed by
    /// <paramref name="extra"/>.</summary>
    internal static List<byte[]> RunnerArguments(Task t, string[] extra)
    {
        var list = new List<byte[]> { Nul(t.Group.Options.RunnerPath) };
        foreach (string s in t.Group.Options.RunnerPrefixArguments)
        {
            list.Add(Nul(s));
        }

        if (t.Group.Options.Trace)
        {
            list.Add(Nul("--strace"));
        }

        foreach (string s in extra)
        {
            list.Add(Nul(s));
        }

        return list;
    }

    internal static byte[] Nul(string s) => Nul(Encoding.UTF8.GetBytes(s));

    internal static byte[] Nul(byte[] s)
    {
        byte[] r = new byte[s.Length + 1];
        s.CopyTo(r, 0);
        return r;
    }

    private static long GetGroups(Task t, ulong size, ulong listAddr)
    {
        if ((int)size < 0)
        {
            return Einval;
        }

        byte[] list = new byte[Math.Min((int)size, 65536) * 4];
        long r = HostSpanCall(SyscallNumber.Getgroups, list, 1, (long)Math.Min((int)size, 65536));
        return r <= 0 || size == 0 ? r : (t.CopyOut(listAddr, list.AsSpan(0, (int)r * 4)) < 0 ? Efault : r);
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

    private static long Prlimit(Task t, ulong pid, ulong resource, ulong newAddr, ulong oldAddr)
    {
        if (pid != 0 && (long)pid != t.Group.Pid)
        {
            return -(long)LinuxError.EPERM;
        }

        if (newAddr != 0)
        {
            byte[] limit = new byte[16];
            if (t.CopyIn(newAddr, limit) < 0)
            {
                return Efault;
            }

            // Accepted but not applied to the host runner (its limits are the runtime's, not the guest's).
        }

        if (oldAddr == 0)
        {
            return 0;
        }

        byte[] old = new byte[16];
        long r = HostSpanCall(SyscallNumber.Prlimit64, old, 3, 0, (long)resource, 0, 0);
        return r < 0 ? r : (t.CopyOut(oldAddr, old) < 0 ? Efault : 0);
    }

    private static long ExitSyscall(Task t, ulong status)
    {
        t.Kernel.Tracer?.Exiting((int)status);
        t.Group.Exit((int)status);
        return 0;
    }
}
