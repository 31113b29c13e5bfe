using System;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// A transient host mapping of guest buffers whose host protections are the guest's, so that a host system call given
/// a partly inaccessible guest buffer answers exactly as Linux would for that file (EFAULT for a small pipe write that
/// faults part-way, the full count for <c>/dev/null</c>, a short count for a regular file, the bytes written for
/// <c>getrandom</c>): the host kernel is the oracle.
/// </summary>
/// <remarks>
/// <para>Raw host addresses cross this type. Invariants:</para>
/// <list type="number">
/// <item>The reservation is <c>PROT_NONE</c> anonymous memory owned by this mirror; only its own pages are ever
/// re-mapped (<c>MAP_FIXED</c> inside the reservation), and <see cref="Dispose"/> unmaps all of it.</item>
/// <item>A guest page is mapped into the mirror only when its area grants the access asked for (read for a buffer the
/// host reads, write for one it fills) and the core has populated it (<see cref="AddrSpace.PrepareAccess"/>), with
/// that access as host protection; every other page stays <c>PROT_NONE</c>. So the host can reach exactly what the
/// guest could, and a host syscall answers EFAULT or a short count where the guest lacks access: host syscalls never
/// raise a signal for a bad pointer.</item>
/// <item>Mirroring and every use of the mirror happen inside one access scope on the space, so no unmap, protect or
/// hole-punch can change the mirrored pages until the mirror is gone.</item>
/// <item>Mirrors are transient: created on the slow path of one system call and unmapped before it returns, so they
/// cost no lasting host mappings. The host's <c>vm.max_map_count</c> is shared by the whole runner (the .NET runtime
/// included), so one mirror maps at most <see cref="MaxRuns"/> runs: a buffer striped over more areas than that keeps
/// the rest inaccessible, which changes nothing for files that stop at the first fault.</item>
/// </list>
/// </remarks>
internal struct GuestBufferMirror : IDisposable
{
    private const long ProtNone = (long)Protection.None;
    private const long ProtRead = (long)Protection.Read;
    private const long ProtReadWrite = (long)(Protection.Read | Protection.Write);
    private const long ReserveFlags = (long)(MapFlags.Private | MapFlags.Anonymous | MapFlags.NoReserve);
    private const long MirrorFlags = (long)(MapFlags.Shared | MapFlags.Fixed);

    /// <summary>The most runs (host mappings) one mirror creates.</summary>
    public const int MaxRuns = 256;

    private long _base;
    private ulong _size;
    private ulong _used;
    private int _runs;

    /// <summary>The host bytes a mirror of <c>[start, start + length)</c> needs: the pages it touches.</summary>
    /// <param name="start">The first guest byte.</param>
    /// <param name="length">The length; <c>start + length</c> lies in the user range (validated by the caller), so
    /// rounding it up cannot wrap.</param>
    /// <returns>The page-rounded span.</returns>
    public static ulong SpanOf(ulong start, ulong length) =>
        length == 0 ? 0 : Pages.AlignDown4K(start + length + Pages.OffsetMask4K) - Pages.AlignDown4K(start);

    /// <summary>Reserves <paramref name="size"/> bytes of inaccessible host address space for mirrors.</summary>
    /// <param name="size">The total of <see cref="SpanOf"/> over the buffers to mirror.</param>
    /// <param name="mirror">The mirror; dispose it.</param>
    /// <returns>0, or -errno (ENOMEM when the host refuses).</returns>
    public static long Reserve(ulong size, out GuestBufferMirror mirror)
    {
        mirror = default;
        if (size == 0)
        {
            return 0;
        }

        long address = HostLinux.Syscall((long)SyscallNumber.Mmap, 0, (long)size, ProtNone, ReserveFlags, -1, 0);
        if (address < 0)
        {
            return address;
        }

        mirror._base = address;
        mirror._size = size;
        return 0;
    }

    /// <summary>
    /// Mirrors the guest buffer <c>[start, start + length)</c> into the next unused part of the reservation: every
    /// run of pages whose area grants <paramref name="access"/> is populated and mapped from its backing file with that
    /// access; the rest stays inaccessible. Call inside an access scope on <paramref name="space"/> and keep it open
    /// until the mirror is disposed.
    /// </summary>
    /// <param name="space">The guest's address space.</param>
    /// <param name="start">The first guest byte.</param>
    /// <param name="length">The length (validated against the user range by the caller).</param>
    /// <param name="access"><see cref="MappingFlags.Read"/> for a buffer the host reads, <see cref="MappingFlags.Write"/>
    /// for one it fills.</param>
    /// <param name="hostAddress">The mirror address of <paramref name="start"/>.</param>
    /// <returns>0, or -ENOMEM when the reservation is too small or the host refuses a mapping.</returns>
    public long Add(AddrSpace space, ulong start, ulong length, MappingFlags access, out long hostAddress)
    {
        ulong span = SpanOf(start, length);
        hostAddress = 0;
        if (span > _size - _used)
        {
            return -(long)LinuxError.ENOMEM;
        }

        ulong first = Pages.AlignDown4K(start);
        ulong end = first + span;
        long region = _base + (long)_used;
        _used += span;
        hostAddress = region + (long)(start - first);
        long protection = access == MappingFlags.Read ? ProtRead : ProtReadWrite;
        ulong at = first;
        while (at < end && _runs < MaxRuns)
        {
            bool mapped = space.TryGetHostBacking(at, out ulong runEnd, out MappingFlags flags, out int fd, out ulong offset);
            runEnd = Math.Min(runEnd, end);
            if (mapped && (flags & access) == access
                && space.PrepareAccess(new VirtAddr(at), runEnd - at, access, out _) == LinuxError.None)
            {
                long r = HostLinux.Syscall((long)SyscallNumber.Mmap, region + (long)(at - first), (long)(runEnd - at), protection, MirrorFlags, fd, (long)offset);
                if (r < 0)
                {
                    return -(long)LinuxError.ENOMEM;
                }

                _runs++;
            }

            at = runEnd;
        }

        return 0;
    }

    /// <summary>Unmaps the reservation and every mirror in it (idempotent).</summary>
    public void Dispose()
    {
        if (_size != 0)
        {
            HostLinux.Syscall((long)SyscallNumber.Munmap, _base, (long)_size);
            _size = 0;
            _base = 0;
            _used = 0;
            _runs = 0;
        }
    }
}
