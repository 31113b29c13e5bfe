using System;
using System.Buffers;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>process_vm_readv</c> and <c>process_vm_writev</c> on the calling process itself (its pid or any of its thread
/// ids): both vectors are imported through the core in Linux's order (flags EINVAL, the local vector as readv checks
/// it, an empty transfer answers 0, then the remote vector, read without the user-range check as Linux does), and the
/// bytes move between them through a bounded kernel buffer with every access through the core. The count is the
/// bytes moved before the first fault on either side, or EFAULT when nothing moved. Another sandbox process exists
/// but its memory is not reachable from here (EPERM); any other pid is ESRCH.
/// </summary>
internal static class ProcessVmSyscalls
{
    private const int Staging = 64 << 10;

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.ProcessVmReadv, SupportLevel.Partial, "the calling process only; another sandbox process EPERM, others ESRCH", static (t, a) => Transfer(t, (int)a[0], a[1], a[2], a[3], a[4], a[5], write: false));
        b.Add(SyscallNumber.ProcessVmWritev, SupportLevel.Partial, "as process_vm_readv", static (t, a) => Transfer(t, (int)a[0], a[1], a[2], a[3], a[4], a[5], write: true));
    }

    private static long Transfer(Task t, int pid, ulong localAddr, ulong localCount, ulong remoteAddr, ulong remoteCount, ulong flags, bool write)
    {
        if (flags != 0)
        {
            return Einval;
        }

        IoVec[] local = ArrayPool<IoVec>.Shared.Rent(UserCopy.IovMax);
        IoVec[] remote = ArrayPool<IoVec>.Shared.Rent(UserCopy.IovMax);
        try
        {
            int localElements;
            ulong localTotal;
            using (UserAccess access = UserAccess.Begin(t.Space))
            {
                LinuxError e = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(new VirtAddr(localAddr)), (long)Math.Min(localCount, long.MaxValue), local, out localElements, out localTotal);
                if (e != LinuxError.None)
                {
                    return -(long)e;
                }
            }

            if (localTotal == 0)
            {
                return 0;
            }

            long remoteElements = ImportRemote(t, remoteAddr, remoteCount, remote);
            if (remoteElements < 0)
            {
                return remoteElements;
            }

            if (t.Group.FindTask(pid) is null || pid <= 0)
            {
                return pid > 0 && SandboxTable.Contains(pid) ? Errno(LinuxError.EPERM) : Errno(LinuxError.ESRCH);
            }

            return Move(t, local.AsSpan(0, localElements), Math.Min(localTotal, MaxTransfer), remote.AsSpan(0, (int)remoteElements), write);
        }
        finally
        {
            ArrayPool<IoVec>.Shared.Return(local);
            ArrayPool<IoVec>.Shared.Return(remote);
        }
    }

    /// <summary>The remote vector: copied once through the core, EINVAL above IOV_MAX or for a length above
    /// SSIZE_MAX, EFAULT when the array is unreadable; its buffers are checked only when used.</summary>
    private static long ImportRemote(Task t, ulong address, ulong count, IoVec[] destination)
    {
        if (count > UserCopy.IovMax)
        {
            return Einval;
        }

        Span<IoVec> elements = destination.AsSpan(0, (int)count);
        CopyResult copied = UserCopy.CopyIn(t.Space, UserConstPtr<IoVec>.FromAddress(new VirtAddr(address)), elements);
        if (!copied.IsOk)
        {
            return Efault;
        }

        foreach (IoVec v in elements)
        {
            if ((long)v.Length < 0)
            {
                return Einval;
            }
        }

        return (long)count;
    }

    /// <summary>Moves up to <paramref name="limit"/> bytes between the two vectors in order, stopping at the first
    /// fault.</summary>
    private static long Move(Task t, ReadOnlySpan<IoVec> local, ulong limit, ReadOnlySpan<IoVec> remote, bool write)
    {
        byte[] staging = ArrayPool<byte>.Shared.Rent(Staging);
        try
        {
            ulong done = 0;
            foreach (IoVec r in remote)
            {
                ulong segmentDone = 0;
                while (segmentDone < r.Length && done < limit)
                {
                    int chunk = (int)Math.Min(Math.Min(r.Length - segmentDone, limit - done), (ulong)Staging);
                    Span<byte> buffer = staging.AsSpan(0, chunk);
                    ulong moved;
                    using (UserAccess access = UserAccess.Begin(t.Space))
                    {
                        moved = write ? WriteChunk(in access, local, done, r.Base + segmentDone, buffer) : ReadChunk(in access, local, done, r.Base + segmentDone, buffer);
                    }

                    done += moved;
                    segmentDone += moved;
                    if (moved < (ulong)chunk)
                    {
                        return done > 0 ? (long)done : Efault;
                    }
                }

                if (done >= limit)
                {
                    break;
                }
            }

            return (long)done;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
        }
    }

    /// <summary>Remote → local: what the remote range gives, then what the local vector takes of it.</summary>
    private static ulong ReadChunk(ref readonly UserAccess access, ReadOnlySpan<IoVec> local, ulong localOffset, ulong remote, Span<byte> buffer)
    {
        CopyResult read = UserCopy.CopyIn(in access, UserConstPtr<byte>.FromAddress(new VirtAddr(remote)), buffer);
        CopyResult stored = UserCopy.CopyOutVector(in access, local, buffer[..(int)read.BytesDone], localOffset);
        return stored.BytesDone;
    }

    /// <summary>Local → remote: what the local vector gives, then what the remote range takes of it.</summary>
    private static ulong WriteChunk(ref readonly UserAccess access, ReadOnlySpan<IoVec> local, ulong localOffset, ulong remote, Span<byte> buffer)
    {
        CopyResult read = UserCopy.CopyInVector(in access, local, buffer, localOffset);
        CopyResult stored = UserCopy.CopyOut(in access, UserPtr<byte>.FromAddress(new VirtAddr(remote)), (ReadOnlySpan<byte>)buffer[..(int)read.BytesDone]);
        return stored.BytesDone;
    }
}
