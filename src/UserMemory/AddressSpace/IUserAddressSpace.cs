using UserMemory.UnsafeAccess;

namespace UserMemory;

/// <summary>
/// The few things the core needs from an address space. A kernel author implements this for their own memory
/// manager; <c>UserMemory.AddressSpace</c> ships a reference implementation on host memory.
/// </summary>
/// <remarks>
/// <para><b>Access scopes.</b> <see cref="EnterAccess"/> and <see cref="ExitAccess"/> bracket every operation the
/// core performs (see <see cref="UserAccess"/>). While any thread is inside, the implementation must not remove,
/// replace or re-protect a mapping: unmap and protect wait for the scopes to end. That is what lets a borrowed
/// reference or span stay valid for the whole scope. Entering must be re-entrant on one thread, and
/// <see cref="PopulateArea"/> and <see cref="HandlePageFault"/> are called from inside a scope, so they must not
/// wait for the exclusive side (a lazy page is populated without excluding readers).</para>
/// <para><b>Kernel addresses.</b> For a range accepted by <see cref="CheckRegionAccess"/>, the kernel addresses
/// from <see cref="GetKernelAddress"/> must be contiguous and stay valid until the scope ends: identity in a real
/// kernel, <c>base + va</c> in a host-mapped emulator.</para>
/// <para><b>Raw routes.</b> <see cref="GetKernelAddress"/>, <see cref="PrepareAccess"/> and <see cref="PrepareWindow"/>
/// answer kernel addresses that nothing checks afterwards. They exist for the core and for address-space implementers;
/// they carry <see cref="RequiresUnsafeUserMemoryAttribute"/>, and the analyzer shipped with the package (UM0003) reports
/// a call to them from code that has not opted in. Kernel code reaches guest memory through <see cref="UserPtr{T}"/>,
/// <see cref="UserConstPtr{T}"/> and <c>UserCopy</c>, which validate first.</para>
/// </remarks>
public interface IUserAddressSpace : IAddrSpaceProvider
{
    /// <summary>The addresses user pointers may name at all: <c>access_ok</c>'s limit. A zero-length access at an
    /// address inside this range, or at its end, succeeds without touching memory.</summary>
    VirtAddrRange UserRange { get; }

    /// <summary>
    /// True when every byte of <paramref name="range"/> is covered by contiguous areas whose flags include all of
    /// <paramref name="access"/>. An empty range is accessible when it lies in <see cref="UserRange"/>.
    /// </summary>
    /// <param name="range">The range to check.</param>
    /// <param name="access">The required flags, e.g. <see cref="MappingFlags.Read"/>.</param>
    /// <returns>Whether the access is allowed.</returns>
    bool CheckRegionAccess(VirtAddrRange range, MappingFlags access);

    /// <summary>Populates the lazily backed pages of a page-aligned range, so that touching them cannot fault.</summary>
    /// <param name="range">A page-aligned range.</param>
    /// <returns><see cref="LinuxError.None"/>; EFAULT when part of the range has no area; ENOMEM over the memory limit;
    /// EINVAL when not page-aligned.</returns>
    LinuxError PopulateArea(VirtAddrRange range);

    /// <summary>Handles a page fault at <paramref name="address"/>.</summary>
    /// <param name="address">The faulting address.</param>
    /// <param name="access">The access that faulted; <see cref="MappingFlags.User"/> marks a user-mode fault. A
    /// kernel-mode fault outside <see cref="UserAccessContext"/> is a kernel bug and raises
    /// <see cref="KernelOopsException"/>.</param>
    /// <returns>True when the fault was resolved (a lazy page populated); false when the access is illegal (no area, or
    /// the area lacks the permission): the caller answers EFAULT or delivers SIGSEGV.</returns>
    bool HandlePageFault(VirtAddr address, MappingFlags access);

    /// <summary>True when the page containing <paramref name="address"/> is backed now, so that touching it would not
    /// enter the fault path (a page table's present bit). Used by fault-capturing copies.</summary>
    /// <param name="address">Any address in the page.</param>
    /// <returns>Whether the page is present.</returns>
    bool IsPopulated(VirtAddr address);

    /// <summary>Where the kernel reads and writes the byte at user address <paramref name="address"/>. Only meaningful
    /// for addresses that passed <see cref="CheckRegionAccess"/> inside the current scope.</summary>
    /// <param name="address">A validated user address.</param>
    /// <returns>The kernel (host) address.</returns>
    /// <remarks>A raw route: the answer is only meaningful for a validated address, and the caller must not touch
    /// bytes outside the validated range or after the scope ends.</remarks>
    [RequiresUnsafeUserMemory]
    nuint GetKernelAddress(VirtAddr address);

    /// <summary>Begins an access scope on the calling thread (shared with other readers, re-entrant).</summary>
    void EnterAccess();

    /// <summary>Ends the scope begun by the matching <see cref="EnterAccess"/>.</summary>
    void ExitAccess();

    /// <summary>The lock behind <see cref="EnterAccess"/> and <see cref="ExitAccess"/> when they are exactly its shared
    /// side (see <see cref="AccessScopeLock"/> for the contract), so that a <see cref="UserAccess"/> scope enters and
    /// leaves it inline; null (the default) makes scopes call <see cref="EnterAccess"/> and <see cref="ExitAccess"/>.</summary>
    AccessScopeLock? ScopeLock => null;

    /// <summary>
    /// The fused fast path of a region check: validates <c>[start, start + size)</c> for <paramref name="access"/>,
    /// populates its page cover and returns the kernel address of <paramref name="start"/>. Implementations may
    /// override it with a faster equivalent; the default composes the members above.
    /// </summary>
    /// <param name="start">The first user address.</param>
    /// <param name="size">The number of bytes; must be above zero.</param>
    /// <param name="access">The required flags.</param>
    /// <param name="kernelAddress">The kernel address of <paramref name="start"/> on success.</param>
    /// <returns><see cref="LinuxError.None"/>, EFAULT (overflow or not accessible), or ENOMEM (population failed).</returns>
    /// <remarks>A raw route: the kernel address is valid for <c>[start, start + size)</c> and for
    /// <paramref name="access"/> only, until the current scope ends.</remarks>
    [RequiresUnsafeUserMemory]
    LinuxError PrepareAccess(VirtAddr start, ulong size, MappingFlags access, out nuint kernelAddress)
    {
        kernelAddress = 0;
        if (!VirtAddrRange.TryFromStartSize(start, size, out VirtAddrRange range) || !CheckRegionAccess(range, access))
        {
            return LinuxError.EFAULT;
        }

        if (!range.TryPageCover(out VirtAddrRange cover))
        {
            return LinuxError.EFAULT;
        }

        LinuxError populated = PopulateArea(cover);
        if (populated != LinuxError.None)
        {
            return populated;
        }

        kernelAddress = GetKernelAddress(start);
        return LinuxError.None;
    }

    /// <summary>
    /// <see cref="PrepareAccess"/>, answering the whole run that was validated and populated (see
    /// <see cref="ValidatedWindow"/> for the invariants) instead of one kernel address. A <see cref="UserAccess"/> scope
    /// remembers the last window, so later accesses inside it need no call at all. The default answers exactly
    /// <c>[start, start + size)</c> with <paramref name="access"/>; an implementation whose areas are page-granular may
    /// answer the populated part of the area around it.
    /// </summary>
    /// <param name="start">The first user address.</param>
    /// <param name="size">The number of bytes; must be above zero.</param>
    /// <param name="access">The required flags.</param>
    /// <param name="window">The validated run containing the range on success; <see cref="ValidatedWindow.None"/> otherwise.</param>
    /// <returns>As <see cref="PrepareAccess"/>.</returns>
    [RequiresUnsafeUserMemory]
    LinuxError PrepareWindow(VirtAddr start, ulong size, MappingFlags access, out ValidatedWindow window)
    {
        LinuxError e = PrepareAccess(start, size, access, out nuint kernel);
        window = e == LinuxError.None
            ? new ValidatedWindow(start.Value, start.Value + (size - 1), kernel - (nuint)start.Value, access)
            : ValidatedWindow.None;
        return e;
    }

    /// <inheritdoc/>
    IUserAddressSpace IAddrSpaceProvider.AddressSpace => this;
}
