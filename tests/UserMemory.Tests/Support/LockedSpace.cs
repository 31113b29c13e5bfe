using UserMemory.UnsafeAccess;

namespace UserMemory.Tests.Support;

/// <summary>Forwards to a <see cref="TestAddressSpace"/> but guards its scopes with an <see cref="AccessScopeLock"/>
/// handed to the core through <see cref="IUserAddressSpace.ScopeLock"/>, so scopes take the inline lock path that the
/// reference address space uses.</summary>
public sealed class LockedSpace(TestAddressSpace inner) : IUserAddressSpace
{
    /// <summary>The lock; tests take its exclusive side to play an unmap.</summary>
    public AccessScopeLock Lock { get; } = new();

    /// <summary>How often <see cref="EnterAccess"/> was called (the core should not call it: it enters the lock inline).</summary>
    public int InterfaceEntries { get; private set; }

    public VirtAddrRange UserRange => inner.UserRange;

    public AccessScopeLock? ScopeLock => Lock;

    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) => inner.CheckRegionAccess(range, access);

    public LinuxError PopulateArea(VirtAddrRange range) => inner.PopulateArea(range);

    public bool HandlePageFault(VirtAddr address, MappingFlags access) => inner.HandlePageFault(address, access);

    public bool IsPopulated(VirtAddr address) => inner.IsPopulated(address);

    public nuint GetKernelAddress(VirtAddr address) => inner.GetKernelAddress(address);

    public void EnterAccess()
    {
        InterfaceEntries++;
        Lock.EnterRead();
    }

    public void ExitAccess() => Lock.ExitRead();
}
