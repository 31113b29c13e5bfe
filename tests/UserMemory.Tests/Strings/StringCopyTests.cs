using System;
using System.Linq;
using System.Text;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Strings;

public class StringCopyTests
{
    // Pages 0 and 1 readable, page 2 unmapped, page 3 lazy.
    private static TestAddressSpace Layout()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), 2 * P, R);
        space.Map(Page(3), P, R, populate: false);
        return space;
    }

    private static void Put(TestAddressSpace space, ulong address, string text) =>
        Encoding.Latin1.GetBytes(text).CopyTo(space.Raw(address, text.Length));

    private static UserConstPtr<byte> Ptr(ulong address) => (UserConstPtr<byte>)address;

    private static byte[] Filled(int length) => Enumerable.Repeat((byte)0xCC, length).ToArray();

    [Fact]
    public void Strncpy_copies_a_terminated_string_with_its_nul()
    {
        using TestAddressSpace space = Layout();
        Put(space, Base + 10, "hello\0world");
        using UserAccess access = UserAccess.Begin(space);
        byte[] dst = Filled(16);
        StrncpyResult r = UserCopy.StrncpyFromUser(in access, Ptr(Base + 10), dst);
        Assert.True(r.IsOk);
        Assert.True(r.IsTerminated);
        Assert.Equal(5, r.Length);
        Assert.Equal(5L, r.ToLinuxReturn());
        Assert.Equal("hello\0"u8.ToArray(), dst[..6]);
        Assert.All(dst[6..], b => Assert.Equal(0, b)); // "world" was read with the page chunk but not kept
    }

    [Theory]
    [InlineData("hellohello", 5, 5, false)]   // no NUL within the buffer: count, unterminated
    [InlineData("hello", 5, 5, false)]        // NUL one past the buffer: still unterminated
    [InlineData("hell", 5, 4, true)]          // NUL in the last buffer byte
    [InlineData("", 5, 0, true)]              // empty string
    public void Strncpy_follows_the_linux_return_convention(string text, int count, int expected, bool terminated)
    {
        using TestAddressSpace space = Layout();
        Put(space, Base, text + "\0");
        using UserAccess access = UserAccess.Begin(space);
        byte[] dst = Filled(count);
        StrncpyResult r = UserCopy.StrncpyFromUser(in access, Ptr(Base), dst);
        Assert.Equal(LinuxError.None, r.Error);
        Assert.Equal(expected, r.Length);
        Assert.Equal(terminated, r.IsTerminated);
        Assert.Equal(expected, r.ToLinuxReturn());
        Assert.Equal(Encoding.Latin1.GetBytes(text)[..expected], dst[..expected]);
        if (terminated)
        {
            Assert.Equal(0, dst[expected]);
        }
    }

    [Fact]
    public void Strncpy_of_a_string_ending_at_the_last_mapped_byte()
    {
        using TestAddressSpace space = Layout();
        ulong start = Page(2) - 4096 - 100; // string spans pages 0 and 1 and ends at the last byte of page 1
        Put(space, start, new string('a', 4196 - 1) + "\0");
        using UserAccess access = UserAccess.Begin(space);

        StrncpyResult withNul = UserCopy.StrncpyFromUser(in access, Ptr(start), new byte[8192]);
        Assert.Equal((4195, true, LinuxError.None), (withNul.Length, withNul.IsTerminated, withNul.Error));

        space.Raw(Page(2) - 1, 1)[0] = (byte)'a'; // now no NUL before the hole
        StrncpyResult faulted = UserCopy.StrncpyFromUser(in access, Ptr(start), new byte[8192]);
        Assert.Equal(LinuxError.EFAULT, faulted.Error);
        Assert.Equal(-14L, faulted.ToLinuxReturn());

        // A buffer that ends exactly at the last mapped byte never reads the hole: unterminated, full count.
        StrncpyResult exact = UserCopy.StrncpyFromUser(in access, Ptr(start), new byte[4196]);
        Assert.Equal((4196, false, LinuxError.None), (exact.Length, exact.IsTerminated, exact.Error));
    }

    [Fact]
    public void Strncpy_stops_at_a_nul_before_an_unmapped_page()
    {
        using TestAddressSpace space = Layout();
        Put(space, Page(2) - 4, "abc\0");
        using UserAccess access = UserAccess.Begin(space);
        StrncpyResult r = UserCopy.StrncpyFromUser(in access, Ptr(Page(2) - 4), new byte[100]);
        Assert.Equal((3, true), (r.Length, r.IsTerminated));
        Assert.Equal(LinuxError.EFAULT, UserCopy.StrncpyFromUser(in access, Ptr(Page(2)), new byte[1]).Error);
    }

    [Fact]
    public void Strncpy_crosses_page_boundaries()
    {
        using TestAddressSpace space = Layout();
        Put(space, Page(1) - 3, "abcdef\0");
        using UserAccess access = UserAccess.Begin(space);
        byte[] dst = new byte[50];
        StrncpyResult r = UserCopy.StrncpyFromUser(in access, Ptr(Page(1) - 3), dst);
        Assert.Equal(6, r.Length);
        Assert.Equal("abcdef\0"u8.ToArray(), dst[..7]);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(Base - 1)]
    [InlineData(End)]
    [InlineData(ulong.MaxValue)]
    public void Strncpy_and_strnlen_reject_bad_pointers(ulong address)
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserCopy.StrncpyFromUser(in access, Ptr(address), new byte[8]).Error);
        StrnlenResult n = UserCopy.StrnlenUser(in access, Ptr(address), 8);
        Assert.Equal(LinuxError.EFAULT, n.Error);
        Assert.Equal(0UL, n.ToLinuxReturn());
    }

    [Fact]
    public void Zero_counts_touch_nothing()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        StrncpyResult r = UserCopy.StrncpyFromUser(in access, Ptr(0), Span<byte>.Empty);
        Assert.Equal((0, false, LinuxError.None, 0L), (r.Length, r.IsTerminated, r.Error, r.ToLinuxReturn()));
        StrnlenResult n = UserCopy.StrnlenUser(in access, Ptr(0), 0);
        Assert.Equal((LinuxError.None, 0UL), (n.Error, n.ToLinuxReturn()));
        Assert.Equal(0, space.PopulateCalls);
    }

    [Fact]
    public void Strings_on_lazy_pages_are_populated_or_fail_with_ENOMEM()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        StrncpyResult lazy = UserCopy.StrncpyFromUser(in access, Ptr(Page(3)), new byte[8]);
        Assert.Equal((0, true, LinuxError.None), (lazy.Length, lazy.IsTerminated, lazy.Error));
        Assert.Equal(3, space.PopulatedPages);
        Assert.Equal(1UL, UserCopy.StrnlenUser(in access, Ptr(Page(3)), 8).ToLinuxReturn());

        using TestAddressSpace failing = Layout();
        failing.FailPopulation = true;
        using UserAccess access2 = UserAccess.Begin(failing);
        Assert.Equal(LinuxError.ENOMEM, UserCopy.StrncpyFromUser(in access2, Ptr(Page(3)), new byte[8]).Error);
        Assert.Equal(LinuxError.ENOMEM, UserCopy.StrnlenUser(in access2, Ptr(Page(3)), 8).Error);
    }

    [Theory]
    [InlineData("hello", 100UL, 6UL, true)]   // length with the NUL
    [InlineData("hello", 6UL, 6UL, true)]     // NUL exactly at the bound
    [InlineData("hello", 5UL, 6UL, false)]    // no NUL within 5: n + 1
    [InlineData("hello", 1UL, 2UL, false)]
    [InlineData("", 1UL, 1UL, true)]
    public void Strnlen_follows_the_linux_return_convention(string text, ulong limit, ulong linux, bool terminated)
    {
        using TestAddressSpace space = Layout();
        Put(space, Page(1) - 2, text + "\0"); // crosses into page 1
        using UserAccess access = UserAccess.Begin(space);
        StrnlenResult r = UserCopy.StrnlenUser(in access, Ptr(Page(1) - 2), limit);
        Assert.Equal(LinuxError.None, r.Error);
        Assert.Equal(terminated, r.IsTerminated);
        Assert.Equal(linux, r.ToLinuxReturn());
        Assert.Equal(terminated ? (ulong)text.Length : limit, r.Length);
    }

    [Fact]
    public void Strnlen_runs_into_the_end_of_a_mapping()
    {
        using TestAddressSpace space = Layout();
        Put(space, Page(2) - 3, "ab\0");
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(3UL, UserCopy.StrnlenUser(in access, Ptr(Page(2) - 3), ulong.MaxValue).ToLinuxReturn());
        space.Raw(Page(2) - 1, 1)[0] = (byte)'c';
        StrnlenResult r = UserCopy.StrnlenUser(in access, Ptr(Page(2) - 3), ulong.MaxValue);
        Assert.Equal((LinuxError.EFAULT, 0UL), (r.Error, r.ToLinuxReturn()));
        Assert.Equal(4UL, UserCopy.StrnlenUser(in access, Ptr(Page(2) - 3), 3).ToLinuxReturn()); // bound before the hole
    }

    [Fact]
    public void Path_of_4095_bytes_fits_and_4096_is_ENAMETOOLONG()
    {
        using TestAddressSpace space = Layout();
        Put(space, Base, new string('p', 4095) + "\0");
        using UserAccess access = UserAccess.Begin(space);
        byte[] path = UserCopy.CopyPathFromUser(in access, Ptr(Base)).Value;
        Assert.Equal(4095, path.Length);
        Assert.All(path, b => Assert.Equal((byte)'p', b));

        space.Raw(Base + 4095, 1)[0] = (byte)'p'; // 4096 bytes before the NUL
        Assert.Equal(LinuxError.ENAMETOOLONG, UserCopy.CopyPathFromUser(in access, Ptr(Base)).Error);

        // 4096 non-NUL bytes right before a hole: the bound is hit first, so ENAMETOOLONG, not EFAULT.
        Put(space, Page(1), new string('q', 4096));
        Assert.Equal(LinuxError.ENAMETOOLONG, UserCopy.CopyPathFromUser(in access, Ptr(Page(1))).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyPathFromUser(in access, Ptr(Page(1) + 1)).Error);
    }

    [Fact]
    public void Empty_path_is_ENOENT_unless_allowed()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.ENOENT, UserCopy.CopyPathFromUser(in access, Ptr(Base)).Error);
        Assert.Empty(UserCopy.CopyPathFromUser(in access, Ptr(Base), allowEmpty: true).Value);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyPathFromUser(in access, Ptr(0), allowEmpty: true).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyPathFromUser(space, Ptr(Page(2))).Error);
    }

    [Fact]
    public void Path_buffer_form_bounds_by_the_buffer_and_keeps_the_nul()
    {
        using TestAddressSpace space = Layout();
        Put(space, Base, "/etc/passwd\0");
        using UserAccess access = UserAccess.Begin(space);
        byte[] buffer = Filled(64);
        Assert.Equal(11, UserCopy.CopyPathFromUser(in access, Ptr(Base), buffer).Value);
        Assert.Equal("/etc/passwd\0"u8.ToArray(), buffer[..12]);
        Assert.Equal(LinuxError.ENAMETOOLONG, UserCopy.CopyPathFromUser(in access, Ptr(Base), new byte[11]).Error);
        Assert.Equal(11, UserCopy.CopyPathFromUser(in access, Ptr(Base), new byte[12]).Value);
    }

    [Fact]
    public void Paths_are_bytes_and_utf8_decoding_is_opt_in()
    {
        using TestAddressSpace space = Layout();
        byte[] notUtf8 = [0x2F, 0xFF, 0xFE, 0x00];
        notUtf8.CopyTo(space.Raw(Base, 4));
        Encoding.UTF8.GetBytes("h\u00e9llo\0").CopyTo(space.Raw(Base + 100, 7));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(notUtf8[..3], UserCopy.CopyPathFromUser(in access, Ptr(Base)).Value);
        Assert.Equal(notUtf8[..3], UserCopy.CopyStringFromUser(in access, Ptr(Base), 16).Value);
        Assert.Equal(LinuxError.EILSEQ, UserCopy.CopyUtf8StringFromUser(in access, Ptr(Base), 16).Error);
        Assert.Equal("h\u00e9llo", UserCopy.CopyUtf8StringFromUser(in access, Ptr(Base + 100), 16).Value);
        Assert.Equal(LinuxError.ENAMETOOLONG, UserCopy.CopyUtf8StringFromUser(in access, Ptr(Base + 100), 6).Error);
        Assert.Equal("h\u00e9llo", UserCopy.CopyUtf8StringFromUser(space, Ptr(Base + 100), 7).Value);
    }

    [Fact]
    public void Long_bounded_strings_use_a_pooled_buffer()
    {
        using TestAddressSpace space = Layout();
        Put(space, Base, new string('x', 6000) + "\0");
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(6000, UserCopy.CopyStringFromUser(in access, Ptr(Base), 6001).Value.Length);
        Assert.Equal(LinuxError.ENAMETOOLONG, UserCopy.CopyStringFromUser(in access, Ptr(Base), 6000).Error);
        Assert.Equal(6000, UserCopy.CopyStringFromUser(space, Ptr(Base), 8000).Value.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => UserCopy.CopyStringFromUser(space, Ptr(Base), 0));
    }

    [Fact]
    public void Provider_overloads_for_strings()
    {
        using TestAddressSpace space = Layout();
        Put(space, Base, "abc\0");
        Assert.Equal(3, UserCopy.StrncpyFromUser(space, Ptr(Base), new byte[10]).Length);
        Assert.Equal(4UL, UserCopy.StrnlenUser(space, Ptr(Base), 10).ToLinuxReturn());
        Assert.Equal("abc"u8.ToArray(), UserCopy.CopyPathFromUser(space, Ptr(Base)).Value);
        Assert.Equal(0, UserAccessContext.Depth);
    }
}
