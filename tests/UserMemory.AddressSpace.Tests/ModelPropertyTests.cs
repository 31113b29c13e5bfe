using System;
using System.Linq;
using CsCheck;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// Random sequences of operations run against the real address space and against <see cref="PageModel"/>; every
/// answer must be identical, and so must the state afterwards: the areas page by page, population, accounting, the
/// contents, and the host's own view of the guest mappings read from <c>/proc/self/maps</c>.
/// </summary>
public sealed class ModelPropertyTests
{
    private const int Pages = 24;
    private const ulong LimitPages = 12;
    private const int HostBudget = 14;

    /// <summary>A small anonymous fault-around window, so that windows meet area edges, each other and the limit often
    /// in a space of <see cref="Pages"/> pages.</summary>
    private const int FaultAroundPages = 4;

    private enum Kind
    {
        MapAlloc,
        MapLinear,
        MapShared,
        Unmap,
        Protect,
        Populate,
        Fault,
        Check,
        Write,
        Read,
    }

    /// <summary>One operation. Page numbers are relative to <see cref="Spaces.Base"/> and may fall outside the space;
    /// <c>Misalign</c> shifts the start by a byte.</summary>
    private sealed record Op(Kind Kind, int Page, int Count, MappingFlags Flags, bool Flag, int Offset, byte Value, bool Misalign)
    {
        public override string ToString() =>
            $"{Kind}(page {Page}, count {Count}, {Flags}, {Flag}, offset {Offset}, value {Value}{(Misalign ? ", misaligned" : string.Empty)})";
    }

    private static readonly MappingFlags[] FlagChoices =
    [
        MappingFlags.None, MappingFlags.Read, MappingFlags.Read | MappingFlags.Write,
        MappingFlags.Read | MappingFlags.Execute, MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute,
        RO, RW, MappingFlags.Write,
    ];

    private static readonly Gen<Op> GenOp =
        Gen.Select(
            Gen.Frequency((3, Gen.Const(Kind.MapAlloc)), (1, Gen.Const(Kind.MapLinear)), (1, Gen.Const(Kind.MapShared)),
                (2, Gen.Const(Kind.Unmap)), (2, Gen.Const(Kind.Protect)), (1, Gen.Const(Kind.Populate)),
                (2, Gen.Const(Kind.Fault)), (2, Gen.Const(Kind.Check)), (2, Gen.Const(Kind.Write)), (2, Gen.Const(Kind.Read))),
            Gen.Int[-2, Pages + 1],
            Gen.Int[0, 6],
            Gen.OneOf(FlagChoices),
            Gen.Bool,
            Gen.Int[0, (int)Page - 1],
            Gen.Byte,
            Gen.Int[0, 15])
        .Select(t => new Op(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6, t.Item7, t.Item8 == 0));

    [Fact]
    public void Random_operation_sequences_agree_with_the_page_model_with_guest_view() => Run(guestView: true, seed: null);

    [Fact]
    public void Random_operation_sequences_agree_with_the_page_model_without_guest_view() => Run(guestView: false, seed: null);

    /// <summary>Fork by lending: a prefix runs on the parent, the child borrows its memory copy-on-write
    /// (<see cref="AddrSpace.CreateLendingSnapshot"/>), the rest runs on the child (its mapping changes make it take its
    /// own copy on the way); the child must end in the state the model replays, and the parent's private contents must
    /// not have changed.</summary>
    [Fact]
    public void Random_operation_sequences_on_a_borrowing_child_agree_with_the_page_model() =>
        Gen.Select(GenOp.Array[0, 20], GenOp.Array[1, 30]).Sample(
            t => ExecuteLent(t.Item1, t.Item2), iter: 300, threads: 1,
            print: t => "parent:\n" + string.Join("\n", t.Item1.Select(o => o.ToString())) + "\nchild:\n" + string.Join("\n", t.Item2.Select(o => o.ToString())));

    private static void ExecuteLent(Op[] parentOps, Op[] childOps)
    {
        var options = new AddrSpaceOptions { MemoryLimit = LimitPages * Page, MaxHostMappings = HostBudget, GuestView = false, AnonymousFaultAroundPages = FaultAroundPages };
        using AddrSpace parent = AddrSpace.Create(Base, Pages * Page, options);
        using SharedMemory shm = SharedMemory.Create(PageModel.SharedPages * Page);
        var model = new PageModel(Pages, LimitPages, HostBudget, guestView: false);
        for (int i = 0; i < parentOps.Length; i++)
        {
            Step(parent, shm, model, parentOps[i], i);
        }

        byte[] parentPrivate = PrivateContents(parent);
        int released = 0;
        using AddrSpaceSnapshot snapshot = parent.CreateLendingSnapshot();
        Assert.True(snapshot.IsLent);
        using AddrSpace child = AddrSpace.RestoreBorrowedSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, options, () => released++);
        Assert.True(child.IsBorrowingMemory);
        for (int i = 0; i < childOps.Length; i++)
        {
            Step(child, shm, model, childOps[i], parentOps.Length + i);
            Assert.True(parentPrivate.AsSpan().SequenceEqual(PrivateContents(parent)), $"the parent's private memory changed at child op {i}");
        }

        child.ReleaseBorrowedMemory();
        Assert.False(child.IsBorrowingMemory);
        Assert.Equal(1, released);
        AssertSameState(child, model);
        Assert.True(parentPrivate.AsSpan().SequenceEqual(PrivateContents(parent)), "the parent's private memory changed");
    }

    /// <summary>The kernel view's bytes of every page in a private area (zero elsewhere).</summary>
    private static byte[] PrivateContents(AddrSpace space)
    {
        byte[] all = new byte[Pages * (int)Page];
        foreach (MemoryAreaInfo area in space.GetAreas())
        {
            if (area.Kind != MemoryAreaKind.Private)
            {
                continue;
            }

            int offset = (int)(area.Range.Start.Value - Base);
            Guest.KernelSpan(space, area.Range.Start.Value, (int)area.Range.Size).CopyTo(all.AsSpan(offset));
        }

        return all;
    }

    private static void Run(bool guestView, string? seed) =>
        GenOp.Array[1, 40].Sample(ops => Execute(ops, guestView), seed: seed, iter: 400, threads: 1,
            print: ops => string.Join("\n", ops.Select(o => o.ToString())));

    private static void Execute(Op[] ops, bool guestView)
    {
        var options = new AddrSpaceOptions { MemoryLimit = LimitPages * Page, MaxHostMappings = HostBudget, GuestView = guestView, AnonymousFaultAroundPages = FaultAroundPages };
        using AddrSpace space = AddrSpace.Create(Base, Pages * Page, options);
        using SharedMemory shm = SharedMemory.Create(PageModel.SharedPages * Page);
        var model = new PageModel(Pages, LimitPages, HostBudget, guestView);
        for (int i = 0; i < ops.Length; i++)
        {
            Step(space, shm, model, ops[i], i);
        }

        AssertSameState(space, model);
    }

    private static void Step(AddrSpace space, SharedMemory shm, PageModel model, Op op, int index)
    {
        ulong start = unchecked(Base + (ulong)((long)op.Page * (long)Page)) + (op.Misalign ? 1UL : 0);
        ulong size = (ulong)op.Count * Page;
        bool valid = !op.Misalign && model.InRange(op.Page, op.Count);
        string where = $"op {index}: {op}";
        switch (op.Kind)
        {
            case Kind.MapAlloc:
            case Kind.MapLinear:
            case Kind.MapShared:
            {
                int sharedOffset = op.Kind == Kind.MapShared ? op.Offset % PageModel.SharedPages : -1;
                byte[]? contents = op.Kind == Kind.MapLinear ? Enumerable.Range(0, op.Offset % 300).Select(b => (byte)(b ^ op.Value)).ToArray() : null;
                bool eager = op.Kind == Kind.MapLinear || op.Flag;
                LinuxError expected = !valid || (sharedOffset >= 0 && sharedOffset + op.Count > PageModel.SharedPages)
                    ? LinuxError.EINVAL
                    : model.Map(op.Page, op.Count, op.Flags, eager, sharedOffset, contents);
                LinuxError actual = op.Kind switch
                {
                    Kind.MapAlloc => space.MapAlloc(start, size, op.Flags, op.Flag),
                    Kind.MapLinear => space.MapLinear(start, size, op.Flags, contents),
                    _ => space.MapShared(start, size, op.Flags, shm, (ulong)sharedOffset * Page),
                };
                Assert.True(expected == actual, $"{where}: expected {expected}, got {actual}");
                break;
            }

            case Kind.Unmap:
            {
                LinuxError expected = valid ? model.Unmap(op.Page, op.Count) : LinuxError.EINVAL;
                Assert.True(expected == space.Unmap(start, size), where);
                break;
            }

            case Kind.Protect:
            {
                LinuxError expected = valid ? model.Protect(op.Page, op.Count, op.Flags) : LinuxError.EINVAL;
                Assert.True(expected == space.Protect(start, size, op.Flags), where);
                break;
            }

            case Kind.Populate:
            {
                LinuxError expected =
                    op.Misalign ? LinuxError.EINVAL
                    : op.Count == 0 ? (op.Page >= 0 && op.Page <= Pages ? LinuxError.None : LinuxError.EFAULT)
                    : !model.Covered(op.Page, op.Page + op.Count - 1, MappingFlags.None) ? LinuxError.EFAULT
                    : model.Populate(op.Page, op.Page + op.Count);
                LinuxError actual = space.PopulateArea(VirtAddrRange.FromStartSize(start, size));
                Assert.True(expected == actual, $"{where}: expected {expected}, got {actual}");
                break;
            }

            case Kind.Fault:
            {
                MappingFlags access = (op.Flags & (MappingFlags.Read | MappingFlags.Write | MappingFlags.Execute)) | MappingFlags.User;
                bool expected = model.Fault(op.Page, access & ~MappingFlags.User, FaultAroundPages, (int)(Base / Page));
                Assert.True(expected == space.HandlePageFault(start + (ulong)op.Offset, access), where);
                break;
            }

            case Kind.Check:
            {
                ulong first = start + (ulong)op.Offset;
                ulong length = (ulong)(op.Count * 1000) + op.Value;
                MappingFlags access = op.Flags & ~MappingFlags.User;
                bool expected = length == 0
                    ? first >= Base && first <= Base + (Pages * Page)
                    : first >= Base && model.Covered((long)((first - Base) / Page), (long)((first + length - 1 - Base) / Page), access);
                Assert.True(expected == space.CheckRegionAccess(VirtAddrRange.FromStartSize(first, length), access), where);
                break;
            }

            case Kind.Write:
            {
                ulong address = start + (ulong)op.Offset;
                LinuxError expected = ExpectedAccess(model, address, MappingFlags.Read | MappingFlags.Write);
                LinuxError actual = Guest.Write(space, address, [op.Value]);
                Assert.True(expected == actual, $"{where}: expected {expected}, got {actual}");
                if (expected == LinuxError.None)
                {
                    model.Byte((int)((address - Base) / Page), (int)(address % Page)) = op.Value;
                }

                break;
            }

            case Kind.Read:
            {
                ulong address = start + (ulong)op.Offset;
                LinuxError expected = ExpectedAccess(model, address, MappingFlags.Read);
                UserResult<byte> actual = Guest.ReadByte(space, address);
                Assert.True(expected == actual.Error, $"{where}: expected {expected}, got {actual.Error}");
                if (expected == LinuxError.None)
                {
                    Assert.Equal(model.Byte((int)((address - Base) / Page), (int)(address % Page)), actual.Value);
                }

                break;
            }
        }

        Assert.True(model.CommittedPages * Page == space.CommittedBytes, $"{where}: committed {space.CommittedBytes / Page} pages, model {model.CommittedPages}");
        Assert.True(model.HostMappings() == space.HostMappingCount, $"{where}: host mappings {space.HostMappingCount}, model {model.HostMappings()}");
    }

    /// <summary>What a one-byte access through the core answers: EFAULT unless mapped with the flags; then ENOMEM if
    /// populating the page would pass the limit (the model populates it otherwise).</summary>
    private static LinuxError ExpectedAccess(PageModel model, ulong address, MappingFlags access)
    {
        if (address < Base || address >= Base + (Pages * Page))
        {
            return LinuxError.EFAULT;
        }

        int page = (int)((address - Base) / Page);
        return model.Covered(page, page, access) ? model.Populate(page, page + 1) : LinuxError.EFAULT;
    }

    private static void AssertSameState(AddrSpace space, PageModel model)
    {
        // Areas, page by page.
        var areas = space.GetAreas();
        for (int p = 0; p < Pages; p++)
        {
            ulong address = Base + ((ulong)p * Page);
            MemoryAreaInfo? area = areas.Cast<MemoryAreaInfo?>().FirstOrDefault(a => a!.Value.Range.Contains(new VirtAddr(address)));
            Assert.Equal(model.Flags[p], area?.Flags);
            if (area is { } a)
            {
                Assert.Equal(model.SharedPage[p] >= 0 ? MemoryAreaKind.Shared : MemoryAreaKind.Private, a.Kind);
                if (a.Kind == MemoryAreaKind.Shared)
                {
                    Assert.Equal((ulong)model.SharedPage[p] * Page, a.SharedOffset + (address - a.Range.Start.Value));
                }

                Assert.Equal(model.Populated[p], space.IsPopulated(address));
                Assert.True(Guest.KernelSpan(space, address, (int)Page).SequenceEqual(
                    model.SharedPage[p] >= 0
                        ? model.Shared.AsSpan(model.SharedPage[p] * (int)Page, (int)Page)
                        : model.Private.AsSpan(p * (int)Page, (int)Page)), $"contents of page {p}");
            }
            else
            {
                Assert.False(space.IsPopulated(address));
            }
        }

        Assert.Equal(model.ResidentPages, space.ResidentPages);
        Assert.Equal(model.CommittedPages * Page, space.CommittedBytes);

        // The host's account, read back from /proc/self/maps.
        ulong end = Base + (Pages * Page);
        int kernelMappings = HostMaps.Within(space.KernelBase, end).Count;
        Assert.All(HostMaps.PagePermissions(space.KernelBase, Base, end), p => Assert.Equal("rw-s", p));
        if (model.GuestView)
        {
            string[] permissions = HostMaps.PagePermissions(space.GuestViewBase, Base, end);
            for (int p = 0; p < Pages; p++)
            {
                Assert.True(model.GuestPermissions(p) == permissions[p], $"guest view page {p}: host {permissions[p]}, model {model.GuestPermissions(p)}");
            }

            Assert.Equal(model.HostMappings(), kernelMappings + HostMaps.Within(space.GuestViewBase, end).Count);
        }
        else
        {
            Assert.Equal(model.HostMappings(), kernelMappings);
        }
    }
}
