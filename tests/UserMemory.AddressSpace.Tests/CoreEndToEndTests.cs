using System;
using System.Text;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>The core's seed API (UserPtr, UserConstPtr, strings) running on the reference address space.</summary>
public sealed class CoreEndToEndTests
{
    [Fact]
    public void Get_reads_and_writes_typed_values()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, RW, populate: false));
        using (UserAccess access = UserAccess.Begin(space))
        {
            UserRef<long> r = UserPtr<long>.FromAddress(Base + 64).Get(in access);
            Assert.True(r.IsOk);
            r.Value = 0x0123456789ABCDEF;
        }

        using (UserAccess access = UserAccess.Begin(space))
        {
            Assert.Equal(0x0123456789ABCDEF, UserConstPtr<long>.FromAddress(Base + 64).Get(in access).Value);
            Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(Base + 65).Get(in access).Error);      // misaligned
            Assert.Equal(LinuxError.EFAULT, UserPtr<long>.Null.Get(in access).Error);                        // null
            Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(Base + (2 * Page)).Get(in access).Error); // unmapped
            Assert.Equal(LinuxError.EFAULT, UserPtr<int>.FromAddress(Base + (2 * Page) - 2).Cast<short>().GetAsSlice(in access, 2).Error); // straddles the end
            Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(ulong.MaxValue - 7).Get(in access).Error); // top of 64 bits
        }

        Assert.Equal(0x0123456789ABCDEF, BitConverter.ToInt64(Guest.Read(space, Base + 64, 8).Value));
    }

    [Fact]
    public void GetAsSlice_handles_lengths_overflow_and_read_only_memory()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (2 * Page), Page, RO, populate: false));
        using UserAccess access = UserAccess.Begin(space);
        UserSpan<int> span = UserPtr<int>.FromAddress(Base).GetAsSlice(in access, 2 * Page / 4);
        Assert.True(span.IsOk);
        span.Value.Fill(-1);
        Assert.Equal(2, space.ResidentPages);
        Assert.Equal(LinuxError.EFAULT, UserPtr<int>.FromAddress(Base).GetAsSlice(in access, (3 * Page / 4)).Error);         // RO tail
        Assert.True(UserConstPtr<int>.FromAddress(Base).GetAsSlice(in access, 3 * Page / 4).IsOk);                              // readable
        Assert.Equal(LinuxError.EFAULT, UserPtr<int>.FromAddress(Base).GetAsSlice(in access, ulong.MaxValue / 2).Error);      // count * 4 overflows
        Assert.Equal(LinuxError.EFAULT, UserPtr<int>.FromAddress(Base).GetAsSlice(in access, (ulong.MaxValue / 4) - 1).Error); // fits, but wraps the address
        Assert.True(UserPtr<int>.FromAddress(Base + (5 * Page)).GetAsSlice(in access, 0).IsOk);                               // zero length, unmapped
        Assert.Equal(LinuxError.EFAULT, UserPtr<int>.FromAddress(ulong.MaxValue - 3).GetAsSlice(in access, 0).Error);       // zero length, not a user address
    }

    [Fact]
    public void Strings_are_found_across_pages_and_bounded()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 3 * Page, RW, populate: false));
        byte[] text = Encoding.UTF8.GetBytes("héllo, world");
        ulong at = Base + Page - 5; // crosses into the (lazy) second page
        Assert.Equal(LinuxError.None, Guest.Write(space, at, text));
        Assert.True(space.IsPopulated(Base + Page));

        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal("héllo, world", UserConstPtr<byte>.FromAddress(at).GetAsStr(in access).Value);
        Assert.Equal(text.Length, UserConstPtr<byte>.FromAddress(at).GetAsNullTerminated(in access).Value.Length);
        Assert.Equal(LinuxError.ENAMETOOLONG, UserConstPtr<byte>.FromAddress(at).GetAsNullTerminated(in access, 4).Error);
    }

    [Fact]
    public void A_string_running_into_unmapped_memory_is_EFAULT_and_bad_UTF8_is_EILSEQ()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 2 * Page, RW, populate: false));
        byte[] noNul = new byte[Page];
        Array.Fill(noNul, (byte)'x');
        Assert.Equal(LinuxError.None, Guest.Write(space, Base + Page, noNul));
        Assert.Equal(LinuxError.None, Guest.Write(space, Base + 10, [0xFF, 0xFE, 0]));

        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Base + (2 * Page) - 10).GetAsNullTerminated(in access).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<byte>.FromAddress(Base + Page).GetAsStr(in access).Error);
        Assert.Equal(LinuxError.EILSEQ, UserConstPtr<byte>.FromAddress(Base + 10).GetAsStr(in access).Error);
        Assert.Equal(2, UserConstPtr<byte>.FromAddress(Base + 10).GetAsNullTerminated(in access).Value.Length); // bytes are fine
    }

    [Fact]
    public void Null_terminated_scan_populates_lazy_pages_from_inside_the_scope()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 4 * Page, RW, populate: false));
        using UserAccess access = UserAccess.Begin(space);
        UserReadOnlySpan<byte> s = UserConstPtr<byte>.FromAddress(Base + (2 * Page)).GetAsNullTerminated(in access);
        Assert.True(s.IsOk);
        Assert.Equal(0, s.Value.Length);
        Assert.True(space.IsPopulated(Base + (2 * Page)));
        Assert.Equal(1, space.ResidentPages);
    }

    [Fact]
    public void Writes_to_read_only_and_execute_only_memory_are_refused()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapLinear(Base, Page, RO, [1, 2, 3, 4]));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + Page, Page, MappingFlags.Execute | MappingFlags.User, populate: true));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserPtr<int>.FromAddress(Base).Get(in access).Error);
        Assert.Equal(0x04030201, UserConstPtr<int>.FromAddress(Base).Get(in access).Value);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<int>.FromAddress(Base + Page).Get(in access).Error);
    }
}
