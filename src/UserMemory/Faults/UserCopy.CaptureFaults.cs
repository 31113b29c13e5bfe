using System;

namespace UserMemory;

public static partial class UserCopy
{
    /// <summary>
    /// Copies from user memory without ever populating a page or entering the fault path (Fuchsia's
    /// <c>copy_from_user_capture_faults</c>): for code that holds locks a fault handler might need. Each page is
    /// checked with <see cref="IUserAddressSpace.CheckRegionAccess"/> and <see cref="IUserAddressSpace.IsPopulated"/>
    /// before a byte of it is read.
    /// </summary>
    /// <param name="access">The open scope (it keeps the mappings in place while the bytes move).</param>
    /// <param name="source">The user address; need not be aligned.</param>
    /// <param name="destination">The kernel buffer.</param>
    /// <returns>Complete, or stopped at the first page that is not present or not readable: EFAULT with
    /// <see cref="CaptureFaultsResult.HasFault"/>, the fault address (the first byte not copied), the access kind and
    /// the bytes done. Resolve the fault outside your locks (<see cref="ResolveFault"/>) and retry from there; when the
    /// fault cannot be resolved, EFAULT is final. A range that leaves user space is EFAULT without a fault (nothing to
    /// resolve). The bytes of <paramref name="destination"/> past the count are cleared.</returns>
    public static CaptureFaultsResult CopyInCaptureFaults(ref readonly UserAccess access, UserConstPtr<byte> source, Span<byte> destination)
    {
        ulong address = source.Address.Value;
        if (!destination.IsEmpty && !CopyEngine.IsUserRange(in access, address, (ulong)destination.Length))
        {
            destination.Clear();
            return new CaptureFaultsResult(0, LinuxError.EFAULT, false, default, MappingFlags.Read);
        }

        IUserAddressSpace space = UserAccess.Live(in access);
        int done = 0;
        while (done < destination.Length)
        {
            ulong cursor = address + (ulong)done;
            int chunk = CopyEngine.ChunkToPageEnd(cursor, destination.Length - done);
            if (!IsPresent(space, cursor, chunk, MappingFlags.Read))
            {
                destination[done..].Clear();
                return new CaptureFaultsResult((nuint)done, LinuxError.EFAULT, true, cursor, MappingFlags.Read);
            }

            KernelMemory.CopyToKernel(space.GetKernelAddress(cursor), destination.Slice(done, chunk));
            done += chunk;
        }

        return new CaptureFaultsResult((nuint)done, LinuxError.None, false, default, MappingFlags.Read);
    }

    /// <summary>
    /// Copies to user memory without ever populating a page or entering the fault path (Fuchsia's
    /// <c>copy_to_user_capture_faults</c>). See <see cref="CopyInCaptureFaults"/>.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="destination">The user address; need not be aligned.</param>
    /// <param name="source">The kernel bytes.</param>
    /// <returns>Complete, or stopped at the first page that is not present or not writable: EFAULT with
    /// <see cref="CaptureFaultsResult.HasFault"/>, the fault address, <see cref="MappingFlags.Write"/> and the bytes
    /// done (written; the rest untouched). A range that leaves user space is EFAULT without a fault.</returns>
    public static CaptureFaultsResult CopyOutCaptureFaults(ref readonly UserAccess access, UserPtr<byte> destination, ReadOnlySpan<byte> source)
    {
        ulong address = destination.Address.Value;
        if (!source.IsEmpty && !CopyEngine.IsUserRange(in access, address, (ulong)source.Length))
        {
            return new CaptureFaultsResult(0, LinuxError.EFAULT, false, default, MappingFlags.Write);
        }

        IUserAddressSpace space = UserAccess.Live(in access);
        int done = 0;
        while (done < source.Length)
        {
            ulong cursor = address + (ulong)done;
            int chunk = CopyEngine.ChunkToPageEnd(cursor, source.Length - done);
            if (!IsPresent(space, cursor, chunk, MappingFlags.Write))
            {
                return new CaptureFaultsResult((nuint)done, LinuxError.EFAULT, true, cursor, MappingFlags.Write);
            }

            KernelMemory.CopyToUser(source.Slice(done, chunk), space.GetKernelAddress(cursor));
            done += chunk;
        }

        return new CaptureFaultsResult((nuint)done, LinuxError.None, false, default, MappingFlags.Write);
    }

    /// <summary>
    /// Resolves a fault captured by <see cref="CopyInCaptureFaults"/> or <see cref="CopyOutCaptureFaults"/>: opens a
    /// scope of its own (so the kernel-mode fault is legal) and calls <see cref="IUserAddressSpace.HandlePageFault"/>.
    /// Call it after releasing the locks that made you capture faults, then retry the copy from where it stopped.
    /// </summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="address">The fault address.</param>
    /// <param name="faultAccess">The access kind from the result.</param>
    /// <returns><see cref="LinuxError.None"/> when the page is now present; EFAULT when the access is illegal (no
    /// mapping, or the mapping lacks the permission, or the page could not be allocated).</returns>
    public static LinuxError ResolveFault(IAddrSpaceProvider provider, VirtAddr address, MappingFlags faultAccess)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return UserAccess.Live(in access).HandlePageFault(address, faultAccess & ~MappingFlags.User) ? LinuxError.None : LinuxError.EFAULT;
    }

    private static bool IsPresent(IUserAddressSpace space, ulong cursor, int chunk, MappingFlags flags) =>
        VirtAddrRange.TryFromStartSize(cursor, (ulong)chunk, out VirtAddrRange range)
        && space.CheckRegionAccess(range, flags)
        && space.IsPopulated(cursor);
}
