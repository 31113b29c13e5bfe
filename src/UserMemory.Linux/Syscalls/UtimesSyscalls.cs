using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// The older timestamp calls, <c>utimes</c>, <c>futimesat</c> (two <c>struct timeval</c>) and <c>utime</c>
/// (<c>struct utimbuf</c>: two seconds counts), as Linux builds them: the times are copied in through the core
/// (EFAULT), microseconds outside <c>[0, 1 000 000)</c> are EINVAL, and the converted times take utimensat's path
/// (<see cref="FileSyscalls.UtimensAt(Task, long, ulong, byte[], long)"/>), so path resolution, the root
/// confinement, synthetic <c>/proc</c> files and <c>--read-only</c> answer exactly as for utimensat.
/// </summary>
internal static class UtimesSyscalls
{
    private const int TimevalSize = 16;
    private const int TimespecSize = 16;
    private const int UtimbufSize = 16;
    private const long MicrosecondsPerSecond = 1_000_000;
    private const long NanosecondsPerMicrosecond = 1_000;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Utimes, SupportLevel.Full, "", static (t, a) => FutimesAt(t, AtFdCwd, a[0], a[1]));
        b.Add(SyscallNumber.Futimesat, SupportLevel.Full, "", static (t, a) => FutimesAt(t, (int)a[0], a[1], a[2]));
        b.Add(SyscallNumber.Utime, SupportLevel.Full, "", static (t, a) => Utime(t, a[0], a[1]));
    }

    /// <summary>utimes and futimesat: two timevals, or none for "now".</summary>
    private static long FutimesAt(Task t, long dirFd, ulong pathAddr, ulong timesAddr)
    {
        byte[]? times = null;
        if (timesAddr != 0)
        {
            Span<byte> timevals = stackalloc byte[2 * TimevalSize];
            if (t.CopyIn(timesAddr, timevals) < 0)
            {
                return Efault;
            }

            times = new byte[2 * TimespecSize];
            for (int i = 0; i < 2; i++)
            {
                long seconds = BinaryPrimitives.ReadInt64LittleEndian(timevals[(i * TimevalSize)..]);
                long microseconds = BinaryPrimitives.ReadInt64LittleEndian(timevals[((i * TimevalSize) + sizeof(long))..]);
                if (microseconds is < 0 or >= MicrosecondsPerSecond)
                {
                    return Einval;
                }

                BinaryPrimitives.WriteInt64LittleEndian(times.AsSpan(i * TimespecSize), seconds);
                BinaryPrimitives.WriteInt64LittleEndian(times.AsSpan((i * TimespecSize) + sizeof(long)), microseconds * NanosecondsPerMicrosecond);
            }
        }

        return PathOrDescriptor(t, dirFd, pathAddr, times);
    }

    /// <summary>utime: access and modification seconds, or none for "now".</summary>
    private static long Utime(Task t, ulong pathAddr, ulong timesAddr)
    {
        byte[]? times = null;
        if (timesAddr != 0)
        {
            Span<byte> utimbuf = stackalloc byte[UtimbufSize];
            if (t.CopyIn(timesAddr, utimbuf) < 0)
            {
                return Efault;
            }

            times = new byte[2 * TimespecSize];
            for (int i = 0; i < 2; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(times.AsSpan(i * TimespecSize), BinaryPrimitives.ReadInt64LittleEndian(utimbuf[(i * sizeof(long))..]));
            }
        }

        return PathOrDescriptor(t, AtFdCwd, pathAddr, times);
    }

    /// <summary>Linux's do_utimes: a null path names the directory descriptor itself, except with AT_FDCWD, where
    /// it is read as a path (EFAULT).</summary>
    private static long PathOrDescriptor(Task t, long dirFd, ulong pathAddr, byte[]? times) =>
        pathAddr == 0 && dirFd == AtFdCwd ? Efault : FileSyscalls.UtimensAt(t, dirFd, pathAddr, times, 0);
}
