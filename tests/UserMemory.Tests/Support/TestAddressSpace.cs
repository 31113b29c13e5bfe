using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;

namespace UserMemory.Tests.Support;

/// <summary>
/// A small in-memory address space for the core's own tests: page-granular areas over one zeroed native block that
/// stands for <c>[UserRange.Start, UserRange.End)</c>. Lazy pages are tracked per page and zero until populated.
/// Counters record populate and fault calls so tests can assert what the core did.
/// </summary>
public sealed unsafe class TestAddressSpace : IUserAddressSpace, IDisposable
{
    private readonly byte* _block;
    private readonly ulong _pages;
    private readonly MappingFlags[] _flags;   // per page; None = unmapped
    private readonly bool[] _populated;       // per page
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.SupportsRecursion);

    public TestAddressSpace(ulong start, ulong size)
    {
        if (!Pages.IsAligned4K(start) || !Pages.IsAligned4K(size) || size == 0)
        {
            throw new ArgumentException("page-aligned, non-empty");
        }

        UserRange = VirtAddrRange.FromStartSize(start, size);
        _pages = size / Pages.Size4K;
        _block = (byte*)NativeMemory.AllocZeroed((nuint)size);
        _flags = new MappingFlags[_pages];
        _populated = new bool[_pages];
    }

    public VirtAddrRange UserRange { get; }

    public int PopulateCalls { get; private set; }

    public int FaultCalls { get; private set; }

    /// <summary>Pages populated so far (lazy pages become populated on first access).</summary>
    public int PopulatedPages { get { int n = 0; foreach (bool p in _populated) { if (p) n++; } return n; } }

    /// <summary>When set, populating any page fails with ENOMEM.</summary>
    public bool FailPopulation { get; set; }

    public void Map(ulong start, ulong size, MappingFlags flags, bool populate = true)
    {
        _lock.EnterWriteLock();
        try
        {
            for (ulong p = PageIndex(start); p < PageIndex(start) + size / Pages.Size4K; p++)
            {
                _flags[p] = flags;
                _populated[p] = populate;
                new Span<byte>(_block + (p * Pages.Size4K), (int)Pages.Size4K).Clear();
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Unmap(ulong start, ulong size) => Map(start, size, MappingFlags.None, populate: false);

    /// <summary>Direct access to the backing bytes of a user range, bypassing every check (test setup only).</summary>
    public Span<byte> Raw(ulong start, int length) => new(_block + (start - UserRange.Start.Value), length);

    public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access)
    {
        if (!UserRange.Contains(range))
        {
            return false;
        }

        if (range.IsEmpty)
        {
            return true;
        }

        for (ulong p = PageIndex(range.Start.Value); p <= PageIndex(range.End.Value - 1); p++)
        {
            if (_flags[p] == MappingFlags.None || (_flags[p] & access) != access)
            {
                return false;
            }
        }

        return true;
    }

    public LinuxError PopulateArea(VirtAddrRange range)
    {
        PopulateCalls++;
        if (!range.IsPageAligned)
        {
            return LinuxError.EINVAL;
        }

        if (!UserRange.Contains(range))
        {
            return LinuxError.EFAULT;
        }

        for (ulong p = PageIndex(range.Start.Value); p < PageIndex(range.Start.Value) + range.Size / Pages.Size4K; p++)
        {
            if (_flags[p] == MappingFlags.None)
            {
                return LinuxError.EFAULT;
            }

            if (!_populated[p])
            {
                if (FailPopulation)
                {
                    return LinuxError.ENOMEM;
                }

                _populated[p] = true;
            }
        }

        return LinuxError.None;
    }

    public bool HandlePageFault(VirtAddr address, MappingFlags access)
    {
        FaultCalls++;
        if ((access & MappingFlags.User) == 0 && !UserAccessContext.IsAccessingUserMemory)
        {
            throw new KernelOopsException(address, access);
        }

        MappingFlags need = access & ~MappingFlags.User;
        if (!UserRange.Contains(address))
        {
            return false;
        }

        ulong p = PageIndex(address.Value);
        if (_flags[p] == MappingFlags.None || (_flags[p] & need) != need || FailPopulation)
        {
            return false;
        }

        _populated[p] = true;
        return true;
    }

    public bool IsPopulated(VirtAddr address) =>
        UserRange.Contains(address) && _populated[PageIndex(address.Value)];

    public nuint GetKernelAddress(VirtAddr address) => (nuint)(_block + (address.Value - UserRange.Start.Value));

    public void EnterAccess() => _lock.EnterReadLock();

    public void ExitAccess() => _lock.ExitReadLock();

    public void Dispose()
    {
        NativeMemory.Free(_block);
        _lock.Dispose();
    }

    private ulong PageIndex(ulong address) => (address - UserRange.Start.Value) / Pages.Size4K;
}
