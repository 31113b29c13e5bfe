using System;
using System.Buffers.Binary;
using CsCheck;
using UserMemory.AddressSpace;
using UserMemory.Linux.Cpu;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>The hand-off state's format: byte-exact round trips, and every truncated, forged or mutated state is
/// refused with <see cref="HandoffRejectedException"/> (never another exception).</summary>
public sealed class HandoffStateTests
{
    internal static HandoffState ExecState() => new()
    {
        Kind = HandoffKind.Exec,
        Flags = HandoffFlags.Trace,
        Program = [.. "/bin/tr"u8, 0xff, 0xfe],
        Arguments = [[(byte)'a', 0x80, 0xff, 0xfe, 0xc3, 0x28, (byte)'z'], [], "plain"u8.ToArray()],
        Environment = [[.. "BYTES="u8, 0xed, 0xa0, 0x80], [0xff, 0xfe, .. "NAME=v"u8]],
        FdTable = "0:0,1:1,2:2:c",
        SignalMask = 0x1234,
        Limits = ResourceLimits.FromHost().ToArray(),
    };

    /// <summary>An area table as a real fork writes it: a private area with a written page and one shared
    /// anonymous area (one shared object).</summary>
    internal static byte[] ForkAreaTable()
    {
        using AddrSpace space = ThreadGroup.CreateAddressSpace();
        using SharedMemory shared = SharedMemory.Create(0x1000);
        MappingFlags rw = MappingFlags.Read | MappingFlags.Write | MappingFlags.User;
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(0x40_0000), 0x2000, rw, populate: false));
        Assert.Equal(LinuxError.None, space.PopulateArea(VirtAddrRange.FromStartSize(new VirtAddr(0x40_0000), 0x1000)));
        Assert.Equal(LinuxError.None, space.MapShared(new VirtAddr(0x60_0000), 0x1000, rw, shared, 0));
        using AddrSpaceSnapshot snapshot = space.CreateSnapshot();
        return snapshot.AreaTable;
    }

    internal static HandoffState ForkState(byte[]? areaTable = null, int memoryDescriptor = 7, (int, HandoffSharedBacking)[]? shared = null) => new()
    {
        Kind = HandoffKind.Fork,
        Program = "/bin/x"u8.ToArray(),
        FdTable = "-",
        Limits = ResourceLimits.FromHost().ToArray(),
        Registers = new ulong[(int)CpuRegister.Count],
        BrkStart = 0x40_0000,
        BrkEnd = 0x40_1000,
        MemoryDescriptor = memoryDescriptor,
        AreaTable = areaTable ?? ForkAreaTable(),
        SharedObjects = shared ?? [(8, HandoffSharedBacking.Memory)],
    };

    private static HandoffState Decode(byte[] encoded)
    {
        int length = HandoffState.DecodeHeader(encoded, out HandoffKind kind);
        if (encoded.Length - HandoffState.HeaderSize < length)
        {
            throw new HandoffRejectedException("truncated");
        }

        return HandoffState.DecodePayload(kind, encoded.AsSpan(HandoffState.HeaderSize, length).ToArray());
    }

    [Fact]
    public void Exec_state_round_trips_byte_exact()
    {
        HandoffState original = ExecState();
        HandoffState back = Decode(original.Encode());
        Assert.Equal(HandoffKind.Exec, back.Kind);
        Assert.Equal(original.Flags, back.Flags);
        Assert.Equal(original.Program, back.Program);
        Assert.Equal(original.Arguments, back.Arguments);
        Assert.Equal(original.Environment, back.Environment);
        Assert.Equal(original.FdTable, back.FdTable);
        Assert.Equal(original.SignalMask, back.SignalMask);
        Assert.Equal(original.Limits, back.Limits);
    }

    [Fact]
    public void Fork_state_round_trips()
    {
        HandoffState original = ForkState();
        HandoffState back = Decode(original.Encode());
        Assert.Equal(HandoffKind.Fork, back.Kind);
        Assert.Equal(original.MemoryDescriptor, back.MemoryDescriptor);
        Assert.Equal(original.AreaTable, back.AreaTable);
        Assert.Equal(original.SharedObjects, back.SharedObjects);
        Assert.Equal(0x40_1000UL, back.BrkEnd);
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        foreach ((byte[] encoded, HandoffKind kind) in new[] { (ExecState().Encode(), HandoffKind.Exec), (ForkState().Encode(), HandoffKind.Fork) })
        {
            for (int cut = 0; cut < encoded.Length; cut++)
            {
                byte[] shorter = encoded[..cut];
                Assert.Throws<HandoffRejectedException>(() => Decode(shorter));

                // The header still claims the full length, but the payload handed over is cut: also rejected.
                if (cut > HandoffState.HeaderSize)
                {
                    Assert.Throws<HandoffRejectedException>(() => HandoffState.DecodePayload(kind, encoded[HandoffState.HeaderSize..cut]));
                }
            }
        }
    }

    [Theory]
    [InlineData(0, 0xFFUL)] // magic
    [InlineData(8, 1UL)] // an older version
    [InlineData(12, 3UL)] // kind
    [InlineData(16, (ulong)int.MaxValue)] // payload length
    public void Forged_header_fields_are_rejected(int offset, ulong value)
    {
        byte[] encoded = ExecState().Encode();
        if (offset == 16)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(encoded.AsSpan(offset), value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(encoded.AsSpan(offset), (uint)value);
        }

        Assert.Throws<HandoffRejectedException>(() => Decode(encoded));
    }

    [Fact]
    public void Trailing_bytes_and_huge_counts_are_rejected()
    {
        byte[] encoded = ExecState().Encode();
        byte[] longer = [.. encoded, 0];
        BinaryPrimitives.WriteUInt64LittleEndian(longer.AsSpan(16), (ulong)(longer.Length - HandoffState.HeaderSize));
        Assert.Throws<HandoffRejectedException>(() => Decode(longer));

        // The argv count (after flags and the program path) claims 2^31 strings.
        int argcOffset = HandoffState.HeaderSize + 4 + 4 + ExecState().Program.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(encoded.AsSpan(argcOffset), 0x8000_0000);
        Assert.Throws<HandoffRejectedException>(() => Decode(encoded));
    }

    [Theory]
    [InlineData("0:x")]
    [InlineData("1048576:1")]
    [InlineData("0:-1")]
    [InlineData("0:99999999999999")]
    [InlineData("3:1000")]
    [InlineData("3:1001")]
    public void Bad_descriptor_tables_are_rejected(string table) =>
        Assert.Throws<HandoffRejectedException>(() => ProcessHandoff.ParseFdTable(table));

    [Theory]
    [InlineData(2)] // a standard descriptor
    [InlineData(1000)] // the runner's own hand-off descriptor
    [InlineData(-1)]
    public void Fork_descriptors_that_cannot_be_inherited_are_rejected(int descriptor)
    {
        Assert.Throws<HandoffRejectedException>(() => Decode(ForkState(memoryDescriptor: descriptor).Encode()));
        Assert.Throws<HandoffRejectedException>(() => Decode(ForkState(shared: [(descriptor, HandoffSharedBacking.Memory)]).Encode()));
    }

    [Fact]
    public void Forged_area_tables_and_shared_objects_are_rejected()
    {
        byte[] table = ForkAreaTable();
        byte[] otherRange;
        using (AddrSpace other = AddrSpace.Create(new VirtAddr(0x1_0000), 1UL << 30))
        using (AddrSpaceSnapshot snapshot = other.CreateSnapshot())
        {
            otherRange = snapshot.AreaTable;
        }

        byte[] truncated = table[..^3];
        byte[] garbage = new byte[64];
        new Random(14).NextBytes(garbage);
        foreach (HandoffState bad in new[]
        {
            ForkState(areaTable: otherRange, shared: []), // another user range
            ForkState(areaTable: truncated),
            ForkState(areaTable: garbage),
            ForkState(areaTable: []),
            ForkState(shared: []), // fewer objects than the table names
            ForkState(shared: [(8, HandoffSharedBacking.Memory), (9, HandoffSharedBacking.Memory)]),
            ForkState(shared: [(8, HandoffSharedBacking.WritableFile)]), // a file cannot have the memfd's size
            ForkState(shared: [(8, (HandoffSharedBacking)3)]),
        })
        {
            Assert.Throws<HandoffRejectedException>(() => Decode(bad.Encode()));
        }
    }

    [Fact]
    public void Random_mutations_are_rejected_or_decoded_never_thrown_otherwise()
    {
        byte[] exec = ExecState().Encode();
        byte[] fork = ForkState().Encode();
        Gen.Select(Gen.Bool, Gen.Int[0, 4096], Gen.Byte, Gen.Int[1, 4]).Sample((useFork, position, value, repeat) =>
        {
            byte[] state = (byte[])(useFork ? fork : exec).Clone();
            for (int i = 0; i < repeat; i++)
            {
                state[(position + (i * 7)) % state.Length] ^= (byte)(value | 1);
            }

            try
            {
                _ = Decode(state);
            }
            catch (HandoffRejectedException)
            {
                // refused: fine
            }
        }, iter: 20000);
    }
}
