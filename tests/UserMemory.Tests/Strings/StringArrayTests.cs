using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Strings;

public class StringArrayTests
{
    // Pages 0..5 readable, 6 unmapped, 7.. readable (strings live at Page(2), arrays at Page(0)).
    private static TestAddressSpace Layout()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), 6 * P, R);
        space.Map(Page(7), 9 * P, R);
        return space;
    }

    /// <summary>Writes the strings one after another from <paramref name="stringsAt"/> and a pointer array at
    /// <paramref name="arrayAt"/> ending with a null pointer; returns the array pointer.</summary>
    private static UserConstPtr<ulong> WriteArgv(TestAddressSpace space, ulong arrayAt, ulong stringsAt, params string[] strings)
    {
        ulong cursor = stringsAt;
        List<ulong> pointers = [];
        foreach (string s in strings)
        {
            byte[] bytes = Encoding.Latin1.GetBytes(s + "\0");
            bytes.CopyTo(space.Raw(cursor, bytes.Length));
            pointers.Add(cursor);
            cursor += (ulong)bytes.Length;
        }

        pointers.Add(0);
        WritePointers(space, arrayAt, [.. pointers]);
        return (UserConstPtr<ulong>)arrayAt;
    }

    private static void WritePointers(TestAddressSpace space, ulong at, params ulong[] pointers)
    {
        for (int i = 0; i < pointers.Length; i++)
        {
            BitConverter.GetBytes(pointers[i]).CopyTo(space.Raw(at + (ulong)(8 * i), 8));
        }
    }

    private static string[] AsText(IReadOnlyList<byte[]> strings) => strings.Select(Encoding.Latin1.GetString).ToArray();

    [Fact]
    public void Copies_argv_in_order()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<ulong> argv = WriteArgv(space, Base, Page(2), "ls", "-l", "", "/tmp");
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(new[] { "ls", "-l", "", "/tmp" }, AsText(UserCopy.CopyStringArrayFromUser(in access, argv).Value));
        Assert.Equal(4, UserCopy.CopyStringArrayFromUser(space, argv).Value.Count);
    }

    [Fact]
    public void A_null_array_is_empty_and_an_empty_array_is_empty()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<ulong> empty = WriteArgv(space, Base, Page(2));
        using UserAccess access = UserAccess.Begin(space);
        Assert.Empty(UserCopy.CopyStringArrayFromUser(in access, UserConstPtr<ulong>.Null).Value);
        Assert.Empty(UserCopy.CopyStringArrayFromUser(in access, empty).Value);
    }

    [Fact]
    public void Misaligned_arrays_are_read_like_any_other_user_data()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<ulong> argv = WriteArgv(space, Base + 3, Page(2) + 1, "a", "bc");
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(new[] { "a", "bc" }, AsText(UserCopy.CopyStringArrayFromUser(in access, argv).Value));
    }

    [Fact]
    public void Bad_array_or_string_pointers_are_EFAULT()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);

        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)Page(6)).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)(ulong.MaxValue - 7)).Error);

        // No terminating null pointer before the hole.
        ulong tail = Page(6) - 16;
        space.Raw(Page(2), 2)[0] = (byte)'x';
        WritePointers(space, tail, Page(2), Page(2));
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)tail).Error);

        // A string pointer into the hole, and a string running into it.
        WritePointers(space, Base, Page(2), Page(6) + 5, 0);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)Base).Error);
        Encoding.Latin1.GetBytes("unterminated").CopyTo(space.Raw(Page(6) - 12, 12));
        WritePointers(space, Base, Page(6) - 12, 0);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)Base).Error);
        WritePointers(space, Base, 0x1, 0); // below user space
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)Base).Error);
    }

    [Fact]
    public void Strings_of_max_arg_strlen_fit_and_longer_ones_are_E2BIG()
    {
        using var space = new TestAddressSpace(Base, 64 * P);
        space.Map(Base, 64 * P, R);
        ulong stringAt = Base + P;
        new string('a', ExecArgumentLimits.MaxArgStrlen - 1).Select(c => (byte)c).ToArray().CopyTo(space.Raw(stringAt, ExecArgumentLimits.MaxArgStrlen - 1));
        WritePointers(space, Base, stringAt, 0);
        using UserAccess access = UserAccess.Begin(space);
        IReadOnlyList<byte[]> ok = UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)Base).Value;
        Assert.Equal(ExecArgumentLimits.MaxArgStrlen - 1, ok[0].Length);

        space.Raw(stringAt + ExecArgumentLimits.MaxArgStrlen - 1, 1)[0] = (byte)'a'; // 32 pages without a NUL
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)Base).Error);
    }

    [Fact]
    public void The_count_limit_is_E2BIG()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<ulong> argv = WriteArgv(space, Base, Page(2), "a", "b", "c");
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(3, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxCount = 3 }).Value.Count);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxCount = 2 }).Error);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxCount = 0 }).Error);
    }

    [Fact]
    public void The_total_budget_counts_strings_nuls_and_pointers()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<ulong> argv = WriteArgv(space, Base, Page(2), "ab", "cde"); // 2 * 8 + 3 + 4 = 23
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(2, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxTotalBytes = 23 }).Value.Count);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxTotalBytes = 22 }).Error);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxTotalBytes = 16 }).Error); // pointers alone use it up
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxStringBytes = 3 }).Error);
        Assert.Equal(2, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxStringBytes = 4 }).Value.Count);
    }

    [Fact]
    public void Argv_and_envp_share_one_budget()
    {
        using TestAddressSpace space = Layout();
        UserConstPtr<ulong> argv = WriteArgv(space, Base, Page(2), "sh", "-c");       // 8+3 + 8+3 = 22
        UserConstPtr<ulong> envp = WriteArgv(space, Base + 100, Page(3), "A=1");      // 8+4 = 12
        using UserAccess access = UserAccess.Begin(space);
        ExecArguments both = UserCopy.CopyExecArgumentsFromUser(in access, argv, envp, new ExecArgumentLimits { MaxTotalBytes = 34 }).Value;
        Assert.Equal(new[] { "sh", "-c" }, AsText(both.Arguments));
        Assert.Equal(new[] { "A=1" }, AsText(both.Environment));
        Assert.Equal(34UL, both.TotalBytes);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyExecArgumentsFromUser(in access, argv, envp, new ExecArgumentLimits { MaxTotalBytes = 33 }).Error);

        ExecArguments noEnv = UserCopy.CopyExecArgumentsFromUser(in access, argv, UserConstPtr<ulong>.Null).Value;
        Assert.Empty(noEnv.Environment);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyExecArgumentsFromUser(space, argv, (UserConstPtr<ulong>)Page(6)).Error);
        Assert.Equal(2, UserCopy.CopyExecArgumentsFromUser(space, argv, envp).Value.Arguments.Count);
    }

    [Fact]
    public void Invalid_limits_are_a_programming_error()
    {
        using TestAddressSpace space = Layout();
        Assert.Throws<ArgumentException>(() =>
        {
            using UserAccess access = UserAccess.Begin(space);
            UserCopy.CopyStringArrayFromUser(in access, UserConstPtr<ulong>.Null, default(ExecArgumentLimits));
        });
    }

    [Fact]
    public void A_terminator_right_before_a_hole_is_enough()
    {
        using TestAddressSpace space = Layout();
        Encoding.Latin1.GetBytes("x\0").CopyTo(space.Raw(Page(2), 2));
        WritePointers(space, Page(6) - 16, Page(2), 0); // the batch read runs into the hole after the terminator
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(new[] { "x" }, AsText(UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)(Page(6) - 16)).Value));
        WritePointers(space, Page(6) - 13, Page(2), 0); // misaligned: the terminator straddles into the hole
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)(Page(6) - 13)).Error);
    }

    [Fact]
    public void An_array_ending_at_the_top_of_user_space_is_read()
    {
        using TestAddressSpace space = Layout();
        Encoding.Latin1.GetBytes("top\0").CopyTo(space.Raw(Page(2), 4));
        WritePointers(space, End - 16, Page(2), 0);
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(new[] { "top" }, AsText(UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)(End - 16)).Value));
        WritePointers(space, End - 8, Page(2)); // no room for the terminator
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)(End - 8)).Error);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)(End - 4)).Error);
    }

    [Fact]
    public void Long_arrays_span_several_pointer_batches()
    {
        using TestAddressSpace space = Layout();
        string[] strings = Enumerable.Range(0, 300).Select(i => "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        UserConstPtr<ulong> argv = WriteArgv(space, Base, Page(2), strings);
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(strings, AsText(UserCopy.CopyStringArrayFromUser(in access, argv).Value));
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxCount = 299 }).Error);
        Assert.Equal(300, UserCopy.CopyStringArrayFromUser(in access, argv, new ExecArgumentLimits { MaxCount = 300 }).Value.Count);
    }
}
