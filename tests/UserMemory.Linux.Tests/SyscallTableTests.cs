using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Syscalls;

namespace UserMemory.Linux.Tests;

/// <summary>The syscall table is data: every row is named from the ABI, unknown numbers have no row.</summary>
public sealed class SyscallTableTests
{
    [Fact]
    public void Rows_carry_the_linux_name_and_a_support_level()
    {
        int rows = 0;
        for (long nr = 0; nr < SyscallNames.TableSize; nr++)
        {
            SyscallEntry? e = SyscallTable.Lookup(nr);
            if (e is null)
            {
                continue;
            }

            rows++;
            Assert.Equal(nr, (long)e.Number);
            Assert.Equal(SyscallNames.Of(nr), e.Name);
            Assert.True(Enum.IsDefined(e.Support));
            Assert.True(e.Support == SupportLevel.Full || e.Note.Length > 0, e.Name + " needs a note");
        }

        Assert.True(rows > 100);
        Assert.Equal("read", SyscallTable.Lookup((long)SyscallNumber.Read)!.Name);
        Assert.Equal(SupportLevel.Unsupported, SyscallTable.Lookup((long)SyscallNumber.Rseq)!.Support);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData((long)SyscallNumber.MemfdSecret)]
    [InlineData(SyscallNames.TableSize)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void Unknown_numbers_have_no_row(long nr) => Assert.Null(SyscallTable.Lookup(nr));
}
