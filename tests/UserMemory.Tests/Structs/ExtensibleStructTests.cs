using System;
using System.Linq;
using System.Runtime.InteropServices;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Structs;

public class ExtensibleStructTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    // Pages 0..1 read-write, 2 unmapped, 3 read-only.
    private static TestAddressSpace Layout()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), 2 * P, RW);
        space.Map(Page(3), P, R);
        FillPattern(space, Page(0), (int)(2 * P));
        return space;
    }

    private static byte[] Filled(int length) => Enumerable.Repeat((byte)0xCC, length).ToArray();

    [Fact]
    public void Equal_sizes_copy_everything()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = Filled(24);
        Assert.Equal(LinuxError.None, UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)(Base + 1), 24));
        Assert.Equal(Pattern(Base + 1, 24), kernel);
    }

    [Fact]
    public void An_older_smaller_user_struct_is_zero_extended()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = Filled(24);
        Assert.Equal(LinuxError.None, UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)Base, 16));
        Assert.Equal(Pattern(Base, 16), kernel[..16]);
        Assert.All(kernel[16..], b => Assert.Equal(0, b));

        kernel = Filled(24);
        Assert.Equal(LinuxError.None, UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)Base, 0));
        Assert.All(kernel, b => Assert.Equal(0, b));
    }

    [Fact]
    public void A_newer_larger_user_struct_needs_a_zero_tail()
    {
        using TestAddressSpace space = Layout();
        ulong at = Page(1) - 24; // 24-byte kernel struct, 40-byte user struct crossing into page 1
        space.Raw(at + 24, 16).Clear();
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = Filled(24);
        Assert.Equal(LinuxError.None, UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)at, 40));
        Assert.Equal(Pattern(at, 24), kernel);

        space.Raw(at + 39, 1)[0] = 1; // the very last user byte
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)at, 40));
        Assert.All(kernel, b => Assert.Equal(0, b)); // cleared on failure
        space.Raw(at + 39, 1)[0] = 0;
        space.Raw(at + 24, 1)[0] = 1; // the first byte past ksize
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)at, 40));
    }

    [Fact]
    public void Faults_in_the_head_or_the_tail_are_EFAULT()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        ulong at = Page(2) - 24;
        space.Raw(at, 24).Clear();
        byte[] kernel = Filled(16);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructFromUser(in access, kernel, (UserConstPtr<byte>)at, 32)); // zero tail runs into the hole
        Assert.All(kernel, b => Assert.Equal(0, b));
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructFromUser(in access, new byte[32], (UserConstPtr<byte>)at, 32)); // head runs into it
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructFromUser(in access, new byte[8], UserConstPtr<byte>.Null, 8));
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructFromUser(in access, new byte[8], (UserConstPtr<byte>)(ulong.MaxValue - 4), 8));
        // A non-zero tail byte before the hole is found before the fault, as Linux's check_zeroed_user.
        space.Raw(at + 20, 1)[0] = 9;
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStructFromUser(in access, new byte[16], (UserConstPtr<byte>)at, 32));
    }

    [Fact]
    public void Sizes_above_the_bound_are_E2BIG_without_reading()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        int before = space.PopulateCalls;
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStructFromUser(in access, new byte[24], (UserConstPtr<byte>)Base, 4097));
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStructFromUser(in access, new byte[24], (UserConstPtr<byte>)Base, ulong.MaxValue));
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)Base, 4097, new byte[24], out _));
        Assert.Equal(before, space.PopulateCalls);

        space.Raw(Base + 24, 8192 - 24).Clear();
        Assert.Equal(LinuxError.None, UserCopy.CopyStructFromUser(in access, new byte[24], (UserConstPtr<byte>)Base, 8192, maxUserSize: 8192));
    }

    [Fact]
    public void Generic_form_fills_a_struct()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        BitConverter.GetBytes(0x241UL).CopyTo(space.Raw(Base, 8));
        BitConverter.GetBytes(0x1A4UL).CopyTo(space.Raw(Base + 8, 8));
        Assert.Equal(LinuxError.None, UserCopy.CopyStructFromUser(in access, out OpenHow how, (UserConstPtr<byte>)Base, 16));
        Assert.Equal((0x241UL, 0x1A4UL, 0UL), (how.Flags, how.Mode, how.Resolve));
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructFromUser(space, new byte[8], (UserConstPtr<byte>)Page(2), 8));
    }

    [Fact]
    public void To_user_clears_the_tail_of_a_newer_user_struct()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        byte[] kernel = Enumerable.Range(1, 16).Select(i => (byte)i).ToArray();
        Assert.Equal(LinuxError.None, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)(Page(1) - 10), 32, kernel, out bool ignored));
        Assert.False(ignored);
        Assert.Equal(kernel, space.Raw(Page(1) - 10, 16).ToArray());
        Assert.All(space.Raw(Page(1) + 6, 16).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(Pattern(Page(1) + 22, 1), space.Raw(Page(1) + 22, 1).ToArray());
    }

    [Fact]
    public void To_user_with_an_older_user_struct_reports_dropped_non_zero_bytes()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        var how = new OpenHow { Flags = 1, Mode = 2, Resolve = 0 };
        Assert.Equal(LinuxError.None, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)Base, 16, in how, out bool ignored));
        Assert.False(ignored); // only zero bytes were dropped
        Assert.Equal(Pattern(Base + 16, 8), space.Raw(Base + 16, 8).ToArray()); // nothing written past usize

        how.Resolve = 8;
        Assert.Equal(LinuxError.None, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)Base, 16, in how, out ignored));
        Assert.True(ignored);
        Assert.Equal(1UL, BitConverter.ToUInt64(space.Raw(Base, 8)));
    }

    [Fact]
    public void To_user_faults_are_EFAULT()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)Page(3), 8, new byte[8], out _));     // read-only
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)(Page(2) - 8), 16, new byte[8], out _)); // tail in the hole
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructToUser(in access, UserPtr<byte>.Null, 8, new byte[8], out _));
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStructToUser(in access, (UserPtr<byte>)(ulong.MaxValue - 2), 8, new byte[8], out _));
        Assert.Equal(LinuxError.None, UserCopy.CopyStructToUser(space, (UserPtr<byte>)Base, 8, new byte[8], out _));
    }
}
