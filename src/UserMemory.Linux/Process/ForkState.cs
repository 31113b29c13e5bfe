using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Syscalls;

namespace UserMemory.Linux.Process;

/// <summary>
/// Fork by spawning: the parent hands its state (registers, descriptors, break, signal dispositions and mask, limits,
/// areas) and the contents of its written pages to a child runner through <see cref="HandoffChannel"/>, which rebuilds
/// the process and continues after the <c>fork</c> with RAX = 0. Written pages are found with <c>mincore</c> on the
/// memfd-backed kernel view, so pages the emulated CPU wrote directly (without a software fault) are included.
/// </summary>
public static class ForkState
{
    /// <summary>Index of RAX in the register array.</summary>
    public const int RaxIndex = (int)CpuRegister.Rax;

    /// <summary>Index of RSP.</summary>
    public const int RspIndex = (int)CpuRegister.Rsp;

    /// <summary>Index of RIP.</summary>
    public const int RipIndex = (int)CpuRegister.Rip;

    /// <summary>Index of the FS base.</summary>
    public const int FsBaseIndex = (int)CpuRegister.FsBase;

    /// <summary>Reads the registers a forked child needs.</summary>
    /// <param name="cpu">The engine.</param>
    /// <returns>The values, in this class's index order.</returns>
    public static ulong[] CaptureRegisters(ICpu cpu)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ulong[] values = new ulong[(int)CpuRegister.Count];
        for (int i = 0; i < (int)CpuRegister.Count; i++)
        {
            values[i] = cpu.Read((CpuRegister)i);
        }

        return values;
    }

    /// <summary>Writes registers captured by <see cref="CaptureRegisters"/> back.</summary>
    /// <param name="cpu">The engine.</param>
    /// <param name="values">The values.</param>
    public static void RestoreRegisters(ICpu cpu, ulong[] values)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(values);
        for (int i = 0; i < (int)CpuRegister.Count; i++)
        {
            cpu.Write((CpuRegister)i, values[i]);
        }
    }

    /// <summary>Hands the process to a child runner: the state (registers, descriptors, break, signal dispositions and
    /// mask, limits, areas) and the contents of the written pages go into a sealed memfd (<see cref="HandoffChannel"/>),
    /// and a runner started with <c>--handoff</c> rebuilds the process and continues after the <c>fork</c>.</summary>
    /// <param name="task">The parent's calling task.</param>
    /// <param name="registers">The child's registers.</param>
    /// <param name="childSetTid">Where the child stores its pid (CLONE_CHILD_SETTID), or 0.</param>
    /// <returns>The child's pid, or <c>-errno</c>.</returns>
    public static long Spawn(Task task, ulong[] registers, ulong childSetTid)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(registers);
        ThreadGroup process = task.Group;
        AddrSpace space = process.Space;
        IReadOnlyList<MemoryAreaInfo> areas = space.GetAreas();
        var areaList = new List<(ulong, ulong, MappingFlags)>(areas.Count);
        var runs = new List<(ulong Start, ulong Length)>();
        foreach (MemoryAreaInfo a in areas)
        {
            areaList.Add((a.Range.Start.Value, a.Range.End.Value, a.Flags));
            AddWrittenRuns(space, a.Range.Start.Value, a.Range.Size, runs);
        }

        var state = new HandoffState
        {
            Kind = HandoffKind.Fork,
            Flags = ProcessHandoff.FlagsOf(process.Options, forkChild: true),
            Cpu = process.Options.Cpu,
            MemoryLimit = process.Options.MemoryLimit,
            Root = ProcessHandoff.RootBytes(process.Options),
            Program = process.ExecutablePath,
            CommandName = process.CommandName,
            FdTable = process.Fds.Serialize(),
            SignalHandlers = (ulong[])process.SignalHandlers.Clone(),
            SignalExtras = ((ulong, ulong, ulong)[])process.SignalExtras.Clone(),
            SignalMask = task.SignalMask,
            Limits = process.Limits.ToArray(),
            Registers = registers,
            BrkStart = process.BrkStart,
            BrkEnd = process.BrkEnd,
            ChildSetTid = childSetTid,
            Areas = areaList,
            Runs = runs,
        };
        byte[] encoded = state.Encode();
        if (encoded.Length - HandoffState.HeaderSize > HandoffState.MaxPayload)
        {
            return -(long)LinuxError.ENOMEM; // more areas than a hand-off carries
        }

        long memfd = HandoffChannel.Create(encoded, space.KernelBase, runs);
        return memfd < 0 ? memfd : HandoffChannel.Launch(process.Options, memfd, replace: false);
    }

    /// <summary>Rebuilds a forked process from a validated state; the memory follows the payload in the hand-off
    /// descriptor at <paramref name="memoryOffset"/>.</summary>
    /// <param name="state">The fork state.</param>
    /// <param name="memoryOffset">Where the runs' bytes start.</param>
    /// <param name="options">This runner's options.</param>
    /// <returns>The process and the RIP to resume at.</returns>
    /// <exception cref="HandoffRejectedException">The areas or runs cannot be restored (overlap, outside an area, short
    /// data).</exception>
    public static (ThreadGroup Process, ulong Rip) Resume(HandoffState state, long memoryOffset, RunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        FdTable fds = ProcessHandoff.ParseFdTable(state.FdTable);
        AddrSpace space = ThreadGroup.CreateAddressSpace(options.MemoryLimit);
        var process = ThreadGroup.Create(new GuestKernel(options), space, fds, state.Program);
        ProcessHandoff.ApplyCommon(process, state);
        process.BrkStart = state.BrkStart;
        process.BrkEnd = state.BrkEnd;
        foreach ((ulong start, ulong end, MappingFlags flags) in state.Areas)
        {
            LinuxError e = space.MapAlloc(new VirtAddr(start), end - start, flags, false);
            if (e != LinuxError.None)
            {
                throw new HandoffRejectedException("restoring an area failed: " + e.Name());
            }
        }

        long offset = memoryOffset;
        foreach ((ulong start, ulong length) in state.Runs)
        {
            LinuxError e = space.PopulateArea(VirtAddrRange.FromStartSize(new VirtAddr(start), length));
            if (e != LinuxError.None)
            {
                throw new HandoffRejectedException("populating restored memory failed: " + e.Name());
            }

            long got = HostLinux.ReadAt(RunnerDescriptors.Handoff, space.KernelBase + (nint)start, length, offset);
            if (got != (long)length)
            {
                throw new HandoffRejectedException("the fork state's memory is truncated");
            }

            offset += (long)length;
        }

        for (int i = 0; i < state.Registers.Length; i++)
        {
            process.MainTask.Cpu.Write((CpuRegister)i, state.Registers[i]);
        }

        process.MainTask.Cpu.MappingsChanged(GuestLayout.UserStart, GuestLayout.UserEnd);
        if (state.ChildSetTid != 0)
        {
            process.MainTask.WriteI32(state.ChildSetTid, process.Pid);
        }

        return (process, state.Registers[RipIndex]);
    }

    /// <summary>Appends the runs of pages of one area that hold data (resident in the memfd-backed kernel view, so
    /// pages the emulated CPU wrote without a software fault are included); the whole area when residency is
    /// unknown.</summary>
    private static void AddWrittenRuns(AddrSpace space, ulong start, ulong size, List<(ulong Start, ulong Length)> runs)
    {
        byte[] resident = new byte[size / Pages.Size4K];
        if (HostLinux.Residency(space.KernelBase + (nint)start, size, resident) < 0)
        {
            runs.Add((start, size));
            return;
        }

        int i = 0;
        while (i < resident.Length)
        {
            if ((resident[i] & 1) == 0)
            {
                i++;
                continue;
            }

            int j = i;
            while (j < resident.Length && (resident[j] & 1) != 0)
            {
                j++;
            }

            runs.Add((start + ((ulong)i * Pages.Size4K), (ulong)(j - i) * Pages.Size4K));
            i = j;
        }
    }
}
