using System;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>A fork state's private files (the descriptors the child reads its private file mappings from): they round
/// trip, and a count that is not the area table's, or a descriptor the child may not inherit, is refused.</summary>
public sealed class HandoffPrivateFilesTests
{
    private static HandoffState Decode(byte[] encoded)
    {
        int length = HandoffState.DecodeHeader(encoded, out HandoffKind kind);
        return HandoffState.DecodePayload(kind, encoded.AsSpan(HandoffState.HeaderSize, length).ToArray());
    }

    private static HandoffState WithFiles(int[] files)
    {
        HandoffState template = HandoffStateTests.ForkState();
        return new HandoffState
        {
            Kind = template.Kind,
            Program = template.Program,
            FdTable = template.FdTable,
            Limits = template.Limits,
            Registers = template.Registers,
            BrkStart = template.BrkStart,
            BrkEnd = template.BrkEnd,
            MemoryDescriptor = template.MemoryDescriptor,
            AreaTable = template.AreaTable,
            SharedObjects = template.SharedObjects,
            PrivateFiles = files,
        };
    }

    [Fact]
    public void A_table_without_files_round_trips_with_none()
    {
        HandoffState back = Decode(WithFiles([]).Encode());
        Assert.Empty(back.PrivateFiles);
    }

    [Theory]
    [InlineData(new[] { 9 })]
    [InlineData(new[] { 9, 10 })]
    [InlineData(new[] { 1000 })]
    [InlineData(new[] { 2 })]
    public void Files_the_area_table_does_not_list_or_reserved_numbers_are_refused(int[] files) =>
        Assert.Throws<HandoffRejectedException>(() => Decode(WithFiles(files).Encode()));
}
