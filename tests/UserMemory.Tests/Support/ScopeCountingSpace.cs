namespace UserMemory.Tests.Support;

/// <summary>Forwards to a <see cref="TestAddressSpace"/> and counts the access scopes open on it, so a test can see
/// whether a scope still holds the space's shared side.</summary>
public sealed class ScopeCountingSpace(TestAddressSpace inner) : IUserAddressSpace
{
    /// <summary>Scopes entered and not yet exited.</summary>
    public int OpenScopes { get; private set; }

    public TestAddressSpace Inner => inner;

    public VirtAddrRange UserRange => inner.UserRange;

    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) => inner.CheckRegionAccess(range, access);

    public LinuxError PopulateArea(VirtAddrRange range) => inner.PopulateArea(range);

    public bool HandlePageFault(VirtAddr address, MappingFlags access) => inner.HandlePageFault(address, access);

    public bool IsPopulated(VirtAddr address) => inner.IsPopulated(address);

    public nuint GetKernelAddress(VirtAddr address) => inner.GetKernelAddress(address);

    public void EnterAccess()
    {
        inner.EnterAccess();
        OpenScopes++;
    }

    public void ExitAccess()
    {
        OpenScopes--;
        inner.ExitAccess();
    }
}
