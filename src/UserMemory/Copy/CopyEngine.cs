using System;

namespace UserMemory;

/// <summary>
/// The byte-level copy loops every public copy is built on: one region check and one memory copy when the whole
/// range is good, and a page-by-page walk only when it is not, to find the exact stopping point.
/// </summary>
internal static class CopyEngine
{
    /// <summary>Linux's <c>access_ok</c>; see <see cref="UserAccess.IsUserRange"/>, the one definition of the rule.</summary>
    public static bool IsUserRange(ref readonly UserAccess access, ulong address, ulong size) => access.IsUserRange(address, size);

    /// <summary>Linux's <c>access_ok</c> to the letter: only the upper bound, <c>address + size &lt;= end of user
    /// space</c>, computed without wrapping. Used where Linux validates early and faults later (iovec import).</summary>
    public static bool IsBelowUserEnd(ref readonly UserAccess access, ulong address, ulong size)
    {
        ulong end = UserAccess.Live(in access).UserRange.End.Value;
        return address <= end && size <= end - address;
    }

    /// <summary>Copies user bytes at <paramref name="source"/> into <paramref name="destination"/>; on a short copy the
    /// rest of <paramref name="destination"/> is cleared.</summary>
    public static CopyResult CopyIn(ref readonly UserAccess access, ulong source, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return CopyResult.Completed(0); // Linux: a copy of 0 bytes has nothing left uncopied, whatever the pointer
        }

        if (UserAccess.TryCached(in access, source, (ulong)destination.Length, MappingFlags.Read, out nuint cached))
        {
            KernelMemory.CopyToKernel(cached, destination); // inside the scope's validated window: no call at all
            return CopyResult.Completed((nuint)destination.Length);
        }

        if (!IsUserRange(in access, source, (ulong)destination.Length))
        {
            destination.Clear();
            return new CopyResult(0, LinuxError.EFAULT);
        }

        if (UserAccess.Prepare(in access, source, (ulong)destination.Length, MappingFlags.Read, out nuint kernel) == LinuxError.None)
        {
            KernelMemory.CopyToKernel(kernel, destination);
            return CopyResult.Completed((nuint)destination.Length);
        }

        int done = 0;
        while (done < destination.Length)
        {
            ulong cursor = source + (ulong)done;
            int chunk = ChunkToPageEnd(cursor, destination.Length - done);
            LinuxError e = UserAccess.Prepare(in access, cursor, (ulong)chunk, MappingFlags.Read, out kernel);
            if (e != LinuxError.None)
            {
                destination[done..].Clear();
                return new CopyResult((nuint)done, e);
            }

            KernelMemory.CopyToKernel(kernel, destination.Slice(done, chunk));
            done += chunk;
        }

        // Every page was good on the second look (another thread populated or mapped it meanwhile).
        return CopyResult.Completed((nuint)done);
    }

    /// <summary>Copies <paramref name="source"/> to user memory at <paramref name="destination"/>.</summary>
    public static CopyResult CopyOut(ref readonly UserAccess access, ulong destination, ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return CopyResult.Completed(0);
        }

        if (UserAccess.TryCached(in access, destination, (ulong)source.Length, MappingFlags.Write, out nuint cached))
        {
            KernelMemory.CopyToUser(source, cached);
            return CopyResult.Completed((nuint)source.Length);
        }

        if (!IsUserRange(in access, destination, (ulong)source.Length))
        {
            return new CopyResult(0, LinuxError.EFAULT);
        }

        if (UserAccess.Prepare(in access, destination, (ulong)source.Length, MappingFlags.Write, out nuint kernel) == LinuxError.None)
        {
            KernelMemory.CopyToUser(source, kernel);
            return CopyResult.Completed((nuint)source.Length);
        }

        int done = 0;
        while (done < source.Length)
        {
            ulong cursor = destination + (ulong)done;
            int chunk = ChunkToPageEnd(cursor, source.Length - done);
            LinuxError e = UserAccess.Prepare(in access, cursor, (ulong)chunk, MappingFlags.Write, out kernel);
            if (e != LinuxError.None)
            {
                return new CopyResult((nuint)done, e);
            }

            KernelMemory.CopyToUser(source.Slice(done, chunk), kernel);
            done += chunk;
        }

        return CopyResult.Completed((nuint)done);
    }

    /// <summary>Clears <paramref name="length"/> user bytes at <paramref name="destination"/>.</summary>
    public static CopyResult Zero(ref readonly UserAccess access, ulong destination, ulong length)
    {
        if (length == 0)
        {
            return CopyResult.Completed(0);
        }

        if (!IsUserRange(in access, destination, length))
        {
            return new CopyResult(0, LinuxError.EFAULT);
        }

        if (UserAccess.Prepare(in access, destination, length, MappingFlags.Write, out nuint kernel) == LinuxError.None)
        {
            for (ulong cleared = 0; cleared < length;)
            {
                int chunk = (int)Math.Min(length - cleared, 1UL << 30);
                KernelMemory.Clear(kernel + (nuint)cleared, chunk);
                cleared += (ulong)chunk;
            }

            return CopyResult.Completed((nuint)length);
        }

        ulong done = 0;
        while (done < length)
        {
            ulong cursor = destination + done;
            int chunk = ChunkToPageEnd(cursor, (int)Math.Min(length - done, Pages.Size4K));
            LinuxError e = UserAccess.Prepare(in access, cursor, (ulong)chunk, MappingFlags.Write, out kernel);
            if (e != LinuxError.None)
            {
                return new CopyResult((nuint)done, e);
            }

            KernelMemory.Clear(kernel, chunk);
            done += (ulong)chunk;
        }

        return CopyResult.Completed((nuint)done);
    }

    /// <summary>The bytes from <paramref name="address"/> to the end of its page, at most <paramref name="remaining"/>.</summary>
    public static int ChunkToPageEnd(ulong address, int remaining) =>
        (int)Math.Min((ulong)remaining, Pages.Size4K - (address & Pages.OffsetMask4K));
}
