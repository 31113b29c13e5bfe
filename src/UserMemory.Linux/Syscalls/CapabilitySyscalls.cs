using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>capget</c> and <c>capset</c>: a thread's capability sets. Like the other credential syscalls they act on the
/// host thread that runs the guest thread (its tid is the guest tid), where the host keeps them per thread as Linux
/// does; the header and data pass through the core, and the checks Linux makes before it looks at the sets (version,
/// then pid, then data, each read only when needed) are made here in Linux's order. <c>capget</c> of another process
/// answers only for processes of the sandbox and threads of this one (ESRCH otherwise).
/// </summary>
internal static class CapabilitySyscalls
{
    /// <summary>_LINUX_CAPABILITY_VERSION_1: one 32-bit set of each kind.</summary>
    private const uint Version1 = 0x19980330;

    /// <summary>_LINUX_CAPABILITY_VERSION_2 (deprecated, same layout as 3).</summary>
    private const uint Version2 = 0x20071026;

    /// <summary>_LINUX_CAPABILITY_VERSION_3: two 32-bit sets of each kind; what the kernel writes back on a bad version.</summary>
    private const uint Version3 = 0x20080522;

    /// <summary><c>struct __user_cap_header_struct</c>: version, pid.</summary>
    private const int HeaderSize = 8;

    private const int PidOffset = 4;

    /// <summary><c>struct __user_cap_data_struct</c>: effective, permitted, inheritable.</summary>
    private const int DataSize = 12;

    /// <summary>The most data structs a version names (2 for versions 2 and 3).</summary>
    private const int MaxDataCount = 2;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Capget, SupportLevel.Full, "", static (t, a) => Capget(t, a[0], a[1]));
        b.Add(SyscallNumber.Capset, SupportLevel.Partial, "the calling thread's sets, passed to the host (EPERM unless the runner may)", static (t, a) => Capset(t, a[0], a[1]));
    }

    private static long Capget(Task t, ulong headerAddr, ulong dataAddr)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        int count = ReadVersion(t, headerAddr, header, out long error);
        if (count == 0)
        {
            // A bad version: the kernel wrote its own back; a NULL data pointer makes that a successful probe.
            return error == Einval && dataAddr == 0 ? 0 : error;
        }

        if (dataAddr == 0)
        {
            return 0;
        }

        if (t.CopyIn(headerAddr + PidOffset, header[PidOffset..]) < 0)
        {
            return Efault;
        }

        int pid = BinaryPrimitives.ReadInt32LittleEndian(header[PidOffset..]);
        if (pid < 0)
        {
            return Einval;
        }

        if (pid != 0 && pid != t.Group.Pid && t.Group.FindTask(pid) is null && !SandboxTable.Contains(pid))
        {
            return -(long)LinuxError.ESRCH;
        }

        Span<byte> data = stackalloc byte[DataSize * MaxDataCount];
        long r = HostSpanCall2(SyscallNumber.Capget, header, 0, data, 1);
        if (r < 0)
        {
            return r;
        }

        return t.CopyOut(dataAddr, data[..(count * DataSize)]) < 0 ? Efault : r;
    }

    /// <summary>True when the calling host thread (the guest thread's) has <paramref name="capability"/> in its
    /// effective set, as Linux's <c>capable()</c> checks before acting on a privileged request.</summary>
    /// <param name="capability">The capability number (below 64).</param>
    /// <returns>True when effective.</returns>
    internal static bool HasEffective(int capability)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Version3);
        Span<byte> data = stackalloc byte[DataSize * MaxDataCount];
        if (HostSpanCall2(SyscallNumber.Capget, header, 0, data, 1) < 0)
        {
            return false;
        }

        const int BitsPerSet = 32;
        uint effective = BinaryPrimitives.ReadUInt32LittleEndian(data[(capability / BitsPerSet * DataSize)..]);
        return (effective & (1u << (capability % BitsPerSet))) != 0;
    }

    private static long Capset(Task t, ulong headerAddr, ulong dataAddr)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        int count = ReadVersion(t, headerAddr, header, out long error);
        if (count == 0)
        {
            return error;
        }

        if (t.CopyIn(headerAddr + PidOffset, header[PidOffset..]) < 0)
        {
            return Efault;
        }

        int pid = BinaryPrimitives.ReadInt32LittleEndian(header[PidOffset..]);
        if (pid != 0 && pid != t.Tid)
        {
            return -(long)LinuxError.EPERM; // only the calling thread's sets can change
        }

        Span<byte> data = stackalloc byte[DataSize * MaxDataCount];
        if (t.CopyIn(dataAddr, data[..(count * DataSize)]) < 0)
        {
            return Efault;
        }

        BinaryPrimitives.WriteInt32LittleEndian(header[PidOffset..], 0);
        return HostSpanCall2(SyscallNumber.Capset, header, 0, data, 1);
    }

    /// <summary>Reads the header's version: the number of data structs it names, or 0 with the error (EFAULT, or
    /// EINVAL after writing version 3 back as Linux does).</summary>
    private static int ReadVersion(Task t, ulong headerAddr, Span<byte> header, out long error)
    {
        error = 0;
        if (t.CopyIn(headerAddr, header[..PidOffset]) < 0)
        {
            error = Efault;
            return 0;
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(header);
        switch (version)
        {
            case Version1:
                return 1;
            case Version2:
            case Version3:
                return MaxDataCount;
            default:
                Span<byte> latest = stackalloc byte[sizeof(uint)];
                BinaryPrimitives.WriteUInt32LittleEndian(latest, Version3);
                error = t.CopyOut(headerAddr, latest) < 0 ? Efault : Einval;
                return 0;
        }
    }
}
