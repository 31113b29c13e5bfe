using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>Counting the host mappings the views need, so that a guest cannot exhaust the host's
/// <c>vm.max_map_count</c>.</summary>
public sealed partial class AddrSpace
{
    /// <summary>
    /// The number of places in <c>[low, high]</c> where a view needs a new host mapping to begin, summed over both
    /// views. Linux merges neighbouring mappings of one file with contiguous offsets and equal protection, so a view
    /// has <c>1 + breaks</c> mappings, and a change confined to <c>[low, high]</c> changes the total by the difference
    /// of this count before and after it.
    /// </summary>
    private int CountBreaks(ulong low, ulong high)
    {
        int breaks = 0;
        ulong last = ulong.MaxValue;
        breaks += BreakAtIfNew(low, ref last);
        for (int i = _areas.FirstEndingAfter(low == 0 ? 0 : low - 1); i < _areas.Count; i++)
        {
            ref Area area = ref _areas[i];
            if (area.Start > high)
            {
                break;
            }

            if (area.Start >= low)
            {
                breaks += BreakAtIfNew(area.Start, ref last);
            }

            if (area.End <= high)
            {
                breaks += BreakAtIfNew(area.End, ref last);
            }
        }

        breaks += BreakAtIfNew(high, ref last);
        return breaks;
    }

    /// <summary>The host mappings the current areas need, counted from scratch.</summary>
    private int CountHostMappings() => _emptyHostMappings + CountBreaks(0, _viewSize);

    private int BreakAtIfNew(ulong point, ref ulong last)
    {
        if (point == last)
        {
            return 0;
        }

        last = point;
        return BreakAt(point);
    }

    /// <summary>How many views (0, 1 or 2) need a mapping boundary between guest pages <c>point - 1</c> and
    /// <c>point</c>.</summary>
    private int BreakAt(ulong point)
    {
        if (point == 0 || point >= _viewSize)
        {
            return 0; // the views' own ends
        }

        int left = IndexContaining(point - 1);
        int right = IndexContaining(point);
        SharedMemory? leftFile = left >= 0 ? _areas[left].Shared : null;
        SharedMemory? rightFile = right >= 0 ? _areas[right].Shared : null;
        bool sameFile = ReferenceEquals(leftFile, rightFile)
            && (leftFile is null || FileOffset(left, point - 1) + 1 == FileOffset(right, point));
        if (!sameFile)
        {
            return GuestViewBase != 0 ? 2 : 1;
        }

        if (GuestViewBase == 0)
        {
            return 0;
        }

        int leftProtection = left >= 0 ? HostMemory.GuestProtection(_areas[left].Flags) : Libc.ProtNone;
        int rightProtection = right >= 0 ? HostMemory.GuestProtection(_areas[right].Flags) : Libc.ProtNone;
        return leftProtection == rightProtection ? 0 : 1;
    }

    private ulong FileOffset(int index, ulong address)
    {
        ref Area area = ref _areas[index];
        return area.SharedOffset + (address - area.Start);
    }

    /// <summary>The index of the area containing <paramref name="address"/>, or -1, without touching the lookup cache.</summary>
    private int IndexContaining(ulong address)
    {
        int i = _areas.FirstEndingAfter(address);
        return i < _areas.Count && _areas[i].Start <= address ? i : -1;
    }
}
