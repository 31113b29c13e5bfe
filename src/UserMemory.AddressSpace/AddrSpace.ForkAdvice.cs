using System;
using System.Collections.Generic;

namespace UserMemory.AddressSpace;

/// <summary>Fork advice: <c>madvise(MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK, MADV_KEEPONFORK)</c>.</summary>
public sealed partial class AddrSpace
{
    /// <summary>
    /// Sets or clears the fork advice of the areas in <c>[start, start + size)</c>, as Linux's <c>madvise</c> does:
    /// areas sticking out of the range are split so that only the overlapping part changes (the pieces keep
    /// everything else), and the areas are walked in address order. A snapshot (<see cref="CreateSnapshot"/>,
    /// <see cref="Clone"/>, <see cref="CreateLendingSnapshot(bool)"/> for a fork) then leaves <c>MADV_DONTFORK</c>
    /// areas out and gives <c>MADV_WIPEONFORK</c> areas fresh zero pages (the copy keeps that advice). A new mapping
    /// over a range starts without advice; unmapping or protecting part of an area keeps it on the rest.
    /// </summary>
    /// <param name="start">Page-aligned start.</param>
    /// <param name="size">Page-aligned size, above zero.</param>
    /// <param name="advice">The advice.</param>
    /// <returns>None; EINVAL (unaligned, empty, not inside <see cref="UserRange"/>, or <see cref="ForkAdvice.WipeOnFork"/>
    /// reaching a shared area or a private file mapping: the areas before it keep the change, as on Linux); ENOMEM
    /// when part of the range is not mapped (the mapped parts change anyway); ENOMEM also when splitting would pass
    /// <see cref="AddrSpaceOptions.MaxHostMappings"/> (nothing changes then).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="advice"/> is not a defined value.</exception>
    /// <exception cref="InvalidOperationException">Called from inside an access scope on this space.</exception>
    /// <remarks>Areas the loader filled from a file (<see cref="MapLinear"/>) are private anonymous memory here, so
    /// <see cref="ForkAdvice.WipeOnFork"/> is accepted on them, where Linux refuses it on a file mapping.</remarks>
    public LinuxError AdviseFork(VirtAddr start, ulong size, ForkAdvice advice)
    {
        if (advice is < ForkAdvice.DontFork or > ForkAdvice.KeepOnFork)
        {
            throw new ArgumentOutOfRangeException(nameof(advice), advice, "Not a fork advice.");
        }

        return AdviseAreas(start, size, (ref Area area) =>
        {
            if (advice == ForkAdvice.WipeOnFork && (area.Shared is not null || area.File is not null))
            {
                return LinuxError.EINVAL;
            }

            Apply(ref area, advice);
            return LinuxError.None;
        });
    }

    /// <summary>An edit of one area's advice: changes <paramref name="area"/>, or refuses it (an error, nothing changed).</summary>
    private delegate LinuxError AreaAdvice(ref Area area);

    /// <summary>Applies <paramref name="advise"/> to the areas in <c>[start, start + size)</c> in address order, as
    /// Linux's <c>madvise</c> walks them: areas sticking out of the range are split so that only the overlapping part
    /// changes (areas the edit leaves as they were are not split), and the walk stops at the first area the edit
    /// refuses (the areas before it keep the change).</summary>
    /// <returns>The refusal; else ENOMEM when part of the range is not mapped or splitting would pass
    /// <see cref="AddrSpaceOptions.MaxHostMappings"/> (nothing changes then); else None. EINVAL for a bad range.</returns>
    private LinuxError AdviseAreas(VirtAddr start, ulong size, AreaAdvice advise)
    {
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
            if (count == 0)
            {
                return LinuxError.ENOMEM;
            }

            Area[] old = _areas.AsSpan().Slice(first, count).ToArray();
            List<Area> replaced = new(count + 2);
            LinuxError refused = LinuxError.None;
            bool hole = old[0].Start > s || old[^1].End < e;
            int changedAreas = 0;
            for (int i = 0; i < old.Length; i++)
            {
                Area area = old[i];
                hole |= i > 0 && old[i - 1].End < area.Start;
                if (refused != LinuxError.None)
                {
                    replaced.Add(area); // Linux stops at the area it refuses
                    continue;
                }

                Area middle = area.Slice(Math.Max(area.Start, s), Math.Min(area.End, e));
                refused = advise(ref middle);
                if (refused != LinuxError.None)
                {
                    replaced.Add(area);
                    continue;
                }

                if (middle.DontFork == area.DontFork && middle.WipeOnFork == area.WipeOnFork && middle.NoHugePage == area.NoHugePage)
                {
                    replaced.Add(area);
                    continue;
                }

                if (area.Start < s)
                {
                    replaced.Add(area.Slice(area.Start, s));
                }

                replaced.Add(middle);
                if (area.End > e)
                {
                    replaced.Add(area.Slice(e, area.End));
                }

                changedAreas++;
            }

            if (changedAreas > 0)
            {
                if (!TryReplaceWithinBudget(first, old, replaced, s, e, out int hostMappings))
                {
                    return LinuxError.ENOMEM;
                }

                _hostMappings = hostMappings;
                AddReferencesForPieces(old, replaced);
            }

            return refused != LinuxError.None ? refused : hole ? LinuxError.ENOMEM : LinuxError.None;
        }
        finally
        {
            _lock.ExitWrite();
        }
    }

    private static void Apply(ref Area area, ForkAdvice advice)
    {
        switch (advice)
        {
            case ForkAdvice.DontFork:
                area.DontFork = true;
                break;
            case ForkAdvice.DoFork:
                area.DontFork = false;
                break;
            case ForkAdvice.WipeOnFork:
                area.WipeOnFork = true;
                break;
            default:
                area.WipeOnFork = false;
                break;
        }
    }

    /// <summary>After <paramref name="old"/> areas were split into <paramref name="pieces"/>: one more reference on a
    /// shared object or file for every extra piece that holds it.</summary>
    private static void AddReferencesForPieces(Area[] old, List<Area> pieces)
    {
        int next = 0;
        foreach (Area area in old)
        {
            int count = 0;
            while (next < pieces.Count && pieces[next].End <= area.End)
            {
                count++;
                next++;
            }

            for (int k = 1; k < count; k++)
            {
                area.Shared?.AddReference();
                area.File?.AddReference();
            }
        }
    }
}
