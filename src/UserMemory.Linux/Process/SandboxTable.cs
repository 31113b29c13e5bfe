using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// The guest's pid namespace: every runner process of one sandbox (the first runner and every process it forks, at
/// any depth), listed in a table all of them share. A guest names other processes by pid (<c>kill</c>,
/// <c>tgkill</c>, <c>rt_sigqueueinfo</c>, <c>getpgid</c>, …); a pid outside this table does not exist for it
/// (ESRCH), so no guest can signal or inspect host processes that are not guests of the same sandbox, however it
/// spells the target (a pid, its own group, another group, or -1 for "everyone").
/// </summary>
/// <remarks>
/// <para>The table is a memfd at <see cref="RunnerDescriptors.Sandbox"/>, created by the first runner, inherited by
/// every next runner (fork children and execve successors) and sealed against resizing. It is read and written with
/// <c>pread</c>/<c>pwrite</c> under a POSIX record lock (per process, so it excludes the other runners although they
/// share one open file description) — never mapped, so no other process can make this one fault.</para>
/// <para>Each slot holds a pid and its start time (<see cref="HostProcessIdentity"/>). A parent registers its child
/// as soon as the child exists, before fork returns to the guest, and removes it when the guest reaps it; a slot
/// whose process has gone without being reaped here (an orphan reaped by the host's init) no longer matches its start
/// time and is treated as empty.</para>
/// </remarks>
public static class SandboxTable
{
    /// <summary>How many processes one sandbox can hold at once; a fork beyond it fails with EAGAIN (as Linux's
    /// <c>RLIMIT_NPROC</c> does).</summary>
    /// <remarks>Each guest process is a runner process: about 4 MiB of host memory and four host threads before the
    /// guest touches anything (measured with 200 idle children: 3.7 MiB each). At 8 192 a fork bomb took 32 768 host
    /// tasks, the whole of a default <c>kernel.pid_max</c>, and more memory than these 24 GiB machines have; 1 024
    /// keeps it to about 4 GiB and 4 096 tasks, far above what shells, build tools and test suites run at once.</remarks>
    public const int Capacity = 1024;

    private const int SlotSize = 16;
    private const int PidOffset = 0;
    private const int StartTimeOffset = 8;

    /// <summary>The table's size in this sandbox: one slot per process it may hold (<see cref="Create"/>'s limit, at
    /// most <see cref="Capacity"/>).</summary>
    private static int s_size = Capacity * SlotSize;

    /// <summary>How many processes this sandbox may hold.</summary>
    internal static int Limit => s_size / SlotSize;

    /// <summary>The table's size is fixed; its content changes (members come and go).</summary>
    private const long ResizeSeals = (long)(MemfdSeals.Shrink | MemfdSeals.Grow);

    private const long SeekEnd = 2;

    private const short WriteLock = 1;
    private const short Unlock = 2;

    private static readonly object InProcess = new();

    /// <summary>True when this runner has a table (the runner started it or inherited it); false in a kernel built
    /// without a runner (tests), where no other process is reachable.</summary>
    internal static bool IsAttached { get; private set; }

    /// <summary>The first runner: creates the table at <see cref="RunnerDescriptors.Sandbox"/>, sized for
    /// <paramref name="maxProcesses"/> members, and registers this process.</summary>
    /// <param name="maxProcesses">The most processes the sandbox may hold at once, this one included: 1 to
    /// <see cref="Capacity"/> (the runner's <c>--max-processes</c>).</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxProcesses"/> is out of range.</exception>
    public static long Create(int maxProcesses = Capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxProcesses, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxProcesses, Capacity);
        s_size = maxProcesses * SlotSize;
        long fd = HostLinux.Syscall((long)SyscallNumber.MemfdCreate, "usermem-sandbox\0"u8.ToArray(), 0, [0, (long)(MemfdFlags.CloseOnExec | MemfdFlags.AllowSealing), 0, 0, 0, 0]);
        if (fd < 0)
        {
            return fd;
        }

        long r = HostLinux.Syscall((long)SyscallNumber.Ftruncate, fd, s_size);
        if (r >= 0)
        {
            r = HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.AddSeals, ResizeSeals | (long)MemfdSeals.Seal);
        }

        if (r < 0)
        {
            HostLinux.Syscall((long)SyscallNumber.Close, fd);
            return r;
        }

        r = RunnerDescriptors.MoveTo(fd, RunnerDescriptors.Sandbox);
        if (r < 0)
        {
            return r;
        }

        IsAttached = true;
        int self = (int)HostLinux.Syscall((long)SyscallNumber.Getpid);
        return Register(self) ? 0 : -(long)LinuxError.EAGAIN;
    }

    /// <summary>A next runner: takes over the table its predecessor left at <see cref="RunnerDescriptors.Sandbox"/>
    /// (close-on-exec again). A runner started with a hand-off state but no table (by something other than a runner:
    /// whoever can do that can run any program anyway) starts a sandbox of its own.</summary>
    /// <returns>0 or <c>-errno</c>.</returns>
    internal static long Attach()
    {
        long seals = HostLinux.Syscall((long)SyscallNumber.Fcntl, RunnerDescriptors.Sandbox, (long)FcntlCommand.GetSeals);
        long size = HostLinux.Syscall((long)SyscallNumber.Lseek, RunnerDescriptors.Sandbox, 0, SeekEnd);
        if (seals < 0 || (seals & ResizeSeals) != ResizeSeals || size < SlotSize || size > Capacity * SlotSize || size % SlotSize != 0)
        {
            return Create();
        }

        s_size = (int)size;

        long r = RunnerDescriptors.SetCloseOnExec(RunnerDescriptors.Sandbox, true);
        IsAttached = r >= 0;
        return r;
    }

    /// <summary>Adds host process <paramref name="pid"/> (a child this runner just started) to the sandbox.</summary>
    /// <param name="pid">The pid.</param>
    /// <returns>False when the table is full of live processes (or the process is already gone).</returns>
    internal static bool Register(int pid)
    {
        long startTime = HostProcessIdentity.StartTime(pid);
        if (!IsAttached || startTime == 0)
        {
            return false;
        }

        return Update(table =>
        {
            int free = -1;
            for (int i = 0; i < Limit; i++)
            {
                int p = Slot(table, i).Pid;
                if (p == pid)
                {
                    SetSlot(table, i, 0, 0); // an entry left by an earlier process with this number
                    p = 0;
                }

                if (p == 0 && free < 0)
                {
                    free = i;
                }
            }

            // Full: entries whose processes are gone (orphans the host's init reaped) make room.
            for (int i = 0; free < 0 && i < Limit; i++)
            {
                (int p, long start) = Slot(table, i);
                if (!IsLive(p, start))
                {
                    free = i;
                }
            }

            if (free < 0)
            {
                return false;
            }

            SetSlot(table, free, pid, startTime);
            return true;
        });
    }

    /// <summary>Removes <paramref name="pid"/> (reaped by the guest, or never started).</summary>
    /// <param name="pid">The pid.</param>
    internal static void Unregister(int pid)
    {
        if (!IsAttached || pid <= 0)
        {
            return;
        }

        Update(table =>
        {
            bool changed = false;
            for (int i = 0; i < Limit; i++)
            {
                if (Slot(table, i).Pid == pid)
                {
                    SetSlot(table, i, 0, 0);
                    changed = true;
                }
            }

            return changed;
        });
    }

    /// <summary>True when host process <paramref name="pid"/> is a live member of this sandbox.</summary>
    /// <param name="pid">The pid.</param>
    /// <returns>Whether the guest may name it.</returns>
    internal static bool Contains(int pid)
    {
        if (!IsAttached || pid <= 0)
        {
            return false;
        }

        byte[] table = Read();
        for (int i = 0; i < Limit; i++)
        {
            (int p, long start) = Slot(table, i);
            if (p == pid)
            {
                return IsLive(p, start);
            }
        }

        return false;
    }

    /// <summary>The live members, this process included.</summary>
    /// <returns>Their pids.</returns>
    internal static List<int> Members()
    {
        var members = new List<int>();
        if (!IsAttached)
        {
            return members;
        }

        byte[] table = Read();
        for (int i = 0; i < Limit; i++)
        {
            (int p, long start) = Slot(table, i);
            if (p != 0 && IsLive(p, start))
            {
                members.Add(p);
            }
        }

        return members;
    }

    private static bool IsLive(int pid, long startTime) => pid > 0 && startTime != 0 && HostProcessIdentity.StartTime(pid) == startTime;

    private static (int Pid, long StartTime) Slot(byte[] table, int index) =>
        (BinaryPrimitives.ReadInt32LittleEndian(table.AsSpan((index * SlotSize) + PidOffset)), BinaryPrimitives.ReadInt64LittleEndian(table.AsSpan((index * SlotSize) + StartTimeOffset)));

    private static void SetSlot(byte[] table, int index, int pid, long startTime)
    {
        BinaryPrimitives.WriteInt32LittleEndian(table.AsSpan((index * SlotSize) + PidOffset), pid);
        BinaryPrimitives.WriteInt64LittleEndian(table.AsSpan((index * SlotSize) + StartTimeOffset), startTime);
    }

    /// <summary>A snapshot of the table (a torn read of a slot being written is harmless: its start time cannot match a
    /// live process unless it is whole).</summary>
    private static byte[] Read()
    {
        byte[] table = new byte[s_size];
        return HostLinux.ReadExactlyAt(RunnerDescriptors.Sandbox, table, 0) < 0 ? new byte[s_size] : table;
    }

    /// <summary>Reads, changes and writes the table back under the lock, when <paramref name="change"/> says it
    /// changed something.</summary>
    private static bool Update(Func<byte[], bool> change)
    {
        lock (InProcess)
        {
            if (Lock(WriteLock) < 0)
            {
                return false;
            }

            try
            {
                byte[] table = new byte[s_size];
                if (HostLinux.ReadExactlyAt(RunnerDescriptors.Sandbox, table, 0) < 0 || !change(table))
                {
                    return false;
                }

                return HostLinux.Syscall((long)SyscallNumber.Pwrite64, table, 1, [RunnerDescriptors.Sandbox, 0, s_size, 0, 0, 0]) == s_size;
            }
            finally
            {
                Lock(Unlock);
            }
        }
    }

    /// <summary>Takes (waiting) or releases the POSIX record lock on the whole table (<c>struct flock</c>: type,
    /// whence, start 0, length 0 = to the end).</summary>
    private static long Lock(short type)
    {
        var whole = new Flock { Type = type };
        return HostLinux.Syscall((long)SyscallNumber.Fcntl, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<Flock>(ref whole)), 2, [RunnerDescriptors.Sandbox, (long)FcntlCommand.SetLkWait, 0, 0, 0, 0]);
    }
}
