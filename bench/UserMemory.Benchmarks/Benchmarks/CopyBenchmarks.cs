using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using UserMemory.AddressSpace;
using UserMemory.Benchmarks.Fixtures;
using UserMemory.Benchmarks.Interop;

namespace UserMemory.Benchmarks.Benchmarks;

/// <summary>
/// Item 2: copies between a user buffer and a kernel buffer, against <see cref="Buffer.MemoryCopy"/> between the same
/// two buffers. "In" is user to kernel (<c>GetAsSlice</c> + <c>CopyTo</c>, <c>UserCopy.CopyIn</c>), "Out" is kernel
/// to user (<c>GetAsSlice</c> + <c>CopyTo</c> into the borrow, <c>UserCopy.CopyOut</c>). The validated variants run
/// <see cref="Batch"/> copies in one open scope; the <c>OwnScope</c> variants open and close a scope per copy (the
/// provider overloads), which is what a one-shot syscall pays.
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class CopyBenchmarks
{
    /// <summary>Copies per invocation.</summary>
    public const int Batch = 16;

    private AddrSpace _space = null!;
    private ulong _user;
    private nuint _userKernel;
    private nuint _kernelBuffer;

    /// <summary>Bytes per copy.</summary>
    [Params(64, 4096, 65536, 1048576)]
    public int Size { get; set; }

    private Span<byte> KernelBuffer => RawMemory.Bytes(_kernelBuffer, Size);

    /// <summary>Maps an eager user buffer and allocates a committed kernel buffer, both page-aligned.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _space = GuestLayout.CreateEmpty();
        GuestLayout.MapScratch(_space, (ulong)Size);
        _user = GuestLayout.ScratchBase;
        _userKernel = GuestLayout.KernelAddressOf(_space, _user);
        _kernelBuffer = RawMemory.AllocateAligned((nuint)Size);
        RawMemory.Bytes(_userKernel, Size).Fill(0x5a);

        Verify.Equal(Size * Batch, CopyIn_InScope(), "CopyIn");
        Verify.Equal(Size * Batch, CopyIn_OwnScope(), "CopyIn own scope");
        Verify.Equal(Size * Batch, CopyOut_InScope(), "CopyOut");
        Verify.Equal(Size * Batch, CopyOut_OwnScope(), "CopyOut own scope");
        Verify.Equal(Size * Batch, GetAsSliceCopyTo_In(), "GetAsSlice in");
        Verify.Equal(Size * Batch, GetAsSliceCopyTo_Out(), "GetAsSlice out");
    }

    /// <summary>Releases the space and the kernel buffer.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _space.Dispose();
        RawMemory.FreeAligned(_kernelBuffer);
    }

    /// <summary>Baseline: user buffer to kernel buffer, unchecked.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("In")]
    public long MemoryCopy_In()
    {
        for (int i = 0; i < Batch; i++)
        {
            RawMemory.Copy(_userKernel, _kernelBuffer, Size);
        }

        return Size * Batch;
    }

    /// <summary>Borrow the user bytes read-only and copy them out of the borrow.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("In")]
    public long GetAsSliceCopyTo_In()
    {
        using UserAccess access = UserAccess.Begin(_space);
        UserConstPtr<byte> source = (UserConstPtr<byte>)_user;
        Span<byte> destination = KernelBuffer;
        long done = 0;
        for (int i = 0; i < Batch; i++)
        {
            UserReadOnlySpan<byte> slice = source.GetAsSlice(in access, (ulong)destination.Length);
            if (slice.TryGetValue(out ReadOnlySpan<byte> bytes))
            {
                bytes.CopyTo(destination);
                done += bytes.Length;
            }
        }

        return done;
    }

    /// <summary><c>UserCopy.CopyIn</c> inside an open scope.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("In")]
    public long CopyIn_InScope()
    {
        using UserAccess access = UserAccess.Begin(_space);
        UserConstPtr<byte> source = (UserConstPtr<byte>)_user;
        Span<byte> destination = KernelBuffer;
        long done = 0;
        for (int i = 0; i < Batch; i++)
        {
            done += (long)UserCopy.CopyIn(in access, source, destination).BytesDone;
        }

        return done;
    }

    /// <summary><c>UserCopy.CopyIn</c> opening its own scope per copy.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("In")]
    public long CopyIn_OwnScope()
    {
        UserConstPtr<byte> source = (UserConstPtr<byte>)_user;
        Span<byte> destination = KernelBuffer;
        long done = 0;
        for (int i = 0; i < Batch; i++)
        {
            done += (long)UserCopy.CopyIn(_space, source, destination).BytesDone;
        }

        return done;
    }

    /// <summary>Baseline: kernel buffer to user buffer, unchecked.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Out")]
    public long MemoryCopy_Out()
    {
        for (int i = 0; i < Batch; i++)
        {
            RawMemory.Copy(_kernelBuffer, _userKernel, Size);
        }

        return Size * Batch;
    }

    /// <summary>Borrow the user bytes writable and copy into the borrow.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Out")]
    public long GetAsSliceCopyTo_Out()
    {
        using UserAccess access = UserAccess.Begin(_space);
        UserPtr<byte> destination = (UserPtr<byte>)_user;
        ReadOnlySpan<byte> source = KernelBuffer;
        long done = 0;
        for (int i = 0; i < Batch; i++)
        {
            UserSpan<byte> slice = destination.GetAsSlice(in access, (ulong)source.Length);
            if (slice.TryGetValue(out Span<byte> bytes))
            {
                source.CopyTo(bytes);
                done += bytes.Length;
            }
        }

        return done;
    }

    /// <summary><c>UserCopy.CopyOut</c> inside an open scope.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Out")]
    public long CopyOut_InScope()
    {
        using UserAccess access = UserAccess.Begin(_space);
        UserPtr<byte> destination = (UserPtr<byte>)_user;
        ReadOnlySpan<byte> source = KernelBuffer;
        long done = 0;
        for (int i = 0; i < Batch; i++)
        {
            done += (long)UserCopy.CopyOut(in access, destination, source).BytesDone;
        }

        return done;
    }

    /// <summary><c>UserCopy.CopyOut</c> opening its own scope per copy.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Out")]
    public long CopyOut_OwnScope()
    {
        UserPtr<byte> destination = (UserPtr<byte>)_user;
        ReadOnlySpan<byte> source = KernelBuffer;
        long done = 0;
        for (int i = 0; i < Batch; i++)
        {
            done += (long)UserCopy.CopyOut(_space, destination, source).BytesDone;
        }

        return done;
    }
}
