using System;
using System.Threading;
using UserMemory.AddressSpace.Interop;
using UserMemory.UnsafeAccess;

namespace UserMemory.AddressSpace;

/// <summary>
/// The reference <see cref="IUserAddressSpace"/>: guest memory living in host memory at <c>base + va</c>, the way
/// QEMU's user-mode emulation places it, with Linux's <c>mmap</c>/<c>munmap</c>/<c>mprotect</c> semantics (ArceOS
/// axmm's, with its quirks fixed).
/// </summary>
/// <remarks>
/// <para><b>Memory.</b> One sparse memfd, as large as <c>UserRange.End</c>, holds every private page at file offset
/// <c>va</c>. It is mapped twice, each view covering guest addresses <c>[0, UserRange.End)</c>:</para>
/// <list type="bullet">
/// <item>The <b>kernel view</b> (<see cref="KernelBase"/>) is always readable and writable and is one host mapping
/// (plus a few per shared area). It enforces nothing: the core reaches it only through this class's validation
/// (<see cref="PrepareAccess"/>), which enforces the area flags and populates first.</item>
/// <item>The <b>guest view</b> (<see cref="GuestViewBase"/>, optional) carries each area's protections as host
/// protections (unmapped = no access), so a CPU emulator or a pass-through host syscall gets Linux's faults and short
/// counts from the host itself. It costs one host mapping per run of pages with one protection; see
/// <see cref="AddrSpaceOptions.GuestView"/> and <see cref="AddrSpaceOptions.MaxHostMappings"/>.</item>
/// </list>
/// <para>Host zero-fill on first touch stands in for allocating a page; population (which pages count as committed)
/// is tracked in a software bitmap, so the core never relies on a host fault. Unmapping punches a hole in the memfd, so
/// the contents are freed in both views and a later mapping reads zeros. Shared areas map a
/// <see cref="SharedMemory"/>'s memfd over the same place in both views.</para>
/// <para><b>Threads.</b> Any number of threads may check, populate and fault concurrently (inside access scopes, which
/// use a distributed reader lock, the core's <see cref="AccessScopeLock"/>: <see cref="EnterAccess"/> touches only the
/// calling thread's cache line, and a <see cref="UserAccess"/> scope enters it inline).
/// Map, unmap, protect, clear, clone and snapshot take the exclusive side and wait for every scope to end; calling
/// them from inside a scope on the same space throws <see cref="InvalidOperationException"/>.</para>
/// <para><b>Lookup.</b> Areas sit in one sorted array, searched through a small static B-tree over their ends (a
/// binary search of one end per 64 areas, then two vector compares of one cache line each), preceded by shared hints
/// (the last areas hit), so repeated accesses to one area cost the same with one area or a hundred thousand.</para>
/// </remarks>
public sealed partial class AddrSpace : IUserAddressSpace, IHostMappedAddressSpace, IDisposable
{
    private readonly AccessScopeLock _lock = new();
    private readonly AreaList _areas = new();
    private readonly PopulationBitmap _bitmap;
    private readonly AddrSpaceOptions _options;
    private readonly ulong _viewSize;
    private readonly int _memfd;
    private readonly int _emptyHostMappings;
    private long _committedPages;
    private int _hostMappings;
    private int _disposed;
    private bool _faultGuarded;

    private AddrSpace(VirtAddrRange userRange, AddrSpaceOptions options, int memfd, int borrowedFd = -1)
    {
        UserRange = userRange;
        _options = options;
        _viewSize = userRange.End.Value;
        _memfd = memfd;
        _borrowedFd = borrowedFd;
        _bitmap = new PopulationBitmap(_viewSize >> Pages.Shift4K);
        try
        {
            KernelBase = borrowedFd >= 0
                ? HostMemory.MapViewPrivate(borrowedFd, _viewSize, Libc.ProtRead | Libc.ProtWrite)
                : HostMemory.MapView(memfd, _viewSize, Libc.ProtRead | Libc.ProtWrite);
            GuestViewBase = options.GuestView ? HostMemory.MapView(memfd, _viewSize, Libc.ProtNone) : 0;
        }
        catch
        {
            HostMemory.Unmap(KernelBase, _viewSize);
            HostMemory.Close(memfd);
            HostMemory.Close(borrowedFd);
            throw;
        }

        _emptyHostMappings = options.GuestView ? 2 : 1;
        _hostMappings = _emptyHostMappings;
    }

    /// <summary>Creates an empty address space whose user range is <c>[start, start + size)</c>.</summary>
    /// <param name="start">The first user address, page-aligned.</param>
    /// <param name="size">The size in bytes, page-aligned, above zero.</param>
    /// <param name="options">Tunables, or null for <see cref="AddrSpaceOptions.Default"/>.</param>
    /// <returns>The address space; dispose it.</returns>
    /// <exception cref="ArgumentException">The range is unaligned, empty or overflows (a programming error).</exception>
    /// <exception cref="InvalidOperationException">The host refused the reservation.</exception>
    /// <remarks>The host reserves <c>start + size</c> bytes of address space per view (not memory), so the user
    /// range should end within tens of GiB, as with QEMU's guest base.</remarks>
    public static AddrSpace Create(VirtAddr start, ulong size, AddrSpaceOptions? options = null)
    {
        VirtAddrRange range = ValidateUserRange(start, size);
        return new AddrSpace(range, ValidateOptions(options), HostMemory.CreateMemfd("usermemory-space", range.End.Value));
    }

    /// <inheritdoc/>
    public VirtAddrRange UserRange { get; }

    /// <summary>Host address of guest address 0 in the kernel view, which is always readable and writable: the kernel
    /// byte of guest address <c>va</c> is at <c>KernelBase + va</c>. Touch it only for ranges validated in an access
    /// scope (<see cref="PrepareAccess"/>); elsewhere it is backed by the memfd and reads zero, but is not guest memory.
    /// A raw route: see <see cref="IHostMappedAddressSpace"/> for the invariants.</summary>
    [RequiresUnsafeUserMemory]
    public nint KernelBase { get; }

    /// <summary>Host address of guest address 0 in the guest view, whose host protections follow the areas
    /// (<see cref="MappingFlags.Read"/>, <see cref="MappingFlags.Write"/>, <see cref="MappingFlags.Execute"/> map to
    /// <c>PROT_READ</c>, <c>PROT_WRITE</c>, <c>PROT_EXEC</c>; no area = <c>PROT_NONE</c>); 0 when
    /// <see cref="AddrSpaceOptions.GuestView"/> is off. Lazy pages are host zero-fill here: touching one does not go
    /// through <see cref="HandlePageFault"/>, so call it yourself if you want exact <see cref="ResidentPages"/>.
    /// A raw route: see <see cref="IHostMappedAddressSpace"/> for the invariants.</summary>
    [RequiresUnsafeUserMemory]
    public nint GuestViewBase { get; }

    /// <inheritdoc/>
    nint IHostMappedAddressSpace.KernelViewBase => KernelBase;

    /// <inheritdoc/>
    int IHostMappedAddressSpace.MemoryFileDescriptor => _memfd;

    /// <summary>Pages currently populated (software population bitmap), private and shared.</summary>
    public long ResidentPages => _bitmap.SetCount;

    /// <summary>Bytes of committed private memory: populated pages of private areas.</summary>
    public ulong CommittedBytes => (ulong)Volatile.Read(ref _committedPages) << Pages.Shift4K;

    /// <summary>The committed-memory limit (<see cref="AddrSpaceOptions.MemoryLimit"/>).</summary>
    public ulong MemoryLimit => _options.MemoryLimit;

    /// <summary>The options this space was created with.</summary>
    public AddrSpaceOptions Options => _options;

    /// <summary>The number of areas.</summary>
    public int AreaCount
    {
        get
        {
            _lock.EnterRead();
            try
            {
                return _areas.Count;
            }
            finally
            {
                _lock.ExitRead();
            }
        }
    }

    /// <summary>The host mappings (lines of <c>/proc/self/maps</c>) this space's views use now, as computed from the
    /// areas: adjacent pages merge into one host mapping when they have the same backing file, contiguous file offsets
    /// and the same protection. Kept at most <see cref="AddrSpaceOptions.MaxHostMappings"/>.</summary>
    public int HostMappingCount => Volatile.Read(ref _hostMappings);

    /// <inheritdoc/>
    public void EnterAccess() => _lock.EnterRead();

    /// <inheritdoc/>
    public void ExitAccess() => _lock.ExitRead();

    /// <inheritdoc/>
    AccessScopeLock? IUserAddressSpace.ScopeLock => _lock;

    /// <summary>Removes every area: their contents are freed, shared objects released, both views reset.</summary>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    public void Clear()
    {
        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: false);
            ClearLocked();
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    /// <summary>Releases everything: areas, both views (the reservation) and the memfd. Waits for open access scopes.
    /// Idempotent.</summary>
    public void Dispose()
    {
        _lock.EnterWrite();
        try
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            EndBorrowingLocked(copy: false);
            ClearLocked();
            if (_faultGuarded)
            {
                HostFaultGuard.Unregister(KernelBase);
                HostFaultGuard.Unregister(GuestViewBase);
            }

            HostMemory.Unmap(KernelBase, _viewSize);
            HostMemory.Unmap(GuestViewBase, _viewSize);
            HostMemory.Close(_memfd);
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    private static VirtAddrRange ValidateUserRange(VirtAddr start, ulong size)
    {
        if (size == 0 || !start.IsAligned4K || !Pages.IsAligned4K(size)
            || !VirtAddrRange.TryFromStartSize(start, size, out VirtAddrRange range) || range.End.Value > long.MaxValue)
        {
            throw new ArgumentException("The user range must be page-aligned, non-empty and end below 2^63.", nameof(size));
        }

        return range;
    }

    private static AddrSpaceOptions ValidateOptions(AddrSpaceOptions? options)
    {
        options ??= AddrSpaceOptions.Default;
        if (options.MaxHostMappings < (options.GuestView ? 2 : 1))
        {
            throw new ArgumentException("MaxHostMappings must allow the views themselves.", nameof(options));
        }

        int window = options.AnonymousFaultAroundPages;
        if (window < 0 || window > AddrSpaceOptions.MaxAnonymousFaultAroundPages || (window & (window - 1)) != 0)
        {
            throw new ArgumentException("AnonymousFaultAroundPages must be 0 or a power of two up to MaxAnonymousFaultAroundPages.", nameof(options));
        }

        return options;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ClearLocked()
    {
        bool hadShared = false;
        foreach (Area area in _areas.AsSpan())
        {
            area.File?.Release();
            if (area.Shared is not null)
            {
                hadShared = true;
                area.Shared.Release();
            }
        }

        _areas.Clear();
        HostMemory.PunchHole(_memfd, 0, _viewSize);
        if (hadShared)
        {
            ThrowOnHostFailure(HostMemory.MapFileFixed(KernelBase, _viewSize, Libc.ProtRead | Libc.ProtWrite, _memfd, 0), "mmap");
        }

        if (GuestViewBase != 0)
        {
            ThrowOnHostFailure(
                hadShared
                    ? HostMemory.MapFileFixed(GuestViewBase, _viewSize, Libc.ProtNone, _memfd, 0)
                    : HostMemory.Protect(GuestViewBase, _viewSize, Libc.ProtNone),
                "mmap/mprotect");
        }

        _bitmap.Reset();
        Volatile.Write(ref _committedPages, 0);
        Volatile.Write(ref _hostMappings, _emptyHostMappings);
    }

    private static void ThrowOnHostFailure(int errno, string call)
    {
        if (errno != 0)
        {
            throw new InvalidOperationException($"{call} on a view failed: {((LinuxError)errno).Name()}.");
        }
    }

    private bool TryCommit(ulong pages)
    {
        if (pages == 0)
        {
            return true;
        }

        ulong limitPages = _options.MemoryLimit >> Pages.Shift4K;
        long current = Volatile.Read(ref _committedPages);
        while (true)
        {
            if (pages > limitPages || (ulong)current > limitPages - pages)
            {
                return false;
            }

            long seen = Interlocked.CompareExchange(ref _committedPages, current + (long)pages, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }
    }

    private void Uncommit(ulong pages)
    {
        if (pages != 0)
        {
            Interlocked.Add(ref _committedPages, -(long)pages);
        }
    }
}
