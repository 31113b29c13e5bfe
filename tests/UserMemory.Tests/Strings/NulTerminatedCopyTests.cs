using System;
using Xunit;

namespace UserMemory.Tests.Strings;

/// <summary>
/// The fused scan-and-copy against its definition, for every NUL position in lengths around each loop's edges (the
/// scalar fallback below 32 bytes, the 256-bit loop, the 512-bit loop from 256 bytes where the CPU has it, the paired
/// steps and the overlapping tail).
/// </summary>
public sealed class NulTerminatedCopyTests
{
    public static TheoryData<int> Lengths()
    {
        TheoryData<int> data = [];
        foreach (int length in new[] { 0, 1, 31, 32, 33, 63, 64, 65, 95, 127, 128, 129, 191, 255, 256, 257, 319, 383, 384, 385, 511, 512, 513, 1000, 4096 })
        {
            data.Add(length);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Finds_the_first_nul_and_copies_through_it(int length)
    {
        for (int nul = -1; nul < length; nul++)
        {
            byte[] source = new byte[length];
            for (int i = 0; i < length; i++)
            {
                source[i] = (byte)(1 + (i % 251));
            }

            if (nul >= 0)
            {
                source[nul] = 0;
                if (nul + 1 < length)
                {
                    source[length - 1] = 0; // a later NUL must not win
                }
            }

            byte[] destination = new byte[length];
            destination.AsSpan().Fill(0xEE);
            int found = NulTerminatedCopy.CopyUntilNul(source, destination);

            int expected = nul >= 0 ? nul : -1;
            Assert.Equal(expected, found);
            int copied = expected >= 0 ? expected + 1 : length;
            Assert.True(destination.AsSpan(0, copied).SequenceEqual(source.AsSpan(0, copied)), $"length {length}, NUL at {nul}");
        }
    }
}
