using System;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>Page advice: <c>madvise(MADV_DONTNEED)</c>.</summary>
public sealed partial class AddrSpace
{
    /// <summary>
    /// <c>MADV_DONTNEED</c>: frees the populated pages of the lazy private areas in <c>[start, start + size)</c> and
    /// makes them unpopulated, so the next touch reads zero (anonymous memory) or the file again (a private file
    /// mapping), and they no longer count against the memory limit. Shared areas keep their contents (the pages stay
    /// in the shared object, as on Linux), and so do eagerly populated private areas (<see cref="MapLinear"/>: their
    /// contents have no other source here). Gaps in the range are skipped.
    /// </summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="freed">True when some populated page was freed: only then must a CPU drop the range.</param>
    /// <returns>None; EINVAL (unaligned, empty or not inside <see cref="UserRange"/>); ENOMEM when part of the range is
    /// not mapped (the mapped parts are discarded anyway, as Linux does).</returns>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <remarks>Callers that run guest code through a CPU drop the range from its TLB and page tables afterwards when
    /// <paramref name="freed"/>, as after <see cref="Protect"/>.</remarks>
    public LinuxError DiscardPages(VirtAddr start, ulong size, out bool freed)
    {
        freed = false;
        if (!TryValidateRange(start, size, out VirtAddrRange range))
        {
            return LinuxError.EINVAL;
        }

        ulong s = range.Start.Value;
        ulong e = range.End.Value;
        _lock.EnterWrite();
        try
        {
            ThrowIfDisposed();
            EndBorrowingLocked(copy: true);
            (int first, int count) = Overlapping(s, e);
            ulong covered = 0;
            ReadOnlySpan<Area> areas = _areas.AsSpan().Slice(first, count);
            foreach (Area area in areas)
            {
                ulong from = Math.Max(area.Start, s);
                ulong to = Math.Min(area.End, e);
                covered += to - from;
                if (area.Shared is not null || !area.IsLazy)
                {
                    continue;
                }

                ulong firstPage = from >> Pages.Shift4K;
                ulong endPage = to >> Pages.Shift4K;
                if (_bitmap.Find(firstPage, endPage, value: true) >= endPage)
                {
                    continue; // nothing populated there
                }

                HostMemory.PunchHole(_memfd, from, to - from);
                Uncommit(_bitmap.ClearRange(firstPage, endPage));
                freed = true;
            }

            return covered == e - s ? LinuxError.None : LinuxError.ENOMEM;
        }
        finally
        {
            _lock.ExitWrite();
        }
    }
}
