using System;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Copy;

/// <summary>
/// An address space whose user range runs from the start of an inner <see cref="TestAddressSpace"/> up to 2^64 - 1,
/// with only the inner range backed: everything above it is a user address that is never mapped. It lets tests reach
/// the arithmetic edges at the top of the 64-bit space and totals above SSIZE_MAX.
/// </summary>
internal sealed class WideAddressSpace : IUserAddressSpace, IDisposable
{
    public WideAddressSpace(TestAddressSpace inner)
    {
        Inner = inner;
        UserRange = new VirtAddrRange(inner.UserRange.Start, VirtAddr.MaxValue);
    }

    public TestAddressSpace Inner { get; }

    public VirtAddrRange UserRange { get; }

    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) =>
        Inner.UserRange.Contains(range) ? Inner.CheckRegionAccess(range, access) : range.IsEmpty && UserRange.Contains(range);

    public LinuxError PopulateArea(VirtAddrRange range) =>
        Inner.UserRange.Contains(range) ? Inner.PopulateArea(range) : LinuxError.EFAULT;

    public bool HandlePageFault(VirtAddr address, MappingFlags access) => Inner.HandlePageFault(address, access);

    public bool IsPopulated(VirtAddr address) => Inner.IsPopulated(address);

    public nuint GetKernelAddress(VirtAddr address) => Inner.GetKernelAddress(address);

    public void EnterAccess() => Inner.EnterAccess();

    public void ExitAccess() => Inner.ExitAccess();

    public void Dispose() => Inner.Dispose();
}
