using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Syscalls;

namespace UserMemory.Linux.Process;

/// <summary>
/// Fork by spawning: the parent writes its state (registers, descriptors, break, signal dispositions, areas) and the
/// contents of its written pages into a memfd, then starts a runner with <c>--resume FD</c>, which rebuilds the
/// process and continues after the <c>fork</c> with RAX = 0. Written pages are found with <c>mincore</c> on the
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

    private const ulong Magic = 0x314b524f464d5355; // "USMFORK1"

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

    /// <summary>Writes the state into a memfd and spawns the child runner.</summary>
    /// <param name="task">The parent's calling task.</param>
    /// <param name="registers">The child's registers.</param>
    /// <param name="childSetTid">Where the child stores its pid (CLONE_CHILD_SETTID), or 0.</param>
    /// <returns>The child's pid, or <c>-errno</c>.</returns>
    public static long Spawn(Task task, ulong[] registers, ulong childSetTid)
    {
        ArgumentNullException.ThrowIfNull(task);
        ThreadGroup process = task.Group;
        ArgumentNullException.ThrowIfNull(registers);
        long memfd = HostLinux.Syscall((long)SyscallNumber.MemfdCreate, "usermem-fork\0"u8.ToArray(), 0, [0, 0, 0, 0, 0, 0]);
        if (memfd < 0)
        {
            return memfd;
        }

        try
        {
            AddrSpace space = process.Space;
            var runs = new List<(ulong Start, ulong Length)>();
            IReadOnlyList<MemoryAreaInfo> areas = space.GetAreas();
            foreach (MemoryAreaInfo a in areas)
            {
                ulong start = a.Range.Start.Value;
                ulong size = a.Range.Size;
                byte[] resident = new byte[size / Pages.Size4K];
                if (HostLinux.Residency(space.KernelBase + (nint)start, size, resident) < 0)
                {
                    runs.Add((start, size));
                    continue;
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

            using var blob = new MemoryStream();
            using (var w = new BinaryWriter(blob, Encoding.UTF8, leaveOpen: true))
            {
                w.Write(Magic);
                w.Write(process.ExecutablePath.Length);
                w.Write(process.ExecutablePath);
                foreach (ulong r in registers)
                {
                    w.Write(r);
                }

                w.Write(process.BrkStart);
                w.Write(process.BrkEnd);
                w.Write(process.Fds.Serialize());
                for (int s = 0; s < process.SignalHandlers.Length; s++)
                {
                    w.Write(process.SignalHandlers[s]);
                    w.Write(process.SignalExtras[s].Flags);
                    w.Write(process.SignalExtras[s].Restorer);
                    w.Write(process.SignalExtras[s].Mask);
                }

                w.Write(task.SignalMask);
                w.Write(childSetTid);
                w.Write(areas.Count);
                foreach (MemoryAreaInfo a in areas)
                {
                    w.Write(a.Range.Start.Value);
                    w.Write(a.Range.End.Value);
                    w.Write((int)a.Flags);
                }

                w.Write(runs.Count);
                foreach ((ulong s, ulong l) in runs)
                {
                    w.Write(s);
                    w.Write(l);
                }
            }

            byte[] header = blob.ToArray();
            long r0 = HostLinux.WriteAll((int)memfd, BitConverter.GetBytes((long)header.Length));
            long r1 = r0 < 0 ? r0 : HostLinux.WriteAll((int)memfd, header);
            if (r1 < 0)
            {
                return r1;
            }

            long offset = DataStart(header.Length);
            foreach ((ulong s, ulong l) in runs)
            {
                long w = HostLinux.WriteAt((int)memfd, space.KernelBase + (nint)s, l, offset);
                if (w != (long)l)
                {
                    return w < 0 ? w : -(long)LinuxError.EIO;
                }

                offset += (long)l;
            }

            List<byte[]> args = ProcessSyscalls.RunnerArguments(task, ["--resume", memfd.ToString(CultureInfo.InvariantCulture)]);
            return HostLinux.Spawn(ProcessSyscalls.Nul(process.Options.RunnerPath), args.ToArray());
        }
        finally
        {
            HostLinux.Syscall((long)SyscallNumber.Close, memfd);
        }
    }

    /// <summary>Rebuilds a forked process from the memfd <paramref name="fd"/> (closed here).</summary>
    /// <param name="fd">The state descriptor.</param>
    /// <param name="options">This runner's options.</param>
    /// <returns>The process and the RIP to resume at.</returns>
    /// <exception cref="InvalidDataException">The state is not a fork state (a runner bug).</exception>
    public static (ThreadGroup Process, ulong Rip) Resume(int fd, RunnerOptions options)
    {
        byte[] lengthBytes = new byte[8];
        Check(HostLinux.ReadExactlyAt(fd, lengthBytes, 0));
        long length = BitConverter.ToInt64(lengthBytes);
        if (length <= 0 || length > 64L << 20)
        {
            throw new InvalidDataException("Bad fork state.");
        }

        byte[] header = new byte[length];
        Check(HostLinux.ReadExactlyAt(fd, header, 8));
        using var r = new BinaryReader(new MemoryStream(header), Encoding.UTF8);
        if (r.ReadUInt64() != Magic)
        {
            throw new InvalidDataException("Bad fork state magic.");
        }

        byte[] exe = r.ReadBytes(r.ReadInt32());
        ulong[] registers = new ulong[(int)CpuRegister.Count];
        for (int i = 0; i < registers.Length; i++)
        {
            registers[i] = r.ReadUInt64();
        }

        ulong brkStart = r.ReadUInt64();
        ulong brkEnd = r.ReadUInt64();
        FdTable fds = FdTable.Parse(r.ReadString());
        AddrSpace space = ThreadGroup.CreateAddressSpace(options.MemoryLimit);
        var process = ThreadGroup.Create(new GuestKernel(options), space, fds, exe);
        for (int s = 0; s < process.SignalHandlers.Length; s++)
        {
            process.SignalHandlers[s] = r.ReadUInt64();
            process.SignalExtras[s] = (r.ReadUInt64(), r.ReadUInt64(), r.ReadUInt64());
        }

        process.MainTask.SignalMask = r.ReadUInt64();
        ulong setTid = r.ReadUInt64();
        process.BrkStart = brkStart;
        process.BrkEnd = brkEnd;
        int areaCount = r.ReadInt32();
        for (int i = 0; i < areaCount; i++)
        {
            ulong start = r.ReadUInt64();
            ulong end = r.ReadUInt64();
            var flags = (MappingFlags)r.ReadInt32();
            LinuxError e = space.MapAlloc(new VirtAddr(start), end - start, flags, false);
            if (e != LinuxError.None)
            {
                throw new InvalidDataException("Restoring an area failed: " + e.Name());
            }
        }

        int runCount = r.ReadInt32();
        long offset = DataStart(header.Length);
        for (int i = 0; i < runCount; i++)
        {
            ulong start = r.ReadUInt64();
            ulong len = r.ReadUInt64();
            LinuxError e = space.PopulateArea(VirtAddrRange.FromStartSize(new VirtAddr(start), len));
            if (e != LinuxError.None)
            {
                throw new InvalidDataException("Populating restored memory failed: " + e.Name());
            }

            long got = HostLinux.ReadAt(fd, space.KernelBase + (nint)start, len, offset);
            if (got != (long)len)
            {
                throw new InvalidDataException("Restoring memory contents failed.");
            }

            offset += (long)len;
        }

        HostLinux.Syscall((long)SyscallNumber.Close, fd);
        for (int i = 0; i < registers.Length; i++)
        {
            process.MainTask.Cpu.Write((CpuRegister)i, registers[i]);
        }

        process.MainTask.Cpu.MappingsChanged(GuestLayout.UserStart, GuestLayout.UserEnd);
        if (setTid != 0)
        {
            process.MainTask.WriteI32(setTid, process.Pid);
        }

        return (process, registers[RipIndex]);
    }

    private static long DataStart(int headerLength) => (long)Pages.AlignDown4K((ulong)headerLength + 8 + Pages.Size4K - 1);

    private static void Check(long r)
    {
        if (r < 0)
        {
            throw new IOException("Reading the fork state failed: errno " + (-r).ToString(CultureInfo.InvariantCulture));
        }
    }
}
