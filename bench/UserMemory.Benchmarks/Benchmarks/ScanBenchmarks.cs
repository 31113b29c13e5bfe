using System;
using BenchmarkDotNet.Attributes;
using UserMemory.AddressSpace;
using UserMemory.Benchmarks.Fixtures;
using UserMemory.Benchmarks.Interop;

namespace UserMemory.Benchmarks.Benchmarks;

/// <summary>
/// Item 3: bounded string scans of a user string whose NUL is its <see cref="Length"/>-th byte (the string starts on
/// a page boundary), against <c>Span.IndexOf((byte)0)</c> over plain memory holding the same bytes.
/// <c>StrncpyFromUser</c> copies as well as scans, so <see cref="IndexOfThenCopy"/> (plain IndexOf plus a copy of the
/// same bytes) is listed as its floor. Each invocation runs <see cref="Batch"/> scans in one open scope.
/// </summary>
public class ScanBenchmarks
{
    /// <summary>Scans per invocation.</summary>
    public const int Batch = 16;

    private AddrSpace _space = null!;
    private ulong _user;
    private nuint _plain;
    private nuint _kernelBuffer;

    /// <summary>Bytes scanned, NUL included.</summary>
    [Params(16, 256, 4096, 65536)]
    public int Length { get; set; }

    /// <summary>Plants the same string in user memory and in plain memory.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _space = GuestLayout.CreateEmpty();
        GuestLayout.MapScratch(_space, (ulong)Length + Pages.Size4K);
        _user = GuestLayout.ScratchBase;
        nuint userKernel = GuestLayout.KernelAddressOf(_space, _user);
        _plain = RawMemory.MapAnonymous((nuint)Length + 4096);
        RawMemory.Protect(_plain, (nuint)Length + 4096, RawMemory.ProtReadWrite);
        _kernelBuffer = RawMemory.AllocateAligned((nuint)Length);
        foreach (nuint buffer in new[] { userKernel, _plain })
        {
            Span<byte> bytes = RawMemory.Bytes(buffer, Length);
            bytes.Fill((byte)'a');
            bytes[^1] = 0;
        }

        long expected = (long)(Length - 1) * Batch;
        Verify.Equal(expected, IndexOf(), "IndexOf");
        Verify.Equal(expected, IndexOfThenCopy(), "IndexOfThenCopy");
        Verify.Equal(expected, GetAsNullTerminated(), "GetAsNullTerminated");
        Verify.Equal(expected, StrnlenUser(), "StrnlenUser");
        Verify.Equal(expected, StrncpyFromUser(), "StrncpyFromUser");
    }

    /// <summary>Releases the space and the buffers.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _space.Dispose();
        RawMemory.Unmap(_plain, (nuint)Length + 4096);
        RawMemory.FreeAligned(_kernelBuffer);
    }

    /// <summary>Baseline: vectorised search of plain memory.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long IndexOf()
    {
        ReadOnlySpan<byte> bytes = RawMemory.Bytes(_plain, Length);
        long found = 0;
        for (int i = 0; i < Batch; i++)
        {
            found += bytes.IndexOf((byte)0);
        }

        return found;
    }

    /// <summary>The floor of a scanning copy: plain IndexOf, then a copy of the bytes up to the NUL.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long IndexOfThenCopy()
    {
        ReadOnlySpan<byte> bytes = RawMemory.Bytes(_plain, Length);
        Span<byte> destination = RawMemory.Bytes(_kernelBuffer, Length);
        long found = 0;
        for (int i = 0; i < Batch; i++)
        {
            int nul = bytes.IndexOf((byte)0);
            bytes[..(nul + 1)].CopyTo(destination);
            found += nul;
        }

        return found;
    }

    /// <summary><c>GetAsNullTerminated</c> (borrow, default 128 KiB bound).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long GetAsNullTerminated()
    {
        using UserAccess access = UserAccess.Begin(_space);
        UserConstPtr<byte> source = (UserConstPtr<byte>)_user;
        long found = 0;
        for (int i = 0; i < Batch; i++)
        {
            UserReadOnlySpan<byte> s = source.GetAsNullTerminated(in access);
            if (s.TryGetValue(out ReadOnlySpan<byte> bytes))
            {
                found += bytes.Length;
            }
        }

        return found;
    }

    /// <summary><c>UserCopy.StrnlenUser</c> bounded by the length.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long StrnlenUser()
    {
        using UserAccess access = UserAccess.Begin(_space);
        UserConstPtr<byte> source = (UserConstPtr<byte>)_user;
        long found = 0;
        for (int i = 0; i < Batch; i++)
        {
            StrnlenResult r = UserCopy.StrnlenUser(in access, source, (ulong)Length);
            found += (long)r.Length;
        }

        return found;
    }

    /// <summary><c>UserCopy.StrncpyFromUser</c> into a kernel buffer of the string's size.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long StrncpyFromUser()
    {
        using UserAccess access = UserAccess.Begin(_space);
        UserConstPtr<byte> source = (UserConstPtr<byte>)_user;
        Span<byte> destination = RawMemory.Bytes(_kernelBuffer, Length);
        long found = 0;
        for (int i = 0; i < Batch; i++)
        {
            StrncpyResult r = UserCopy.StrncpyFromUser(in access, source, destination);
            found += r.Length;
        }

        return found;
    }
}
