using System;
using CsCheck;
using UserMemory.Tests.Support;
using static UserMemory.Tests.Copy.UserSpaceLayout;

namespace UserMemory.Tests.Copy;

/// <summary>
/// Property tests against a byte model: eight pages of random kinds (unmapped, read-only, read-write, each populated
/// or lazy) with population failing or not. The model answers, byte by byte, how far a copy must get and why it stops.
/// </summary>
public class CopyModelProperties
{
    private enum Kind { Unmapped, ReadOnly, ReadWrite, LazyReadOnly, LazyReadWrite }

    private const int ModelPages = 8;

    private static readonly Gen<(int[] Kinds, bool FailPopulation, int Start, int Length)> Layouts =
        Gen.Select(Gen.Int[0, 4].Array[ModelPages], Gen.Bool, Gen.Int[0, (ModelPages * 4096) - 1], Gen.Int[0, 3 * 4096]);

    private static TestAddressSpace Build(int[] kinds, bool failPopulation)
    {
        TestAddressSpace space = Create();
        for (int p = 0; p < kinds.Length; p++)
        {
            switch ((Kind)kinds[p])
            {
                case Kind.ReadOnly: space.Map(Page((ulong)p), P, R); break;
                case Kind.ReadWrite: space.Map(Page((ulong)p), P, RW); break;
                case Kind.LazyReadOnly: space.Map(Page((ulong)p), P, R, populate: false); break;
                case Kind.LazyReadWrite: space.Map(Page((ulong)p), P, RW, populate: false); break;
                default: break;
            }
        }

        FillPattern(space, Base, ModelPages * (int)P);
        space.FailPopulation = failPopulation;
        return space;
    }

    /// <summary>The model: what touching a byte of a page of this kind answers.</summary>
    private static LinuxError Touch(int[] kinds, bool failPopulation, ulong address, bool write)
    {
        ulong page = (address - Base) / P;
        if (page >= (ulong)kinds.Length)
        {
            return LinuxError.EFAULT;
        }

        return (Kind)kinds[page] switch
        {
            Kind.ReadOnly => write ? LinuxError.EFAULT : LinuxError.None,
            Kind.ReadWrite => LinuxError.None,
            Kind.LazyReadOnly => write ? LinuxError.EFAULT : failPopulation ? LinuxError.ENOMEM : LinuxError.None,
            Kind.LazyReadWrite => failPopulation ? LinuxError.ENOMEM : LinuxError.None,
            _ => LinuxError.EFAULT,
        };
    }

    private static CopyResult Expected(int[] kinds, bool failPopulation, ulong start, int length, bool write)
    {
        for (int i = 0; i < length; i++)
        {
            LinuxError e = Touch(kinds, failPopulation, start + (ulong)i, write);
            if (e != LinuxError.None)
            {
                return new CopyResult((nuint)i, e);
            }
        }

        return CopyResult.Completed((nuint)length);
    }

    [Fact]
    public void CopyIn_matches_the_byte_model() =>
        Layouts.Sample((kinds, failPopulation, start, length) =>
        {
            using TestAddressSpace space = Build(kinds, failPopulation);
            ulong address = Base + (ulong)start;
            byte[] kernel = new byte[length];
            kernel.AsSpan().Fill(0xEE);
            CopyResult r;
            using (UserAccess access = UserAccess.Begin(space))
            {
                r = UserCopy.CopyIn(in access, (UserConstPtr<byte>)address, kernel.AsSpan());
            }

            CopyResult expected = Expected(kinds, failPopulation, address, length, write: false);
            Assert.Equal(expected, r);
            int done = (int)r.BytesDone;
            Assert.True(kernel.AsSpan(0, done).SequenceEqual(Pattern(address, done)));
            Assert.True(kernel.AsSpan(done).IndexOfAnyExcept((byte)0) < 0);
        }, iter: 400);

    [Fact]
    public void CopyOut_and_ZeroOut_match_the_byte_model() =>
        Layouts.Sample((kinds, failPopulation, start, length) =>
        {
            using TestAddressSpace space = Build(kinds, failPopulation);
            ulong address = Base + (ulong)start;
            byte[] data = new byte[length];
            data.AsSpan().Fill(0xA5);
            CopyResult expected = Expected(kinds, failPopulation, address, length, write: true);

            using (UserAccess access = UserAccess.Begin(space))
            {
                Assert.Equal(expected, UserCopy.CopyOut(in access, (UserPtr<byte>)address, (ReadOnlySpan<byte>)data));
            }

            byte[] model = Pattern(Base, ModelPages * (int)P);
            model.AsSpan(start, (int)expected.BytesDone).Fill(0xA5);
            Assert.True(space.Raw(Base, model.Length).SequenceEqual(model));

            using (UserAccess access = UserAccess.Begin(space))
            {
                Assert.Equal(expected, UserCopy.ZeroOut(in access, (UserPtr<byte>)address, (ulong)length));
            }

            model.AsSpan(start, (int)expected.BytesDone).Clear();
            Assert.True(space.Raw(Base, model.Length).SequenceEqual(model));
        }, iter: 400);

    [Fact]
    public void StrncpyFromUser_matches_the_linux_definition()
    {
        // Up to 40 NULs among 32 KiB of non-zero bytes, so strings often cross pages and run into holes.
        Gen<(int[] Kinds, int Start, int Count, int[] Nuls)> gen = Gen.Select(
            Gen.Int[0, 4].Array[ModelPages], Gen.Int[0, (ModelPages * 4096) - 1], Gen.Int[0, 3 * 4096], Gen.Int[0, (ModelPages * 4096) - 1].Array[0, 40]);
        gen.Sample((kinds, start, count, nuls) =>
        {
            using TestAddressSpace space = Build(kinds, failPopulation: false);
            Span<byte> raw = space.Raw(Base, ModelPages * (int)P);
            foreach (int nulAt in nuls)
            {
                raw[nulAt] = 0;
            }

            byte[] model = raw.ToArray();
            ulong address = Base + (ulong)start;

            // Linux: walk byte by byte; a fault before the NUL or the count is EFAULT.
            (int Length, bool Terminated, LinuxError Error) expected = (count, false, LinuxError.None);
            for (int i = 0; i < count; i++)
            {
                if (Touch(kinds, false, address + (ulong)i, write: false) != LinuxError.None)
                {
                    expected = (0, false, LinuxError.EFAULT);
                    break;
                }

                if (start + i < model.Length && model[start + i] == 0)
                {
                    expected = (i, true, LinuxError.None);
                    break;
                }
            }

            byte[] dst = new byte[count];
            StrncpyResult r;
            StrnlenResult n;
            using (UserAccess access = UserAccess.Begin(space))
            {
                r = UserCopy.StrncpyFromUser(in access, (UserConstPtr<byte>)address, dst);
                n = UserCopy.StrnlenUser(in access, (UserConstPtr<byte>)address, (ulong)count);
            }

            Assert.Equal(expected, (r.Length, r.IsTerminated, r.Error));
            Assert.Equal(expected, ((int)n.Length, n.IsTerminated, n.Error));
            if (r.IsOk)
            {
                Assert.True(dst.AsSpan(0, r.Length).SequenceEqual(model.AsSpan(start, r.Length)));
            }
        }, iter: 400);
    }
}
