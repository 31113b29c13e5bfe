using System;

namespace UserMemory.Tests.Support;

/// <summary>Claims every range below its end is accessible and never touches memory: lets tests reach size limits
/// (spans longer than int.MaxValue) that no real mapping in a test process could back. Nothing may dereference
/// what it returns.</summary>
public sealed class PermissiveAddressSpace : IUserAddressSpace
{
    public VirtAddrRange UserRange { get; } = new(0x1000, 0xFFFF_FFFF_FFFF_F000);

    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) => UserRange.Contains(range);

    public LinuxError PopulateArea(VirtAddrRange range) => LinuxError.None;

    public bool HandlePageFault(VirtAddr address, MappingFlags access) => throw new InvalidOperationException("never faults");

    public bool IsPopulated(VirtAddr address) => true;

    public nuint GetKernelAddress(VirtAddr address) => (nuint)0x1000;

    public void EnterAccess()
    {
    }

    public void ExitAccess()
    {
    }
}
