using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Text;
using UserMemory.Linux.Loader;

namespace UserMemory.Linux.Tests;

public sealed class InitialStackTests
{
    private const ulong Top = 0x7000_0000;

    private static InitialStack Build(string[] argv, string[] envp, string execFn = "/bin/prog")
    {
        byte[] random = new byte[16];
        for (int i = 0; i < 16; i++)
        {
            random[i] = (byte)(0xA0 + i);
        }

        var auxv = new List<KeyValuePair<AuxvType, ulong>>
        {
            new(AuxvType.PageSize, 4096),
            new(AuxvType.Entry, 0x401000),
            new(AuxvType.ClockTicks, 100),
        };
        return InitialStack.Build(Top, Array.ConvertAll(argv, Encoding.UTF8.GetBytes), Array.ConvertAll(envp, Encoding.UTF8.GetBytes), Encoding.UTF8.GetBytes(execFn), random, auxv);
    }

    private static ulong Word(InitialStack s, ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(s.Image.AsSpan((int)(address - s.StackPointer)));

    private static string CString(InitialStack s, ulong address)
    {
        ReadOnlySpan<byte> rest = s.Image.AsSpan((int)(address - s.StackPointer));
        return Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)0)]);
    }

    [Theory]
    [InlineData(new string[0], new string[0])]
    [InlineData(new[] { "prog" }, new string[0])]
    [InlineData(new[] { "prog", "a" }, new[] { "HOME=/root" })]
    [InlineData(new[] { "prog", "a", "bb" }, new[] { "A=1", "B=22", "C=333" })]
    public void Layout_is_argc_argv_envp_auxv_with_a_16_byte_aligned_stack_pointer(string[] argv, string[] envp)
    {
        InitialStack s = Build(argv, envp);
        Assert.Equal(0UL, s.StackPointer % 16);
        Assert.Equal(Top - s.StackPointer, (ulong)s.Image.Length);
        ulong p = s.StackPointer;
        Assert.Equal((ulong)argv.Length, Word(s, p));
        p += 8;
        foreach (string a in argv)
        {
            Assert.Equal(a, CString(s, Word(s, p)));
            p += 8;
        }

        Assert.Equal(0UL, Word(s, p));
        p += 8;
        foreach (string e in envp)
        {
            Assert.Equal(e, CString(s, Word(s, p)));
            p += 8;
        }

        Assert.Equal(0UL, Word(s, p));
        p += 8;
        var seen = new Dictionary<ulong, ulong>();
        while (Word(s, p) != 0)
        {
            seen[Word(s, p)] = Word(s, p + 8);
            p += 16;
        }

        Assert.Equal(0UL, Word(s, p + 8)); // AT_NULL's value
        Assert.Equal(4096UL, seen[(ulong)AuxvType.PageSize]);
        Assert.Equal(0x401000UL, seen[(ulong)AuxvType.Entry]);
        Assert.Equal(100UL, seen[(ulong)AuxvType.ClockTicks]);
        Assert.Equal("x86_64", CString(s, seen[(ulong)AuxvType.Platform]));
        Assert.Equal("/bin/prog", CString(s, seen[(ulong)AuxvType.ExecutableFileName]));
        ulong random = seen[(ulong)AuxvType.Random];
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal((byte)(0xA0 + i), s.Image[(int)(random - s.StackPointer) + i]);
        }

        // Every pointer the vector holds points inside the stack image.
        Assert.All(new[] { seen[(ulong)AuxvType.Platform], seen[(ulong)AuxvType.ExecutableFileName], random }, a => Assert.InRange(a, s.StackPointer, Top - 1));
    }

    [Fact]
    public void Rejects_bad_random_and_misaligned_top()
    {
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Top, [], [], [], new byte[15], []));
        Assert.Throws<ArgumentException>(() => InitialStack.Build(Top + 8, [], [], [], new byte[16], []));
    }
}
