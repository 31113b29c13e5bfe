using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Elf;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>fork/clone, execve and wait4. Every guest process is a host runner process with the same pid: fork
/// spawns a runner that resumes a snapshot, execve re-executes the runner with the new program.</summary>
public sealed partial class GuestProcess
{
    private const ulong CloneVm = 0x100;
    private const ulong CloneVfork = 0x4000;
    private const ulong CloneSetTls = 0x80000;
    private const ulong CloneParentSetTid = 0x100000;
    private const ulong CloneChildSetTid = 0x1000000;

    private long Clone(ulong flags, ulong stack, ulong parentTid, ulong childTid, ulong tls)
    {
        if ((flags & CloneVm) != 0 && (flags & CloneVfork) == 0)
        {
            return -(long)LinuxError.ENOSYS; // threads are not supported
        }

        var regs = ForkState.CaptureRegisters(Cpu);
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
        long pid = ForkState.Spawn(this, regs, setTid);
        if (pid > 0 && (flags & CloneParentSetTid) != 0)
        {
            WriteI32(parentTid, (int)pid);
        }

        return pid;
    }

    private long Wait4(long pid, ulong statusAddr, ulong options, ulong rusageAddr)
    {
        byte[] status = new byte[4];
        byte[] rusage = new byte[144];
        long r = HostSpanCall2(61, status, 1, rusage, 3, pid, 0, (long)options, 0);
        if (r <= 0)
        {
            return r;
        }

        if ((statusAddr != 0 && CopyOut(statusAddr, status) < 0) || (rusageAddr != 0 && CopyOut(rusageAddr, rusage) < 0))
        {
            return Efault;
        }

        return r;
    }

    private long Execve(ulong pathAddr, ulong argvAddr, ulong envpAddr)
    {
        // Everything is validated and copied before anything is given up.
        long r = ReadPath(pathAddr, false, out byte[] path);
        if (r < 0)
        {
            return r;
        }

        UserResult<ExecArguments> copied;
        using (UserAccess access = UserAccess.Begin(Space))
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

        _tracer?.ExecStarting();

        // Guest close-on-exec descriptors become host close-on-exec for the host execve (undone if it fails).
        var closing = new List<int>();
        foreach (int g in Fds.GuestDescriptors())
        {
            if (Fds.IsCloseOnExec(g))
            {
                closing.Add(Fds.HostOf(g));
            }
        }

        foreach (int h in closing)
        {
            Syscall(72, h, 2, 1);
        }

        FdTable next = FdTable.Parse(Fds.Serialize());
        next.RemoveCloseOnExec();
        var ignored = new StringBuilder();
        for (int s = 1; s <= MaxSignal; s++)
        {
            if (SignalHandlers[s] == 1)
            {
                ignored.Append(ignored.Length == 0 ? string.Empty : ",").Append(s.ToString(CultureInfo.InvariantCulture));
            }
        }

        string state = next.Serialize() + ";" + (ignored.Length == 0 ? "-" : ignored.ToString()) + ";" + SignalMask.ToString(CultureInfo.InvariantCulture);
        List<byte[]> runnerArgs = RunnerArguments(["--exec-state", state]);
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
        r = HostLinux.Execute(Nul(Options.RunnerPath), runnerArgs.ToArray(), env);
        foreach (int h in closing)
        {
            Syscall(72, h, 2, 0);
        }

        return r;
    }

    /// <summary>The runner's own argv prefix for a new runner process (path, prefix arguments, trace flag) followed by
    /// <paramref name="extra"/>.</summary>
    internal List<byte[]> RunnerArguments(string[] extra)
    {
        var list = new List<byte[]> { Nul(Options.RunnerPath) };
        foreach (string s in Options.RunnerPrefixArguments)
        {
            list.Add(Nul(s));
        }

        if (Options.Trace)
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
}
