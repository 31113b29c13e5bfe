using System;
using System.Buffers.Binary;
using System.Threading.Tasks;
using CsCheck;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Atomics;

/// <summary>
/// The complete user atomics (32 and 64 bit; load, store, exchange, compare-exchange, fetch-add/-or/-and/-andnot/-xor)
/// against a model: random sequences of operations at random addresses over read-write, unmapped, read-only and lazy
/// pages must give the model's results and leave memory exactly as the model says.
/// </summary>
public class UserAtomicModelProperties
{
    private const int ModelPages = 5; // 0 RW, 1 unmapped, 2 RO, 3 lazy RW, 4 unmapped

    private enum Kind
    {
        Load,
        Store,
        CompareExchange,
        Fetch,
    }

    private static readonly Gen<(Kind Kind, bool Wide, int Offset, UserAtomicOp Op, ulong Operand, ulong Expected, bool ExpectHit)> OneOp =
        Gen.Select(
            Gen.Enum<Kind>(),
            Gen.Bool,
            Gen.OneOf(Gen.Int[0, (ModelPages * 4096) - 1], Gen.Int[0, (ModelPages * 512) - 1].Select(i => i * 8), Gen.Int[0, 8].Select(i => (3 * 4096) + (i * 4))),
            Gen.Int[0, 6].Select(i => (UserAtomicOp)i),
            Gen.ULong,
            Gen.ULong,
            Gen.Bool);

    private static TestAddressSpace Layout()
    {
        TestAddressSpace space = Create();
        space.Map(Page(0), P, MappingFlags.Read | MappingFlags.Write);
        space.Map(Page(2), P, MappingFlags.Read);
        space.Map(Page(3), P, MappingFlags.Read | MappingFlags.Write, populate: false);
        return space;
    }

    [Fact]
    public void EveryAtomicMatchesTheModel()
    {
        Gen.Select(OneOp.Array[1, 40], Gen.Byte.Array[4096]).Sample((ops, seedBytes) =>
        {
            using TestAddressSpace space = Layout();
            byte[] model = new byte[ModelPages * 4096];
            seedBytes.CopyTo(model, 0);
            seedBytes.CopyTo(model, 2 * 4096);
            seedBytes.CopyTo(space.Raw(Page(0), 4096));
            seedBytes.CopyTo(space.Raw(Page(2), 4096));

            using UserAccess access = UserAccess.Begin(space);
            foreach (var op in ops)
            {
                ulong expected = op.ExpectHit ? Read(model, op.Offset, op.Wide) : op.Expected; // read before either side changes it
                (LinuxError modelError, ulong modelValue) = ApplyToModel(model, op.Kind, op.Wide, op.Offset, op.Op, op.Operand, expected);
                (LinuxError error, ulong value) = ApplyToSpace(in access, op.Kind, op.Wide, Base + (ulong)op.Offset, op.Op, op.Operand, expected);
                Assert.Equal(modelError, error);
                if (error == LinuxError.None)
                {
                    Assert.Equal(modelValue, value);
                }
            }

            Assert.Equal(model.AsSpan(0, 4096).ToArray(), space.Raw(Page(0), 4096).ToArray());
            Assert.Equal(model.AsSpan(2 * 4096, 4096).ToArray(), space.Raw(Page(2), 4096).ToArray());
            Assert.Equal(model.AsSpan(3 * 4096, 4096).ToArray(), space.Raw(Page(3), 4096).ToArray());
        });
    }

    [Fact]
    public void ConcurrentFetchAddsAndXorsLoseNoUpdate()
    {
        using TestAddressSpace space = Layout();
        const int PerThread = 20_000;
        const int Threads = 2;
        Parallel.For(0, Threads, _ =>
        {
            using UserAccess access = UserAccess.Begin(space);
            for (int i = 0; i < PerThread; i++)
            {
                Assert.True(UserCopy.FetchAdd32(in access, (UserPtr<uint>)Page(0), 1).IsOk);
                Assert.True(UserCopy.FetchAdd64(in access, (UserPtr<ulong>)(Page(0) + 8), 3).IsOk);
                Assert.True(UserCopy.FetchXor64(in access, (UserPtr<ulong>)(Page(0) + 16), 1UL << (i % 64)).IsOk);
            }
        });

        Assert.Equal((uint)(PerThread * Threads), BinaryPrimitives.ReadUInt32LittleEndian(space.Raw(Page(0), 4)));
        Assert.Equal((ulong)(3 * PerThread * Threads), BinaryPrimitives.ReadUInt64LittleEndian(space.Raw(Page(0) + 8, 8)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(space.Raw(Page(0) + 16, 8))); // every bit flipped an even number of times
    }

    [Fact]
    public void AnUndefinedOpIsEnosysBeforeAnythingElse()
    {
        using TestAddressSpace space = Layout();
        using UserAccess access = UserAccess.Begin(space);
        Assert.Equal(LinuxError.ENOSYS, UserCopy.AtomicFetch32(in access, (UserPtr<uint>)(Page(1) + 1), (UserAtomicOp)6, 1).Error);
        Assert.Equal(LinuxError.ENOSYS, UserCopy.AtomicFetch64(in access, (UserPtr<ulong>)Page(0), (UserAtomicOp)(-1), 1).Error);
    }

    private static ulong Read(byte[] model, int offset, bool wide)
    {
        int size = wide ? 8 : 4;
        return offset + size > model.Length ? 0
            : wide ? BinaryPrimitives.ReadUInt64LittleEndian(model.AsSpan(offset)) : BinaryPrimitives.ReadUInt32LittleEndian(model.AsSpan(offset));
    }

    private static (LinuxError, ulong) ApplyToModel(byte[] model, Kind kind, bool wide, int offset, UserAtomicOp op, ulong operand, ulong expected)
    {
        int size = wide ? 8 : 4;
        ulong mask = wide ? ulong.MaxValue : uint.MaxValue;
        operand &= mask;
        expected &= mask;
        if (kind == Kind.Fetch && (uint)op > (uint)UserAtomicOp.And)
        {
            return (LinuxError.ENOSYS, 0);
        }

        if (offset % size != 0)
        {
            return (LinuxError.EINVAL, 0);
        }

        int page = offset / 4096;
        bool writes = kind != Kind.Load;
        bool mapped = page is 0 or 2 or 3;
        if (!mapped || (writes && page == 2))
        {
            return (LinuxError.EFAULT, 0);
        }

        ulong old = Read(model, offset, wide);
        ulong next = kind switch
        {
            Kind.Load => old,
            Kind.Store => operand,
            Kind.CompareExchange => old == expected ? operand : old,
            _ => op switch
            {
                UserAtomicOp.Set => operand,
                UserAtomicOp.Add => (old + operand) & mask,
                UserAtomicOp.Or => old | operand,
                UserAtomicOp.AndNot => old & ~operand & mask,
                UserAtomicOp.Xor => old ^ operand,
                UserAtomicOp.And => old & operand,
                _ => old,
            },
        };

        if (wide)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(model.AsSpan(offset), next);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(model.AsSpan(offset), (uint)next);
        }

        return (LinuxError.None, kind == Kind.Store ? 0 : old);
    }

    private static (LinuxError, ulong) ApplyToSpace(ref readonly UserAccess access, Kind kind, bool wide, ulong address, UserAtomicOp op, ulong operand, ulong expected)
    {
        if (wide)
        {
            var p = (UserPtr<ulong>)address;
            switch (kind)
            {
                case Kind.Load:
                    UserResult<ulong> l = UserCopy.AtomicLoad64(in access, p);
                    return (l.Error, l.GetValueOrDefault(0));
                case Kind.Store:
                    return (UserCopy.AtomicStore64(in access, p, operand), 0);
                case Kind.CompareExchange:
                    UserResult<ulong> c = UserCopy.CompareExchange64(in access, p, expected, operand);
                    return (c.Error, c.GetValueOrDefault(0));
                default:
                    UserResult<ulong> f = op switch
                    {
                        UserAtomicOp.Add => UserCopy.FetchAdd64(in access, p, operand),
                        UserAtomicOp.Or => UserCopy.FetchOr64(in access, p, operand),
                        UserAtomicOp.And => UserCopy.FetchAnd64(in access, p, operand),
                        UserAtomicOp.Xor => UserCopy.FetchXor64(in access, p, operand),
                        UserAtomicOp.Set => UserCopy.AtomicExchange64(in access, p, operand),
                        _ => UserCopy.AtomicFetch64(in access, p, op, operand),
                    };
                    return (f.Error, f.GetValueOrDefault(0));
            }
        }

        var q = (UserPtr<uint>)address;
        uint o = (uint)operand;
        switch (kind)
        {
            case Kind.Load:
                UserResult<uint> l = UserCopy.AtomicLoad32(in access, q);
                return (l.Error, l.GetValueOrDefault(0));
            case Kind.Store:
                return (UserCopy.AtomicStore32(in access, q, o), 0);
            case Kind.CompareExchange:
                UserResult<uint> c = UserCopy.CompareExchange32(in access, q, (uint)expected, o);
                return (c.Error, c.GetValueOrDefault(0));
            default:
                UserResult<uint> f = op switch
                {
                    UserAtomicOp.Add => UserCopy.FetchAdd32(in access, q, o),
                    UserAtomicOp.Or => UserCopy.FetchOr32(in access, q, o),
                    UserAtomicOp.And => UserCopy.FetchAnd32(in access, q, o),
                    UserAtomicOp.Xor => UserCopy.FetchXor32(in access, q, o),
                    UserAtomicOp.Set => UserCopy.AtomicExchange32(in access, q, o),
                    _ => UserCopy.AtomicFetch32(in access, q, op, o),
                };
                return (f.Error, f.GetValueOrDefault(0));
        }
    }
}
