using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Tests;

/// <summary>The virtual descriptor table with synthetic descriptions, close_range's helpers, and the hand-off text
/// (round trip, and rejection of forged text without exceptions).</summary>
public sealed class VirtualDescriptorTableTests
{
    [Fact]
    public void Synthetic_descriptions_have_no_host_descriptor_and_are_shared_by_dup()
    {
        FdTable t = FdTable.WithStandardStreams();
        var maps = new SyntheticFile(new ProcNode(ProcNodeKind.Maps, 7, 7), 0);
        Assert.Equal(3, t.Add(maps, false));
        Assert.Equal(-1, t.HostOf(3));
        Assert.True(t.IsOpen(3));
        Assert.Same(maps, t.Get(3));
        Assert.Equal(10, t.Add(maps, true, 10));
        Assert.Same(t.Get(3), t.Get(10));
        Assert.Same(maps, t.Take(3));
        Assert.False(t.IsOpen(3));
        Assert.Null(t.Take(3));
    }

    [Fact]
    public void Take_range_and_mark_close_on_exec_touch_only_the_range()
    {
        FdTable t = FdTable.WithStandardStreams();
        for (int i = 3; i < 10; i++)
        {
            t.Add(100 + i, false);
        }

        t.MarkCloseOnExec(5, 6);
        Assert.True(t.IsCloseOnExec(5) && t.IsCloseOnExec(6) && !t.IsCloseOnExec(4) && !t.IsCloseOnExec(7));
        IReadOnlyList<OpenFile> taken = t.TakeRange(3, uint.MaxValue);
        Assert.Equal(Enumerable.Range(103, 7), taken.Select(f => f.HostFd));
        Assert.Equal([0, 1, 2], t.GuestDescriptors());
    }

    [Fact]
    public void The_table_round_trips_through_text_with_synthetic_entries()
    {
        Gen.Select(Gen.Int[0, FdTable.Limit - 1].Array[0, 20], Gen.Bool.Array[20], Gen.Int[1, 22].Array[20], Gen.Long[0, long.MaxValue].Array[20])
            .Sample((numbers, flags, kinds, offsets) =>
            {
                var t = new FdTable();
                int i = 0;
                foreach (int n in numbers.Distinct())
                {
                    OpenFile f = i % 2 == 0 ? new HostFile(n + 5) : new SyntheticFile(new ProcNode((ProcNodeKind)kinds[i], 40 + i, 41 + i, i - 1), 0) { Offset = offsets[i] };
                    t.Place(n, f, flags[i]);
                    i++;
                }

                FdTable back = FdTable.Parse(t.Serialize());
                if (back.Serialize() != t.Serialize() || back.Count != t.Count)
                {
                    return false;
                }

                foreach (int n in t.GuestDescriptors())
                {
                    OpenFile a = t.Get(n)!, b = back.Get(n)!;
                    bool same = a is SyntheticFile sa
                        ? b is SyntheticFile sb && sa.Node == sb.Node && sa.Offset == sb.Offset
                        : b is HostFile && a.HostFd == b.HostFd;
                    if (!same || t.IsCloseOnExec(n) != back.IsCloseOnExec(n))
                    {
                        return false;
                    }
                }

                return true;
            });
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("0")]
    [InlineData("0:")]
    [InlineData("0:-1")]
    [InlineData("-1:0")]
    [InlineData("1048576:0")]
    [InlineData("0:0:q")]
    [InlineData("0:0,0:1")]
    [InlineData("0:@")]
    [InlineData("0:@1.2.3")]
    [InlineData("0:@0.1.1.-1.0")]
    [InlineData("0:@999.1.1.-1.0")]
    [InlineData("0:@11.1.1.-1.-5")]
    [InlineData("0:99999999999999999999")]
    public void Forged_text_is_rejected_without_an_exception(string text)
    {
        Assert.False(FdTable.TryParse(text, out FdTable? table, out string? error));
        Assert.Null(table);
        Assert.False(string.IsNullOrEmpty(error));
        Assert.Throws<FormatException>(() => FdTable.Parse(text));
    }

    [Fact]
    public void Process_image_round_trips_and_rejects_garbage()
    {
        var image = new ProcessImage(0x7ff0, 0x7ff8, 0x7ff8, 0x8000, [new(6, 4096), new(9, 0x401000)], [new ImageFileRange(0x400000, 0x401000, 0), new ImageFileRange(0x401000, 0x480000, 0x1000)]);
        Assert.True(ProcessImage.TryParse(image.Serialize(), out ProcessImage back));
        Assert.Equal(image.Serialize(), back.Serialize());
        Assert.Equal(image.FileRanges, back.FileRanges);
        Assert.True(ProcessImage.TryParse(ProcessImage.Empty.Serialize(), out ProcessImage empty));
        Assert.Empty(empty.AuxiliaryVector);
        foreach (string bad in new[] { "", "1,2,3;;", "1,2,3,4;5;", "1,2,3,4;5:6:7;", "g,2,3,4;;", "1,2,3,4;;1:2" })
        {
            Assert.False(ProcessImage.TryParse(bad, out _));
        }
    }
}
