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

    /// <summary>The lowest number a shared area's descriptor is inherited at (above the standard three).</summary>
    private const long FirstInheritedDescriptor = 3;

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
    /// mask, limits) goes into a sealed memfd (<see cref="HandoffChannel"/>); the memory goes as a snapshot of the
    /// address space (<see cref="AddrSpace.CreateSnapshot"/>: the written private pages copied once into a new memfd,
    /// which the child adopts as its own backing without copying again; the fork advice applied), the shared objects
    /// (<c>MAP_SHARED</c> memfds and files) and the files of private file mappings (whose unpopulated pages the child
    /// reads on first touch), all inherited as descriptors; a runner started with <c>--handoff</c> rebuilds the process and
    /// continues after the <c>fork</c>.</summary>
    /// <param name="task">The parent's calling task.</param>
    /// <param name="registers">The child's registers.</param>
    /// <param name="childSetTid">Where the child stores its pid (CLONE_CHILD_SETTID), or 0.</param>
    /// <param name="vfork">CLONE_VFORK: the caller waits for the child's execve or exit anyway, so the memory is always
    /// lent (<see cref="MemoryLoan"/>).</param>
    /// <returns>The child's pid, or <c>-errno</c>.</returns>
    public static long Spawn(Task task, ulong[] registers, ulong childSetTid, bool vfork = false)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(registers);
        ThreadGroup process = task.Group;
        int loanReadEnd = -1, loanWriteEnd = -1;
        if (MemoryLoan.ShouldLend(process, vfork) && MemoryLoan.CreatePipe(out loanReadEnd, out loanWriteEnd) < 0)
        {
            loanReadEnd = loanWriteEnd = -1; // no pipe: copy instead
        }

        bool lend = loanWriteEnd >= 0;
        AddrSpaceSnapshot snapshot;
        try
        {
            snapshot = lend ? process.Space.CreateLendingSnapshot(vfork) : process.Space.CreateSnapshot();
        }
        catch (InsufficientMemoryException)
        {
            CloseLoanPipe(loanReadEnd, loanWriteEnd);
            return -(long)LinuxError.ENOMEM; // the host has no memory for the copy
        }
        catch (InvalidOperationException)
        {
            // A host call the snapshot needs failed: memfd_create with EMFILE when the guest holds every descriptor
            // the runner's host limit allows. Linux's fork answers a missing kernel resource with ENOMEM.
            CloseLoanPipe(loanReadEnd, loanWriteEnd);
            return -(long)LinuxError.ENOMEM;
        }

        var inherited = new List<int>(snapshot.SharedMemories.Count + snapshot.FileDescriptors.Count + 2);
        long pid = -1;
        using (snapshot)
        {
            try
            {
                long memory = Inherit(snapshot.MemoryFd, inherited);
                if (memory < 0)
                {
                    return memory;
                }

                long loan = lend ? Inherit(loanWriteEnd, inherited) : -1;
                if (loan < -1)
                {
                    return loan;
                }

                var shared = new List<(int, HandoffSharedBacking)>(snapshot.SharedMemories.Count);
                foreach (SharedMemory s in snapshot.SharedMemories)
                {
                    long descriptor = Inherit(s.Fd, inherited);
                    if (descriptor < 0)
                    {
                        return descriptor;
                    }

                    shared.Add(((int)descriptor, !s.IsFile ? HandoffSharedBacking.Memory
                        : s.IsWritable ? HandoffSharedBacking.WritableFile : HandoffSharedBacking.ReadOnlyFile));
                }

                var files = new List<int>(snapshot.FileDescriptors.Count);
                foreach (int fd in snapshot.FileDescriptors)
                {
                    long descriptor = Inherit(fd, inherited);
                    if (descriptor < 0)
                    {
                        return descriptor;
                    }

                    files.Add((int)descriptor);
                }

                // The table is frozen from its text to the spawn, so the child's host descriptors are the ones its
                // text names (plus strays of creations in flight, which the child closes: StrayDescriptors).
                pid = process.Fds.WhileFrozen(table =>
                {
                    var state = new HandoffState
                    {
                        Kind = HandoffKind.Fork,
                        Flags = ProcessHandoff.FlagsOf(process.Options, forkChild: true),
                        Cpu = process.Options.Cpu,
                        MemoryLimit = process.Options.MemoryLimit,
                        Root = ProcessHandoff.RootBytes(process.Options),
                        Program = process.ExecutablePath,
                        CommandName = process.CommandName,
                        FdTable = table,
                        SignalHandlers = (ulong[])process.SignalHandlers.Clone(),
                        SignalExtras = ((ulong, ulong, ulong)[])process.SignalExtras.Clone(),
                        SignalMask = task.SignalMask,
                        Limits = process.Limits.ToArray(),
                        Registers = registers,
                        BrkStart = process.BrkStart,
                        BrkEnd = process.BrkEnd,
                        ChildSetTid = childSetTid,
                        MemoryDescriptor = (int)memory,
                        AreaTable = snapshot.AreaTable,
                        SharedObjects = shared,
                        PrivateFiles = files,
                        LoanDescriptor = (int)loan,
                    };
                    if (table.Length > HandoffState.MaxFdTableText)
                    {
                        return -(long)LinuxError.ENOMEM; // a table (of synthetic entries) longer than a hand-off carries
                    }

                    byte[] encoded = state.Encode();
                    if (encoded.Length - HandoffState.HeaderSize > HandoffState.MaxPayload)
                    {
                        return -(long)LinuxError.ENOMEM; // more areas than a hand-off carries
                    }

                    long memfd = HandoffChannel.Create(encoded, 0, []);
                    return memfd < 0 ? memfd : HandoffChannel.Launch(process.Options, memfd, replace: false);
                });
                return pid;
            }
            finally
            {
                foreach (int descriptor in inherited)
                {
                    HostLinux.Syscall((long)SyscallNumber.Close, descriptor); // the child has its own copies now
                }

                if (lend)
                {
                    // The child now holds the only write end. Until it closes it (released, exec'd or gone) the
                    // memory it reads is this process's: nothing here may change it, so wait, as vfork does.
                    HostLinux.Syscall((long)SyscallNumber.Close, loanWriteEnd);
                    if (pid > 0)
                    {
                        MemoryLoan.WaitForRelease(loanReadEnd);
                    }
                    else
                    {
                        HostLinux.Syscall((long)SyscallNumber.Close, loanReadEnd);
                    }
                }
            }
        }
    }

    private static void CloseLoanPipe(int readEnd, int writeEnd)
    {
        if (writeEnd >= 0)
        {
            HostLinux.Syscall((long)SyscallNumber.Close, writeEnd);
            HostLinux.Syscall((long)SyscallNumber.Close, readEnd);
        }
    }

    /// <summary>Rebuilds a forked process from a validated state: adopts the inherited shared objects and the memory
    /// snapshot (<see cref="AddrSpace.RestoreSnapshot(int, ReadOnlySpan{byte}, IReadOnlyList{SharedMemory}, IReadOnlyList{int}, AddrSpaceOptions?)"/>).</summary>
    /// <param name="state">The fork state.</param>
    /// <param name="memoryOffset">Unused (a fork state carries no memory of its own any more).</param>
    /// <param name="options">This runner's options.</param>
    /// <returns>The process and the RIP to resume at.</returns>
    /// <exception cref="HandoffRejectedException">A descriptor is not open or not of its stated kind, or the snapshot
    /// does not fit it.</exception>
    public static (ThreadGroup Process, ulong Rip) Resume(HandoffState state, long memoryOffset, RunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        FdTable fds = ProcessHandoff.ParseFdTable(state.FdTable);
        MemoryLoan? loan = state.LoanDescriptor >= 0 ? MemoryLoan.Adopt(state.LoanDescriptor) : null;
        AddrSpace space = RestoreSpace(state, options, loan);
        var process = ThreadGroup.Create(new GuestKernel(options), space, fds, state.Program);
        loan?.Start(process.MainTask);
        ProcessHandoff.ApplyCommon(process, state);
        process.BrkStart = state.BrkStart;
        process.BrkEnd = state.BrkEnd;
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

    /// <summary>A duplicate of <paramref name="fd"/> without close-on-exec, for the child runner to inherit
    /// (recorded in <paramref name="inherited"/> to be closed once it started); or <c>-errno</c>.</summary>
    private static long Inherit(int fd, List<int> inherited)
    {
        long copy = HostLinux.Syscall((long)SyscallNumber.Fcntl, fd, (long)FcntlCommand.DupFd, FirstInheritedDescriptor);
        if (copy >= 0)
        {
            inherited.Add((int)copy);
        }

        return copy;
    }

    /// <summary>Builds the child's address space from the inherited snapshot: each inherited shared descriptor becomes
    /// close-on-exec and is owned by one <see cref="SharedMemory"/> (closed when its last area goes); the snapshot's
    /// memory file becomes the space's backing, or, for a <paramref name="loan"/>, is borrowed copy-on-write; the
    /// space duplicates the private files' descriptors (close-on-exec, never in the guest's table) and the inherited
    /// ones are closed, like the memory's.</summary>
    /// <exception cref="HandoffRejectedException">A descriptor is not open, not of its stated kind, or the snapshot
    /// does not fit it.</exception>
    private static AddrSpace RestoreSpace(HandoffState state, RunnerOptions options, MemoryLoan? loan)
    {
        var adopted = new List<SharedMemory>(state.SharedObjects.Count);
        try
        {
            foreach ((int descriptor, HandoffSharedBacking backing) in state.SharedObjects)
            {
                RunnerDescriptors.Check(RunnerDescriptors.SetCloseOnExec(descriptor, true), "a shared object's descriptor");
                adopted.Add(backing == HandoffSharedBacking.Memory
                    ? SharedMemory.Adopt(descriptor)
                    : SharedMemory.AdoptFile(descriptor, backing == HandoffSharedBacking.WritableFile));
            }

            RunnerDescriptors.Check(RunnerDescriptors.SetCloseOnExec(state.MemoryDescriptor, true), "the memory snapshot's descriptor");
            try
            {
                foreach (int descriptor in state.PrivateFiles)
                {
                    RunnerDescriptors.Check(RunnerDescriptors.SetCloseOnExec(descriptor, true), "a private file's descriptor");
                }

                AddrSpaceOptions spaceOptions = ThreadGroup.AddressSpaceOptions(options.MemoryLimit);
                return loan is null
                    ? AddrSpace.RestoreSnapshot(state.MemoryDescriptor, state.AreaTable, adopted, state.PrivateFiles, spaceOptions)
                    : AddrSpace.RestoreBorrowedSnapshot(state.MemoryDescriptor, state.AreaTable, adopted, state.PrivateFiles, spaceOptions, loan.OnReleased);
            }
            finally
            {
                // The space holds its own duplicates.
                HostLinux.Syscall((long)SyscallNumber.Close, state.MemoryDescriptor);
                foreach (int descriptor in state.PrivateFiles)
                {
                    HostLinux.Syscall((long)SyscallNumber.Close, descriptor);
                }
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new HandoffRejectedException("the fork state's memory cannot be restored: " + e.Message);
        }
        finally
        {
            foreach (SharedMemory memory in adopted)
            {
                memory.Dispose(); // the areas hold their own references
            }
        }
    }
}
