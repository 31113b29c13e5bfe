using System;
using System.Text;
using UserMemory.Tests.Support;

namespace UserMemory.Tests.Pointers;

public class NullTerminatedTests
{
    private static void Put(TestAddressSpace space, ulong address, string text) =>
        Encoding.UTF8.GetBytes(text).CopyTo(space.Raw(address, Encoding.UTF8.GetByteCount(text)));

    [Fact]
    public void FindsTheTerminatorAndExcludesIt()
    {
        using TestAddressSpace space = Layouts.Standard();
        Put(space, Layouts.RwEager + 0x100, "hello\0");
        using var access = UserAccess.Begin(space);
        UserReadOnlySpan<byte> s = UserConstPtr<byte>.FromAddress(Layouts.RwEager + 0x100).GetAsNullTerminated(in access);
        Assert.True(s.IsOk);
        Assert.Equal("hello", Encoding.UTF8.GetString(s.Value));
        UserSpan<byte> w = UserPtr<byte>.FromAddress(Layouts.RwEager + 0x100).GetAsNullTerminated(in access);
        Assert.Equal(5, w.Value.Length);
    }

    [Fact]
    public void EmptyStringIsEmptySpan()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        UserReadOnlySpan<byte> s = UserConstPtr<byte>.FromAddress(Layouts.RwEager).GetAsNullTerminated(in access);
        Assert.True(s.IsOk);
        Assert.Equal(0, s.Value.Length);
    }

    [Fact]
    public void AStringCrossingPagesIsFoundWhole()
    {
        using TestAddressSpace space = Layouts.Standard();
        space.Raw(Layouts.RwEager, 0x2000).Fill((byte)'a');
        space.Raw(Layouts.RwEager + 0x1800, 1)[0] = 0;
        using var access = UserAccess.Begin(space);
        Assert.Equal(0x1000, UserConstPtr<byte>.FromAddress(Layouts.RwEager + 0x800).GetAsNullTerminated(in access).Value.Length);
    }

    [Fact]
    public void ATerminatorOnTheLastMappedByteIsFound()
    {
        using TestAddressSpace space = Layouts.Standard();
        // The read-only page is followed by the hole: fill it, NUL on its very last byte.
        space.Raw(Layouts.ReadOnly, 0x1000).Fill((byte)'x');
        space.Raw(Layouts.Hole - 1, 1)[0] = 0;
        using var access = UserAccess.Begin(space);
        Assert.Equal(0xFFF, UserConstPtr<byte>.FromAddress(Layouts.ReadOnly).GetAsNullTerminated(in access).Value.Length);
        // Also at the very top of user space.
        space.Raw(Layouts.LastPage, 0x1000).Fill((byte)'y');
        space.Raw(Layouts.End - 1, 1)[0] = 0;
        Assert.Equal(0xFFF, UserConstPtr<byte>.FromAddress(Layouts.LastPage).GetAsNullTerminated(in access).Value.Length);
    }

    [Fact]
    public void AStringRunningOneBytePastTheMappingIsEfault()
    {
        using TestAddressSpace space = Layouts.Standard();
        space.Raw(Layouts.ReadOnly, 0x1000).Fill((byte)'x');
        space.Raw(Layouts.LastPage, 0x1000).Fill((byte)'y');
        using var access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Layouts.ReadOnly).GetAsNullTerminated(in access).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Layouts.Hole - 1).GetAsNullTerminated(in access).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Layouts.End - 1).GetAsNullTerminated(in access).Error);
        // A writable pointer stops being valid at the read-only page even though the bytes are readable.
        space.Raw(Layouts.RwEager, 0x2000).Fill((byte)'z');
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.FromAddress(Layouts.RwEager).GetAsNullTerminated(in access).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Layouts.RwEager).GetAsNullTerminated(in access).Error); // z… x… then the hole
    }

    [Fact]
    public void ThePageAfterTheTerminatorIsNeverChecked()
    {
        using TestAddressSpace space = Layouts.Standard();
        space.Raw(Layouts.Hole - 3, 3).Fill((byte)'q');
        space.Raw(Layouts.Hole - 1, 1)[0] = 0;
        using var access = UserAccess.Begin(space);
        Assert.Equal(2, UserConstPtr<byte>.FromAddress(Layouts.Hole - 3).GetAsNullTerminated(in access).Value.Length);
    }

    [Fact]
    public void TheScanIsBoundedByDefaultAndPerCall()
    {
        using var space = new TestAddressSpace(0x100000, 0x40000); // 256 KiB, all non-zero
        space.Map(0x100000, 0x40000, MappingFlags.Read);
        space.Raw(0x100000, 0x40000).Fill(1);
        space.Raw(0x100000 + 0x20000, 1)[0] = 0; // NUL at offset 128 KiB: one byte past the default bound
        using var access = UserAccess.Begin(space);
        var p = UserConstPtr<byte>.FromAddress(0x100000);
        Assert.Equal(LinuxError.ENAMETOOLONG, p.GetAsNullTerminated(in access).Error);
        Assert.Equal(0x20000, p.GetAsNullTerminated(in access, 0x20001).Value.Length);
        Assert.Equal(LinuxError.ENAMETOOLONG, p.GetAsNullTerminated(in access, 16).Error);
        Assert.Equal(0x1FFFF, UserConstPtr<byte>.FromAddress(0x100001).GetAsNullTerminated(in access).Value.Length); // exactly at the bound
        space.Raw(0x100000 + 10, 1)[0] = 0;
        Assert.Equal(10, p.GetAsNullTerminated(in access, 11).Value.Length);
        Assert.Equal(LinuxError.ENAMETOOLONG, p.GetAsNullTerminated(in access, 10).Error);
    }

    [Fact]
    public void WideElementsAndArraysOfPointers()
    {
        using TestAddressSpace space = Layouts.Standard();
        Span<byte> raw = space.Raw(Layouts.RwEager + 0xFF0, 0x30);
        BitConverter.TryWriteBytes(raw, 0x1111UL);
        BitConverter.TryWriteBytes(raw[8..], 0x2222UL);
        BitConverter.TryWriteBytes(raw[16..], 0x3333UL); // crosses into the next page
        BitConverter.TryWriteBytes(raw[24..], 0UL);
        using var access = UserAccess.Begin(space);
        UserReadOnlySpan<ulong> argv = UserConstPtr<ulong>.FromAddress(Layouts.RwEager + 0xFF0).GetAsNullTerminated(in access);
        Assert.Equal([0x1111UL, 0x2222UL, 0x3333UL], argv.Value.ToArray());
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<ulong>.FromAddress(Layouts.RwEager + 0xFF4).GetAsNullTerminated(in access).Error);
    }

    [Fact]
    public void ElementsStraddlingAPageBoundaryNeedBothPages()
    {
        using TestAddressSpace space = Layouts.Standard();
        // 3-byte elements starting 1 byte before the hole: the first element straddles into unmapped memory.
        space.Raw(Layouts.Hole - 1, 1)[0] = 0;
        using var access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<Rgb>.FromAddress(Layouts.Hole - 1).GetAsNullTerminated(in access).Error);
        // 3-byte elements crossing from the first to the second eager page, terminator after the boundary.
        space.Raw(Layouts.RwEager + 0xFFD, 9).Fill(5);
        space.Raw(Layouts.RwEager + 0x1006, 3).Clear();
        UserReadOnlySpan<Rgb> s = UserConstPtr<Rgb>.FromAddress(Layouts.RwEager + 0xFFD).GetAsNullTerminated(in access);
        Assert.Equal(3, s.Value.Length);
    }

    [Fact]
    public void LazyPagesArePopulatedPageByPageOnlyUpToTheTerminator()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        // A lazy page reads as zero: the empty string, and only the first page is populated.
        Assert.Equal(0, UserConstPtr<byte>.FromAddress(Layouts.RwLazy + 0xFFF).GetAsNullTerminated(in access).Value.Length);
        Assert.True(space.IsPopulated(Layouts.RwLazy));
        Assert.False(space.IsPopulated(Layouts.RwLazy + 0x1000));
    }

    [Fact]
    public void NullAndMisalignedPointersAreEfault()
    {
        using TestAddressSpace space = Layouts.Standard();
        using var access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.Null.GetAsNullTerminated(in access).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<int>.FromAddress(Layouts.RwEager + 1).GetAsNullTerminated(in access).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(0xFFFF_FFFF_FFFF_FFFF).GetAsNullTerminated(in access).Error);
    }

    [Fact]
    public void GetAsStrDecodesUtf8AndRejectsInvalidBytes()
    {
        using TestAddressSpace space = Layouts.Standard();
        Put(space, Layouts.RwEager, "h\u00e9llo w\u00f6rld\0");
        space.Raw(Layouts.RwEager + 0x100, 4)[0] = 0xC3; // truncated two-byte sequence
        space.Raw(Layouts.RwEager + 0x101, 1)[0] = 0x28;
        space.Raw(Layouts.RwEager + 0x102, 1)[0] = 0;
        using (var access = UserAccess.Begin(space))
        {
            Assert.Equal("h\u00e9llo w\u00f6rld", UserConstPtr<byte>.FromAddress(Layouts.RwEager).GetAsStr(in access).Value);
            Assert.Equal(LinuxError.EILSEQ, UserConstPtr<byte>.FromAddress(Layouts.RwEager + 0x100).GetAsStr(in access).Error);
            Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Layouts.Hole).GetAsStr(in access).Error);
        }

        // The provider form opens and closes its own scope.
        Assert.Equal("h\u00e9llo w\u00f6rld", UserConstPtr<byte>.FromAddress(Layouts.RwEager).GetAsStr(space).Value);
        Assert.False(UserAccessContext.IsAccessingUserMemory);
    }

    private struct Rgb : IEquatable<Rgb>
    {
        public byte R;
        public byte G;
        public byte B;

        public readonly bool Equals(Rgb other) => R == other.R && G == other.G && B == other.B;

        public override readonly bool Equals(object? obj) => obj is Rgb o && Equals(o);

        public override readonly int GetHashCode() => HashCode.Combine(R, G, B);
    }
}
