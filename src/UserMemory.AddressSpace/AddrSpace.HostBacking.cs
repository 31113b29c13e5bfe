namespace UserMemory.AddressSpace;

/// <summary>What backs guest memory on the host, for a caller that maps guest pages into a transient host mapping of
/// its own (a pass-through host syscall on a partly accessible buffer).</summary>
public sealed partial class AddrSpace
{
    /// <summary>
    /// Describes the area containing <paramref name="address"/> and the host file that holds its bytes: the space's
    /// memfd at file offset <c>va</c> for private areas, the <see cref="SharedMemory"/>'s memfd for shared ones. Call
    /// it inside an access scope on this space: the answer holds until the scope ends. It neither populates nor
    /// checks anything; the caller validates and populates through <see cref="PrepareAccess"/> before handing the
    /// pages to anyone. A borrowing space (<see cref="IsBorrowingMemory"/>) must be released first.
    /// </summary>
    /// <param name="address">A guest address.</param>
    /// <param name="end">When an area contains <paramref name="address"/>, the area's end; otherwise the start of the
    /// next area above it, or <see cref="ulong.MaxValue"/> when there is none.</param>
    /// <param name="flags">The area's flags, or <see cref="MappingFlags.None"/>.</param>
    /// <param name="fileDescriptor">The host file holding the byte at <paramref name="address"/> (owned by the space or
    /// the shared object: never close it), or -1.</param>
    /// <param name="fileOffset">The offset of that byte in <paramref name="fileDescriptor"/>.</param>
    /// <returns>True when an area contains <paramref name="address"/>.</returns>
    internal bool TryGetHostBacking(ulong address, out ulong end, out MappingFlags flags, out int fileDescriptor, out ulong fileOffset)
    {
        ThrowIfBorrowing(); // the memfd does not hold the contents yet
        int index = _areas.FindContaining(address);
        if (index < 0)
        {
            int next = _areas.FirstEndingAfter(address);
            end = next < _areas.Count ? _areas[next].Start : ulong.MaxValue;
            flags = MappingFlags.None;
            fileDescriptor = -1;
            fileOffset = 0;
            return false;
        }

        ref Area area = ref _areas[index];
        end = area.End;
        flags = area.Flags;
        if (area.Shared is { } shared)
        {
            fileDescriptor = shared.Fd;
            fileOffset = area.SharedOffset + (address - area.Start);
        }
        else
        {
            fileDescriptor = _memfd;
            fileOffset = address;
        }

        return true;
    }
}
