using System;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// axptr's <c>check_null_terminated</c>, bounded: finds the first <c>default(T)</c> page by page, checking each
/// page's access before reading any element on it.
/// </summary>
/// <remarks>
/// The scan runs inside the caller's <see cref="UserAccess"/> scope, so <see cref="UserAccessContext"/> is set and a
/// lazy page is populated through the address space's fault path. That path runs under the shared side of the scope
/// only, so it cannot deadlock against the scanning thread (axptr's version holds the lock its fault handler needs).
/// </remarks>
public static class NullTerminatedScan
{
    /// <summary>The default bound of a scan: 128 KiB of user memory, terminator included.</summary>
    public const ulong DefaultMaxBytes = 128 * 1024;

    /// <summary>
    /// Finds the terminator of a <c>default(T)</c>-terminated array at <paramref name="address"/>.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user address of the first element.</param>
    /// <param name="flags">The flags every scanned page must carry.</param>
    /// <param name="maxBytes">The bound: the terminator must lie within this many bytes. Zero means
    /// <see cref="DefaultMaxBytes"/>.</param>
    /// <param name="count">The number of elements before the terminator.</param>
    /// <param name="kernelAddress">The kernel address of the first element.</param>
    /// <returns>None; EFAULT (null, misaligned, or a page not accessible before the terminator); ENAMETOOLONG when
    /// no terminator lies within the bound; ENOMEM when population fails.</returns>
    internal static LinuxError Find<T>(ref readonly UserAccess access, ulong address, MappingFlags flags, ulong maxBytes, out int count, out nuint kernelAddress)
        where T : unmanaged, IEquatable<T>
    {
        count = 0;
        kernelAddress = 0;
        ulong elementSize = (ulong)Unsafe.SizeOf<T>();
        if (address == 0 || (address & (AlignOf<T>.Value - 1)) != 0)
        {
            return LinuxError.EFAULT;
        }

        if (maxBytes == 0)
        {
            maxBytes = DefaultMaxBytes;
        }

        // A span holds at most int.MaxValue elements; a larger bound could never be returned anyway.
        ulong maxElements = Math.Min(maxBytes / elementSize, int.MaxValue);
        IUserAddressSpace space = UserAccess.Live(in access);
        ulong scanned = 0; // elements examined so far
        ulong cursor = address;
        while (scanned < maxElements)
        {
            // Elements whose first byte lies on the current page; the last one may straddle into the next page,
            // which PrepareAccess then checks as well.
            ulong toPageEnd = Pages.Size4K - (cursor & Pages.OffsetMask4K);
            ulong chunk = Math.Min((toPageEnd + elementSize - 1) / elementSize, maxElements - scanned);
            LinuxError e = space.PrepareAccess(cursor, chunk * elementSize, flags, out nuint chunkKernel);
            if (e != LinuxError.None)
            {
                // The last element may straddle into a page that is not accessible; a terminator among the elements
                // wholly on this page still ends the scan successfully.
                ulong whole = toPageEnd / elementSize;
                if (whole == 0 || whole >= chunk || space.PrepareAccess(cursor, whole * elementSize, flags, out chunkKernel) != LinuxError.None)
                {
                    return e;
                }

                int before = KernelMemory.AsSpan<T>(chunkKernel, (int)whole).IndexOf(default(T));
                if (before < 0)
                {
                    return e;
                }

                kernelAddress = scanned == 0 ? chunkKernel : kernelAddress;
                count = (int)(scanned + (ulong)before);
                return LinuxError.None;
            }

            if (scanned == 0)
            {
                kernelAddress = chunkKernel;
            }

            int found = KernelMemory.AsSpan<T>(chunkKernel, (int)chunk).IndexOf(default(T));
            if (found >= 0)
            {
                count = (int)(scanned + (ulong)found);
                return LinuxError.None;
            }

            scanned += chunk;
            cursor += chunk * elementSize; // cannot wrap: PrepareAccess accepted [cursor, cursor + chunk * size)
        }

        return LinuxError.ENAMETOOLONG;
    }
}
