using System;
using System.Collections.Generic;

namespace UserMemory.Reliability.Tests.Bounds;

/// <summary>Part 4: string, path, argv/envp and iovec limits hold at their exact edges, with exact errnos.</summary>
public sealed class StringAndVectorLimitTests
{
    private const ulong Mib = 1024 * 1024;

    [Fact]
    public void PathLimitIsPathMaxIncludingTheNul()
    {
        using var s = new BoundsSpace(4 * Pages.Size4K * 4);
        using UserAccess access = UserAccess.Begin(s.Counted);
        ulong ok = s.PutString(BoundsSpace.Base, 4095);
        Assert.Equal(4095, UserCopy.CopyPathFromUser(in access, (UserConstPtr<byte>)ok).Value.Length);
        ulong tooLong = s.PutString(BoundsSpace.Base + 0x2000, 4096);
        Assert.Equal(LinuxError.ENAMETOOLONG, UserCopy.CopyPathFromUser(in access, (UserConstPtr<byte>)tooLong).Error);
        ulong empty = s.PutString(BoundsSpace.Base + 0x5000, 0);
        Assert.Equal(LinuxError.ENOENT, UserCopy.CopyPathFromUser(in access, (UserConstPtr<byte>)empty).Error);
        Assert.Empty(UserCopy.CopyPathFromUser(in access, (UserConstPtr<byte>)empty, allowEmpty: true).Value);

        // Running into the unmapped page after the area before PATH_MAX: EFAULT, not ENAMETOOLONG.
        ulong intoHole = s.PutString(s.AreaEnd - 100, 100, terminated: false);
        Assert.Equal(LinuxError.EFAULT, UserCopy.CopyPathFromUser(in access, (UserConstPtr<byte>)intoHole).Error);
    }

    [Fact]
    public void DefaultBorrowedStringBoundIs128KiBIncludingTheNul()
    {
        using var s = new BoundsSpace(40 * Pages.Size4K);
        using UserAccess access = UserAccess.Begin(s.Counted);
        ulong ok = s.PutString(BoundsSpace.Base, (128 * 1024) - 1);
        Assert.Equal((128 * 1024) - 1, ((UserConstPtr<byte>)ok).GetAsStr(in access).Value.Length);
        s.PutString(BoundsSpace.Base, 128 * 1024);
        Assert.Equal(LinuxError.ENAMETOOLONG, ((UserConstPtr<byte>)ok).GetAsStr(in access).Error);
        Assert.Equal(LinuxError.ENAMETOOLONG, ((UserConstPtr<byte>)ok).GetAsNullTerminated(in access).Error);
    }

    [Fact]
    public void ExecStringLimitIsMaxArgStrlenIncludingTheNul()
    {
        using var s = new BoundsSpace(2 * Mib);
        using UserAccess access = UserAccess.Begin(s.Counted);
        ulong argv = BoundsSpace.Base;
        ulong text = BoundsSpace.Base + Pages.Size4K;
        WriteArray(s, argv, text);
        s.PutString(text, ExecArgumentLimits.MaxArgStrlen - 1);
        IReadOnlyList<byte[]> one = UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)argv).Value;
        Assert.Equal(ExecArgumentLimits.MaxArgStrlen - 1, Assert.Single(one).Length);

        s.PutString(text, ExecArgumentLimits.MaxArgStrlen);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)argv).Error);
    }

    [Fact]
    public void ExecTotalAndCountLimitsGiveE2bigAndANullArrayIsEmpty()
    {
        using var s = new BoundsSpace(4 * Mib);
        using UserAccess access = UserAccess.Begin(s.Counted);
        ulong argv = BoundsSpace.Base;
        ulong text = BoundsSpace.Base + Pages.Size4K;
        s.PutString(text, 100 * 1024);

        // 21 pointers to the same 100 KiB string pass the 2 MiB budget (strings, NULs and pointers); 19 fit.
        WriteArray(s, argv, [.. System.Linq.Enumerable.Repeat(text, 21)]);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyExecArgumentsFromUser(in access, (UserConstPtr<ulong>)argv, default).Error);
        WriteArray(s, argv, [.. System.Linq.Enumerable.Repeat(text, 19)]);
        Assert.Equal(19, UserCopy.CopyExecArgumentsFromUser(in access, (UserConstPtr<ulong>)argv, default).Value.Arguments.Count);

        // argv and envp share the budget.
        ulong envp = argv + 0x800;
        WriteArray(s, envp, text, text);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyExecArgumentsFromUser(in access, (UserConstPtr<ulong>)argv, (UserConstPtr<ulong>)envp).Error);

        var three = new ExecArgumentLimits { MaxCount = 3 };
        WriteArray(s, argv, text, text, text, text);
        Assert.Equal(LinuxError.E2BIG, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)argv, three).Error);
        WriteArray(s, argv, text, text, text);
        Assert.Equal(3, UserCopy.CopyStringArrayFromUser(in access, (UserConstPtr<ulong>)argv, three).Value.Count);

        ExecArguments none = UserCopy.CopyExecArgumentsFromUser(in access, default, default).Value;
        Assert.Empty(none.Arguments);
        Assert.Empty(none.Environment);
    }

    [Fact]
    public void IovecCountAndLengthLimitsGiveEinval()
    {
        using var s = new BoundsSpace(64 * Pages.Size4K);
        using UserAccess access = UserAccess.Begin(s.Counted);
        ulong vector = BoundsSpace.Base;
        for (int i = 0; i < 1025; i++)
        {
            WriteIoVec(s, vector, i, BoundsSpace.Base + 0x20000, 16);
        }

        var p = (UserConstPtr<IoVec>)vector;
        Assert.Equal(1024, UserCopy.ImportIoVectors(in access, p, 1024).Value.Length);
        Assert.Equal(LinuxError.EINVAL, UserCopy.ImportIoVectors(in access, p, 1025).Error);
        Assert.Equal(LinuxError.EINVAL, UserCopy.ImportIoVectors(in access, p, -1).Error);
        Assert.Equal(LinuxError.EINVAL, UserCopy.ImportIoVectors(in access, p, long.MinValue).Error);

        // One length above SSIZE_MAX is EINVAL even with a null base (checked before the range); a length that fits
        // SSIZE_MAX but not the user range is EFAULT (access_ok).
        WriteIoVec(s, vector, 0, 0, (ulong)long.MaxValue + 1);
        Assert.Equal(LinuxError.EINVAL, UserCopy.ImportIoVectors(in access, p, 1).Error);
        WriteIoVec(s, vector, 0, BoundsSpace.Base, (ulong)long.MaxValue / 2);
        WriteIoVec(s, vector, 1, BoundsSpace.Base, (ulong)long.MaxValue / 2);
        Assert.Equal(LinuxError.EFAULT, UserCopy.ImportIoVectors(in access, p, 2).Error);
    }

    private static void WriteArray(BoundsSpace s, ulong at, params ulong[] pointers)
    {
        for (int i = 0; i < pointers.Length; i++)
        {
            BitConverter.TryWriteBytes(s.Raw(at + ((ulong)i * 8), 8), pointers[i]);
        }

        BitConverter.TryWriteBytes(s.Raw(at + ((ulong)pointers.Length * 8), 8), 0UL);
    }

    private static void WriteIoVec(BoundsSpace s, ulong vector, int index, ulong b, ulong length)
    {
        BitConverter.TryWriteBytes(s.Raw(vector + ((ulong)index * 16), 8), b);
        BitConverter.TryWriteBytes(s.Raw(vector + ((ulong)index * 16) + 8, 8), length);
    }
}
