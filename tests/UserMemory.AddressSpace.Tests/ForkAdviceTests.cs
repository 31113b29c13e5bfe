using System;
using System.IO;
using System.Linq;
using CsCheck;
using Microsoft.Win32.SafeHandles;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// Fork advice (<see cref="AddrSpace.AdviseFork"/>, madvise's MADV_DONTFORK, MADV_DOFORK, MADV_WIPEONFORK,
/// MADV_KEEPONFORK): areas split at the range's edges, the walk and errors as Linux's (EINVAL for WIPEONFORK on a
/// shared or file area, after the areas before it changed; ENOMEM for holes, after the mapped parts changed), and what a
/// snapshot makes of it: DONTFORK areas left out, WIPEONFORK areas fresh zero pages that keep the advice, a vfork's
/// lending snapshot unaffected.
/// </summary>
public sealed class ForkAdviceTests
{
    private static readonly AddrSpaceOptions NoGuestView = new() { GuestView = false };

    private static ulong P(ulong page) => Base + (page * Page);

    private static (ulong Start, ulong End, bool DontFork, bool WipeOnFork)[] Shape(AddrSpace space) =>
        [.. space.GetAreas().Select(a => (a.Range.Start.Value, a.Range.End.Value, a.DontFork, a.WipeOnFork))];

    /// <summary>Pages 0-7 private, written with their page number + 1.</summary>
    private static AddrSpace Written(AddrSpaceOptions? options = null)
    {
        AddrSpace space = Small(options);
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), 8 * Page, RW, populate: false));
        for (ulong page = 0; page < 8; page++)
        {
            Assert.Equal(LinuxError.None, Guest.Write(space, P(page) + 3, [(byte)(page + 1)]));
        }

        return space;
    }

    [Fact]
    public void Advice_splits_an_area_at_the_range_and_the_pieces_keep_everything_else()
    {
        using AddrSpace space = Written();
        int hostMappings = space.HostMappingCount;
        Assert.Equal(LinuxError.None, space.AdviseFork(P(2), 3 * Page, ForkAdvice.DontFork));
        Assert.Equal(
            [(P(0), P(2), false, false), (P(2), P(5), true, false), (P(5), P(8), false, false)],
            Shape(space));
        Assert.Equal(hostMappings, space.HostMappingCount); // same backing and protection: no new host mapping
        Assert.Equal(LinuxError.None, space.AdviseFork(P(3), Page, ForkAdvice.WipeOnFork));
        Assert.Equal(LinuxError.None, space.AdviseFork(P(2), Page, ForkAdvice.DontFork)); // already: no change
        Assert.Equal(
            [(P(0), P(2), false, false), (P(2), P(3), true, false), (P(3), P(4), true, true), (P(4), P(5), true, false), (P(5), P(8), false, false)],
            Shape(space));

        // Protect and unmap split the pieces further; they keep the advice.
        Assert.Equal(LinuxError.None, space.Protect(P(3), Page, RO));
        Assert.Equal(LinuxError.None, space.Unmap(P(4), Page));
        Assert.Equal(
            [(P(0), P(2), false, false), (P(2), P(3), true, false), (P(3), P(4), true, true), (P(5), P(8), false, false)],
            Shape(space));

        // DOFORK and KEEPONFORK undo; the areas stay apart (no merging, as ever).
        Assert.Equal(LinuxError.None, space.AdviseFork(P(2), 2 * Page, ForkAdvice.DoFork));
        Assert.Equal(LinuxError.None, space.AdviseFork(P(3), Page, ForkAdvice.KeepOnFork));
        Assert.All(space.GetAreas(), a => Assert.False(a.DontFork || a.WipeOnFork));
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(space, P(4)).Error);
        Assert.Equal(4, Guest.ReadByte(space, P(3) + 3).Value);
    }

    [Fact]
    public void A_new_mapping_starts_without_advice()
    {
        using AddrSpace space = Written();
        Assert.Equal(LinuxError.None, space.AdviseFork(P(0), 8 * Page, ForkAdvice.DontFork));
        Assert.Equal(LinuxError.None, space.AdviseFork(P(0), 8 * Page, ForkAdvice.WipeOnFork));
        Assert.Equal(LinuxError.None, space.Unmap(P(2), 2 * Page));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(2), 2 * Page, RW, populate: false));
        Assert.Equal(
            [(P(0), P(2), true, true), (P(2), P(4), false, false), (P(4), P(8), true, true)],
            Shape(space));
    }

    [Fact]
    public void Errors_are_Linux_s_invalid_ranges_holes_and_wiping_shared_or_file_memory()
    {
        using SharedMemory shm = SharedMemory.Create(2 * Page);
        using AddrSpace space = Written();
        Assert.Equal(LinuxError.None, space.MapShared(P(10), 2 * Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, space.MapAlloc(P(12), 2 * Page, RW, populate: false));
        Assert.Equal(LinuxError.EINVAL, space.AdviseFork(P(0) + 1, Page, ForkAdvice.DontFork));
        Assert.Equal(LinuxError.EINVAL, space.AdviseFork(P(0), 0, ForkAdvice.DontFork));
        Assert.Equal(LinuxError.EINVAL, space.AdviseFork(P(0), ulong.MaxValue & ~(Page - 1), ForkAdvice.DontFork));
        Assert.Throws<ArgumentOutOfRangeException>(() => space.AdviseFork(P(0), Page, (ForkAdvice)4));

        // Nothing mapped at all: ENOMEM, nothing changes.
        Assert.Equal(LinuxError.ENOMEM, space.AdviseFork(P(20), 2 * Page, ForkAdvice.DontFork));

        // A hole between two areas: both change, ENOMEM.
        Assert.Equal(LinuxError.ENOMEM, space.AdviseFork(P(6), 4 * Page, ForkAdvice.WipeOnFork));
        Assert.True(space.GetAreas().Single(a => a.Range.Start.Value == P(6)).WipeOnFork);

        // WIPEONFORK reaching the shared area: the private pages before it changed, the area after it did not; EINVAL,
        // even with a hole before it.
        Assert.Equal(LinuxError.None, space.AdviseFork(P(0), 8 * Page, ForkAdvice.KeepOnFork));
        Assert.Equal(LinuxError.EINVAL, space.AdviseFork(P(7), 7 * Page, ForkAdvice.WipeOnFork));
        Assert.Equal(
            [(P(0), P(6), false, false), (P(6), P(7), false, false), (P(7), P(8), false, true), (P(10), P(12), false, false), (P(12), P(14), false, false)],
            Shape(space));

        // DONTFORK on shared memory is fine, and so are KEEPONFORK and DOFORK.
        Assert.Equal(LinuxError.None, space.AdviseFork(P(10), 2 * Page, ForkAdvice.DontFork));
        Assert.Equal(LinuxError.None, space.AdviseFork(P(10), 2 * Page, ForkAdvice.KeepOnFork));
        Assert.True(space.GetAreas().Single(a => a.Range.Start.Value == P(10)).DontFork);
    }

    [Fact]
    public void Wiping_a_private_file_mapping_is_EINVAL()
    {
        string path = Path.Combine(Path.GetTempPath(), "usermem-forkadvice-" + Guid.NewGuid().ToString("N"));
        try
        {
            using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            RandomAccess.SetLength(file, (long)Page);
            using AddrSpace space = Small();
            Assert.Equal(LinuxError.None, space.MapPrivateFile(P(0), 2 * Page, RW, (int)file.DangerousGetHandle(), 0));
            Assert.Equal(LinuxError.EINVAL, space.AdviseFork(P(0), Page, ForkAdvice.WipeOnFork));
            Assert.Equal(LinuxError.None, space.AdviseFork(P(1), Page, ForkAdvice.DontFork));
            Assert.Equal(2, space.PrivateFileAreaCount);
            Assert.Equal(LinuxError.None, space.Unmap(P(0), 2 * Page));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_fork_leaves_DONTFORK_areas_out_and_gives_WIPEONFORK_areas_zero_pages_that_keep_the_advice()
    {
        using SharedMemory shm = SharedMemory.Create(Page);
        using AddrSpace parent = Written();
        Assert.Equal(LinuxError.None, parent.MapShared(P(10), Page, RW, shm, 0));
        Assert.Equal(LinuxError.None, Guest.Write(parent, P(10), [77]));
        Assert.Equal(LinuxError.None, parent.AdviseFork(P(1), 2 * Page, ForkAdvice.DontFork));
        Assert.Equal(LinuxError.None, parent.AdviseFork(P(10), Page, ForkAdvice.DontFork));
        Assert.Equal(LinuxError.None, parent.AdviseFork(P(4), 2 * Page, ForkAdvice.WipeOnFork));
        Assert.Equal(LinuxError.None, parent.AdviseFork(P(2), Page, ForkAdvice.WipeOnFork)); // DONTFORK wins

        using AddrSpace child = parent.Clone();
        Assert.Equal(
            [(P(0), P(1), false, false), (P(3), P(4), false, false), (P(4), P(6), false, true), (P(6), P(8), false, false)],
            Shape(child));
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(child, P(1)).Error);
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(child, P(10)).Error);
        Assert.Equal(1, Guest.ReadByte(child, P(0) + 3).Value);
        Assert.Equal(4, Guest.ReadByte(child, P(3) + 3).Value);
        Assert.False(child.IsPopulated(P(4)));
        Assert.Equal(0, Guest.ReadByte(child, P(4) + 3).Value);
        Assert.Equal(0, Guest.ReadByte(child, P(5) + 3).Value);
        Assert.Equal(7, Guest.ReadByte(child, P(6) + 3).Value);
        Assert.Equal(6 * Page, child.CommittedBytes); // pages 0, 3, 6 and 7 copied, 4 and 5 populated by the reads above
        Assert.Equal(5, Guest.ReadByte(parent, P(4) + 3).Value);
        Assert.Equal(2, Guest.ReadByte(parent, P(1) + 3).Value);

        // The child may map where the parent's DONTFORK areas are.
        Assert.Equal(LinuxError.None, child.MapAlloc(P(1), 2 * Page, RW, populate: false));
        Assert.Equal(0, Guest.ReadByte(child, P(1) + 3).Value);
        Assert.Equal(LinuxError.None, child.MapAlloc(P(10), Page, RW, populate: false));
        Assert.Equal(0, Guest.ReadByte(child, P(10)).Value);
        Assert.Equal(77, Guest.ReadByte(parent, P(10)).Value);

        // A grandchild: the advice was kept, so it wipes again.
        Assert.Equal(LinuxError.None, Guest.Write(child, P(4) + 3, [44]));
        using AddrSpace grandchild = child.Clone();
        Assert.Equal(0, Guest.ReadByte(grandchild, P(4) + 3).Value);
        Assert.Equal(44, Guest.ReadByte(child, P(4) + 3).Value);
        Assert.True(grandchild.GetAreas().Single(a => a.Range.Start.Value == P(4)).WipeOnFork);
    }

    [Fact]
    public void A_fork_s_lending_snapshot_applies_the_advice_and_a_vfork_s_does_not()
    {
        using AddrSpace parent = Written(NoGuestView);
        Assert.Equal(LinuxError.None, parent.AdviseFork(P(1), Page, ForkAdvice.DontFork));
        Assert.Equal(LinuxError.None, parent.AdviseFork(P(4), 2 * Page, ForkAdvice.WipeOnFork));

        using (AddrSpaceSnapshot forkSnapshot = parent.CreateLendingSnapshot(vfork: false))
        using (AddrSpace child = AddrSpace.RestoreSnapshot(forkSnapshot))
        {
            Assert.True(child.IsBorrowingMemory);
            Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(child, P(1)).Error);
            Assert.Equal(0, Guest.ReadByte(child, P(4) + 3).Value); // not the lender's 5
            Assert.Equal(LinuxError.None, Guest.Write(child, P(5) + 3, [55]));
            Assert.Equal(7, Guest.ReadByte(child, P(6) + 3).Value);
            Assert.Equal(6, Guest.ReadByte(parent, P(5) + 3).Value);
            child.ReleaseBorrowedMemory();
            Assert.Equal(0, Guest.ReadByte(child, P(4) + 3).Value);
            Assert.Equal(55, Guest.ReadByte(child, P(5) + 3).Value);
            Assert.Equal(7, Guest.ReadByte(child, P(6) + 3).Value);
            Assert.Equal(LinuxError.None, child.MapAlloc(P(1), Page, RW, populate: false));
            Assert.Equal(0, Guest.ReadByte(child, P(1) + 3).Value);
        }

        using (AddrSpaceSnapshot vforkSnapshot = parent.CreateLendingSnapshot(vfork: true))
        using (AddrSpace child = AddrSpace.RestoreSnapshot(vforkSnapshot))
        {
            Assert.Equal(2, Guest.ReadByte(child, P(1) + 3).Value);
            Assert.Equal(5, Guest.ReadByte(child, P(4) + 3).Value);
            Assert.Equal(Shape(parent), Shape(child));
        }
    }

    [Fact]
    public void Tables_with_bad_fork_bits_are_rejected()
    {
        using AddrSpace parent = Written();
        using SharedMemory shm = SharedMemory.Create(Page);
        Assert.Equal(LinuxError.None, parent.MapShared(P(10), Page, RW, shm, 0));
        using AddrSpaceSnapshot snapshot = parent.CreateSnapshot();
        const int HeaderSize = 40;
        const int AreaSize = 48;
        const int ForkByte = 22;
        int firstArea = HeaderSize + 8; // one shared size
        foreach ((int area, byte bits) in new[] { (0, (byte)16), (0, (byte)4), (1, (byte)2) })
        {
            byte[] table = [.. snapshot.AreaTable];
            table[firstArea + (area * AreaSize) + ForkByte] = bits;
            Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, table, snapshot.SharedMemories));
        }
    }

    private enum ModelOp
    {
        DontFork,
        DoFork,
        WipeOnFork,
        KeepOnFork,
        Unmap,
        Map,
        Protect,
        Write,
    }

    private const int ModelPages = 8;

    /// <summary>Random advice, unmaps, maps, protects and writes against a per-page model of Linux's flags, ending
    /// with a fork: the child has exactly the pages without DONTFORK, reading zero where WIPEONFORK was set and the
    /// parent's bytes elsewhere.</summary>
    [Fact]
    public void Matches_a_per_page_model_and_a_fork_follows_it()
    {
        Gen<(ModelOp Op, int Page, int Count, byte Value)> genOp = Gen.Select(
            Gen.Enum<ModelOp>(), Gen.Int[0, ModelPages - 1], Gen.Int[1, 4], Gen.Byte);
        genOp.Array[1, 30].Sample(ops => RunModel(ops), iter: 200, threads: 1);
    }

    private static bool RunModel((ModelOp Op, int Page, int Count, byte Value)[] ops)
    {
        bool[] mapped = new bool[ModelPages];
        bool[] dontFork = new bool[ModelPages];
        bool[] wipe = new bool[ModelPages];
        byte[] contents = new byte[ModelPages];
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(P(0), ModelPages * Page, RW, populate: false));
        Array.Fill(mapped, true);
        foreach ((ModelOp op, int first, int requested, byte value) in ops)
        {
            int count = Math.Min(requested, ModelPages - first);
            ulong at = P((ulong)first);
            ulong size = (ulong)count * Page;
            bool anyMapped = Enumerable.Range(first, count).Any(p => mapped[p]);
            bool allMapped = Enumerable.Range(first, count).All(p => mapped[p]);
            switch (op)
            {
                case ModelOp.DontFork or ModelOp.DoFork or ModelOp.WipeOnFork or ModelOp.KeepOnFork:
                {
                    var advice = (ForkAdvice)(op - ModelOp.DontFork);
                    LinuxError real = space.AdviseFork(at, size, advice);
                    for (int p = first; p < first + count; p++)
                    {
                        if (mapped[p])
                        {
                            switch (advice)
                            {
                                case ForkAdvice.DontFork: dontFork[p] = true; break;
                                case ForkAdvice.DoFork: dontFork[p] = false; break;
                                case ForkAdvice.WipeOnFork: wipe[p] = true; break;
                                default: wipe[p] = false; break;
                            }
                        }
                    }

                    Assert.Equal(allMapped ? LinuxError.None : LinuxError.ENOMEM, real);
                    break;
                }

                case ModelOp.Unmap:
                    Assert.Equal(LinuxError.None, space.Unmap(at, size));
                    for (int p = first; p < first + count; p++)
                    {
                        (mapped[p], dontFork[p], wipe[p], contents[p]) = (false, false, false, 0);
                    }

                    break;
                case ModelOp.Map:
                    if (!anyMapped)
                    {
                        Assert.Equal(LinuxError.None, space.MapAlloc(at, size, RW, populate: false));
                        for (int p = first; p < first + count; p++)
                        {
                            mapped[p] = true;
                        }
                    }

                    break;
                case ModelOp.Protect:
                    Assert.Equal(LinuxError.None, space.Protect(at, size, value % 2 == 0 ? RW : RO | MappingFlags.Execute));
                    break;
                case ModelOp.Write:
                    if (mapped[first])
                    {
                        Assert.Equal(LinuxError.None, space.Protect(at, Page, RW));
                        Assert.Equal(LinuxError.None, Guest.Write(space, at + 9, [value]));
                        contents[first] = value;
                    }

                    break;
            }

            foreach (MemoryAreaInfo area in space.GetAreas())
            {
                for (ulong page = (area.Range.Start.Value - Base) / Page; page < (area.Range.End.Value - Base) / Page; page++)
                {
                    Assert.True(mapped[page]);
                    Assert.Equal(dontFork[page], area.DontFork);
                    Assert.Equal(wipe[page], area.WipeOnFork);
                }
            }
        }

        using AddrSpace child = space.Clone();
        for (int p = 0; p < ModelPages; p++)
        {
            bool present = mapped[p] && !dontFork[p];
            Assert.Equal(present, child.TryGetArea(P((ulong)p), out MemoryAreaInfo area));
            if (present)
            {
                Assert.Equal(wipe[p], area.WipeOnFork);
                Assert.False(area.DontFork);
                if ((area.Flags & MappingFlags.Read) != 0)
                {
                    Assert.Equal(wipe[p] ? (byte)0 : contents[p], Guest.ReadByte(child, P((ulong)p) + 9).Value);
                }
            }
        }

        return true;
    }
}
