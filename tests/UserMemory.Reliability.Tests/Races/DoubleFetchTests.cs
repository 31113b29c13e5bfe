using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using UserMemory.Reliability.Tests.Support;
using UserMemory.Tests.Support;

namespace UserMemory.Reliability.Tests.Races;

/// <summary>
/// Double fetch (issue 15): while the copy API reads user memory, a second thread rewrites it, the way another guest
/// CPU can. Every result must be one consistent snapshot: a length and the content it describes come from the same
/// read (no embedded NUL before a reported terminator, totals equal to the sum of the elements returned, nothing that
/// passed a check on one version and was copied from another).
/// </summary>
public sealed class DoubleFetchTests : IDisposable
{
    private const ulong Base = 0x10000;
    private const ulong Page = 4096;
    private const int Rounds = 3000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly TestAddressSpace _space;

    public DoubleFetchTests()
    {
        _space = new TestAddressSpace(Base, 64 * Page);
        _space.Map(Base, 32 * Page, MappingFlags.Read | MappingFlags.Write);
    }

    public void Dispose() => _space.Dispose();

    [Fact]
    public void CopyInSeesEachByteFromOneOfTheVersions()
    {
        const int Length = 2 * (int)Page;
        RunRace(
            flip: version => _space.Raw(Base, Length).Fill(version ? (byte)0xAA : (byte)0x55),
            check: () =>
            {
                using UserAccess access = UserAccess.Begin(_space);
                byte[] copy = new byte[Length];
                CopyResult r = UserCopy.CopyIn(in access, UserConstPtr<byte>.FromAddress(Base), copy.AsSpan());
                Assert.True(r.IsOk);
                Assert.Equal((nuint)Length, r.BytesDone);
                Assert.All(copy, b => Assert.True(b is 0xAA or 0x55));
            });
    }

    [Fact]
    public void StrncpyReportsTheLengthOfTheBytesItCopied()
    {
        // Version A: the NUL at 7; version B: the NUL at 3000. A strnlen-then-copy implementation returns one version's
        // length with the other's bytes.
        Span<byte> init = _space.Raw(Base, 4096);
        init.Fill((byte)'x');
        RunRace(
            flip: version =>
            {
                Span<byte> s = _space.Raw(Base, 4096);
                s[7] = version ? (byte)0 : (byte)'x';
                s[3000] = 0;
            },
            check: () =>
            {
                using UserAccess access = UserAccess.Begin(_space);
                byte[] buffer = new byte[4096];
                StrncpyResult r = UserCopy.StrncpyFromUser(in access, UserConstPtr<byte>.FromAddress(Base), buffer);
                Assert.True(r.IsOk && r.IsTerminated);
                Assert.True(r.Length is 7 or 3000, $"length {r.Length}");
                Assert.Equal(0, buffer[r.Length]);
                Assert.DoesNotContain((byte)0, buffer.AsSpan(0, r.Length).ToArray());
                Assert.All(buffer.AsSpan(r.Length).ToArray(), b => Assert.Equal(0, b)); // nothing beyond the string
            });
    }

    [Fact]
    public void IoVectorImportTotalsTheElementsItReturns()
    {
        // Version A: eight vectors of 1 byte; version B: lengths that leave user space and sum past SSIZE_MAX.
        const int Count = 8;
        const ulong Huge = 1UL << 62;
        RunRace(
            flip: version =>
            {
                Span<byte> raw = _space.Raw(Base, Count * 16);
                for (int i = 0; i < Count; i++)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(raw[(i * 16)..], Base + (ulong)(i * 64));
                    BinaryPrimitives.WriteUInt64LittleEndian(raw[((i * 16) + 8)..], version ? Huge : 1UL);
                }
            },
            check: () =>
            {
                using UserAccess access = UserAccess.Begin(_space);
                IoVec[] vectors = new IoVec[Count];
                LinuxError e = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(Base), Count, vectors, out int imported, out ulong total);
                if (e == LinuxError.None)
                {
                    ulong sum = 0;
                    foreach (IoVec v in vectors.AsSpan(0, imported))
                    {
                        sum += v.Length;
                    }

                    Assert.Equal(sum, total);
                    Assert.True(total <= long.MaxValue, $"accepted a total of {total}");
                }
                else
                {
                    Assert.True(e is LinuxError.EINVAL or LinuxError.EFAULT, e.ToString()); // B: over SSIZE_MAX, or past user space
                }
            });
    }

    [Fact]
    public void ExecArgumentsAreEachOneTerminatedStringWithinTheLimits()
    {
        // argv = { s0, s1, s2, NULL } with s1 flipping between "a" and a 100-byte string and argv[1] flipping between
        // two strings; envp[0] flips between a string and the terminator.
        ulong argv = Base;
        ulong envp = Base + 64;
        ulong s0 = Base + Page;
        ulong s1 = Base + (2 * Page);
        ulong s2 = Base + (3 * Page);
        WriteString(s0, "zero");
        WriteString(s2, "two");
        _space.Raw(s1, 200).Fill((byte)'b');
        _space.Raw(s1 + 150, 1)[0] = 0;
        WritePointer(argv, s0);
        WritePointer(argv + 16, s2);
        WritePointer(argv + 24, 0);
        WritePointer(envp + 8, 0);
        var limits = new ExecArgumentLimits { MaxStringBytes = 128, MaxTotalBytes = 4096, MaxCount = 16 };
        RunRace(
            flip: version =>
            {
                WritePointer(argv + 8, version ? s1 : s2);
                _space.Raw(s1 + 1, 1)[0] = version ? (byte)0 : (byte)'b';
                WritePointer(envp, version ? s0 : 0);
            },
            check: () =>
            {
                using UserAccess access = UserAccess.Begin(_space);
                UserResult<ExecArguments> r = UserCopy.CopyExecArgumentsFromUser(in access, UserConstPtr<ulong>.FromAddress(argv), UserConstPtr<ulong>.FromAddress(envp), in limits);
                if (!r.IsOk)
                {
                    Assert.Equal(LinuxError.E2BIG, r.Error); // s1 read while unterminated within 128 bytes
                    return;
                }

                Assert.Equal(3, r.Value.Arguments.Count);
                Assert.True(r.Value.Environment.Count is 0 or 1);
                foreach (byte[] s in r.Value.Arguments.Concat(r.Value.Environment))
                {
                    Assert.DoesNotContain((byte)0, s);
                    Assert.True(s.Length < 128);
                }

                Assert.True(r.Value.Arguments[1] is [(byte)'b'] or [(byte)'t', (byte)'w', (byte)'o'] || r.Value.Arguments[1].All(b => b == 'b'));
            });
    }

    [Fact]
    public void CopyStructFromUserAcceptsOnlyATailItSawAsZero()
    {
        // A 64-byte user struct for a 32-byte kernel struct: the tail must be zero. The head and the tail flip together.
        const int KernelSize = 32;
        const int UserSize = 64;
        RunRace(
            flip: version =>
            {
                Span<byte> raw = _space.Raw(Base, UserSize);
                raw[..KernelSize].Fill(version ? (byte)0xB0 : (byte)0xA0);
                raw[KernelSize..].Fill(version ? (byte)1 : (byte)0);
            },
            check: () =>
            {
                using UserAccess access = UserAccess.Begin(_space);
                byte[] kernel = new byte[KernelSize];
                LinuxError e = UserCopy.CopyStructFromUser(in access, kernel, UserConstPtr<byte>.FromAddress(Base), UserSize);
                Assert.True(e is LinuxError.None or LinuxError.E2BIG, e.ToString());
                if (e == LinuxError.None)
                {
                    Assert.All(kernel, b => Assert.True(b is 0xA0 or 0xB0));
                }
            });
    }

    private void WriteString(ulong address, string text)
    {
        Span<byte> raw = _space.Raw(address, text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            raw[i] = (byte)text[i];
        }

        raw[text.Length] = 0;
    }

    private void WritePointer(ulong address, ulong value) =>
        BinaryPrimitives.WriteUInt64LittleEndian(_space.Raw(address, 8), value);

    /// <summary>Flips the user memory between two versions on one thread while <paramref name="check"/> runs
    /// <see cref="Rounds"/> times on another.</summary>
    private static void RunRace(Action<bool> flip, Action check)
    {
        flip(false);
        int stop = 0;
        long flips = 0;
        List<string> problems = Watchdog.RunAll(
            Limit,
            () =>
            {
                bool version = false;
                while (Volatile.Read(ref stop) == 0)
                {
                    version = !version;
                    flip(version);
                    flips++;
                }
            },
            () =>
            {
                try
                {
                    for (int i = 0; i < Rounds; i++)
                    {
                        check();
                    }
                }
                finally
                {
                    Volatile.Write(ref stop, 1);
                }
            });
        Assert.Empty(problems);
        Assert.True(flips > 0);
    }
}
