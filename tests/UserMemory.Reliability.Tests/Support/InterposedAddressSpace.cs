using System.Threading;

namespace UserMemory.Reliability.Tests.Support;

/// <summary>
/// Stands between the core and a real address space: it moves the user range by a fixed offset (so a space whose host
/// view must sit low can be presented at the very top of the 64-bit space) and counts what the core asks for (calls,
/// bytes and pages examined), so tests can prove scans stay within their bound.
/// </summary>
/// <remarks>
/// Every call is validated against the outer range here before it is translated, so an overflowing or out-of-range
/// request from the core is answered EFAULT/false exactly as a real space at that address would, and never reaches the
/// inner space as some other, valid range.
/// </remarks>
public sealed class InterposedAddressSpace : IUserAddressSpace
{
    private readonly IUserAddressSpace _inner;
    private readonly ulong _shift; // outer = inner + shift (mod 2^64)
    private long _prepareCalls;
    private long _bytesExamined;
    private long _pagesExamined;
    private long _populateCalls;
    private long _faultCalls;

    /// <summary>Presents <paramref name="inner"/>'s user range at <paramref name="outerStart"/>.</summary>
    public InterposedAddressSpace(IUserAddressSpace inner, ulong outerStart)
    {
        _inner = inner;
        VirtAddrRange r = inner.UserRange;
        _shift = outerStart - r.Start.Value;
        UserRange = VirtAddrRange.FromStartSize(outerStart, r.Size);
    }

    /// <summary>The inner space.</summary>
    public IUserAddressSpace Inner => _inner;

    /// <inheritdoc/>
    public VirtAddrRange UserRange { get; }

    /// <summary>Calls of <see cref="PrepareAccess"/> and <see cref="CheckRegionAccess"/>.</summary>
    public long PrepareCalls => Interlocked.Read(ref _prepareCalls);

    /// <summary>Sum of the sizes of every checked range.</summary>
    public long BytesExamined => Interlocked.Read(ref _bytesExamined);

    /// <summary>Sum of the page counts of every checked range.</summary>
    public long PagesExamined => Interlocked.Read(ref _pagesExamined);

    /// <summary>Calls of <see cref="PopulateArea"/>.</summary>
    public long PopulateCalls => Interlocked.Read(ref _populateCalls);

    /// <summary>Calls of <see cref="HandlePageFault"/>.</summary>
    public long FaultCalls => Interlocked.Read(ref _faultCalls);

    /// <summary>Resets every counter.</summary>
    public void ResetCounters()
    {
        Interlocked.Exchange(ref _prepareCalls, 0);
        Interlocked.Exchange(ref _bytesExamined, 0);
        Interlocked.Exchange(ref _pagesExamined, 0);
        Interlocked.Exchange(ref _populateCalls, 0);
        Interlocked.Exchange(ref _faultCalls, 0);
    }

    /// <summary>The inner address of an outer one.</summary>
    public ulong ToInner(ulong outer) => outer - _shift;

    /// <inheritdoc/>
    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access)
    {
        Count(range.Start.Value, range.Size);
        return UserRange.Contains(range) && _inner.CheckRegionAccess(Translate(range), access);
    }

    /// <inheritdoc/>
    public LinuxError PopulateArea(VirtAddrRange range)
    {
        Interlocked.Increment(ref _populateCalls);
        if (!range.IsPageAligned)
        {
            return LinuxError.EINVAL;
        }

        return UserRange.Contains(range) ? _inner.PopulateArea(Translate(range)) : LinuxError.EFAULT;
    }

    /// <inheritdoc/>
    public bool HandlePageFault(VirtAddr address, MappingFlags access)
    {
        Interlocked.Increment(ref _faultCalls);
        if ((access & MappingFlags.User) == 0 && !UserAccessContext.IsAccessingUserMemory)
        {
            throw new KernelOopsException(address, access);
        }

        return UserRange.Contains(address) && _inner.HandlePageFault(ToInner(address.Value), access);
    }

    /// <inheritdoc/>
    public bool IsPopulated(VirtAddr address) => UserRange.Contains(address) && _inner.IsPopulated(ToInner(address.Value));

    /// <inheritdoc/>
    public nuint GetKernelAddress(VirtAddr address) => _inner.GetKernelAddress(ToInner(address.Value));

    /// <inheritdoc/>
    public void EnterAccess() => _inner.EnterAccess();

    /// <inheritdoc/>
    public void ExitAccess() => _inner.ExitAccess();

    /// <inheritdoc/>
    public LinuxError PrepareAccess(VirtAddr start, ulong size, MappingFlags access, out nuint kernelAddress)
    {
        Count(start.Value, size);
        kernelAddress = 0;
        if (!VirtAddrRange.TryFromStartSize(start, size, out VirtAddrRange range) || !UserRange.Contains(range))
        {
            return LinuxError.EFAULT;
        }

        return _inner.PrepareAccess(ToInner(start.Value), size, access, out kernelAddress);
    }

    private VirtAddrRange Translate(VirtAddrRange range) => VirtAddrRange.FromStartSize(ToInner(range.Start.Value), range.Size);

    private void Count(ulong start, ulong size)
    {
        Interlocked.Increment(ref _prepareCalls);
        Interlocked.Add(ref _bytesExamined, (long)System.Math.Min(size, long.MaxValue / 2));
        ulong first = start >> Pages.Shift4K;
        ulong last = size == 0 ? first : (start + (size - 1)) >> Pages.Shift4K; // may wrap for hostile sizes: counted as one
        Interlocked.Add(ref _pagesExamined, size == 0 ? 0 : (long)System.Math.Min(last >= first ? last - first + 1 : 1, long.MaxValue / 2));
    }
}
