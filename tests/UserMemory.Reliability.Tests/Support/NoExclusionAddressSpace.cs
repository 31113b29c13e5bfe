namespace UserMemory.Reliability.Tests.Support;

/// <summary>
/// A deliberately broken wrapper for meta-tests: it forwards everything except the access scope, so scopes no longer
/// hold off unmap and protect. The race tests must notice.
/// </summary>
public sealed class NoExclusionAddressSpace : IUserAddressSpace
{
    private readonly IUserAddressSpace _inner;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public NoExclusionAddressSpace(IUserAddressSpace inner) => _inner = inner;

    /// <inheritdoc/>
    public VirtAddrRange UserRange => _inner.UserRange;

    /// <inheritdoc/>
    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) => _inner.CheckRegionAccess(range, access);

    /// <inheritdoc/>
    public LinuxError PopulateArea(VirtAddrRange range) => _inner.PopulateArea(range);

    /// <inheritdoc/>
    public bool HandlePageFault(VirtAddr address, MappingFlags access) => _inner.HandlePageFault(address, access);

    /// <inheritdoc/>
    public bool IsPopulated(VirtAddr address) => _inner.IsPopulated(address);

    /// <inheritdoc/>
    public nuint GetKernelAddress(VirtAddr address) => _inner.GetKernelAddress(address);

    /// <inheritdoc/>
    public void EnterAccess()
    {
    }

    /// <inheritdoc/>
    public void ExitAccess()
    {
    }

    /// <inheritdoc/>
    public LinuxError PrepareAccess(VirtAddr start, ulong size, MappingFlags access, out nuint kernelAddress)
    {
        // Checked through the inner space's own scope for the check itself, released at once: the answer is stale
        // as soon as this returns, which is the bug this wrapper models.
        _inner.EnterAccess();
        try
        {
            return _inner.PrepareAccess(start, size, access, out kernelAddress);
        }
        finally
        {
            _inner.ExitAccess();
        }
    }
}
