using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace UserMemory;

/// <summary>
/// The one place in the core that turns kernel addresses into references, spans and copies.
/// </summary>
/// <remarks>
/// Invariants every caller upholds (and the only callers are the core's checked paths):
/// <list type="number">
/// <item>The address came from <see cref="IUserAddressSpace.GetKernelAddress"/> or
/// <see cref="IUserAddressSpace.PrepareAccess"/> for a range that passed the region check, with the required flags,
/// inside a <see cref="UserAccess"/> scope that is still open.</item>
/// <item>The length never exceeds the validated range, and the range's pages were populated (or, for fault-capturing
/// copies, checked present) in that same scope.</item>
/// <item>References handed to the user atomics (<see cref="AsRef{T}"/> of <c>uint</c>/<c>ulong</c>) point at a word
/// aligned to its size (the callers reject anything else with EINVAL), so <c>Interlocked</c>/<c>Volatile</c> on it are
/// single atomic instructions on the shared page.</item>
/// <item><see cref="IdentityOf"/> takes the address of a <see cref="UserAccess"/> variable only to compare it: a ref
/// struct lives on the stack, so the address is stable for the variable's lifetime, and it is never dereferenced.</item>
/// <item>The memory is treated as shared with an untrusted party: reads may see concurrent changes, so callers copy
/// once and use the copy (no double fetch), and nothing here assumes alignment unless the caller checked it.</item>
/// </list>
/// </remarks>
internal static unsafe class KernelMemory
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref T AsRef<T>(nuint kernelAddress)
        where T : unmanaged => ref Unsafe.AsRef<T>((void*)kernelAddress);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<T> AsSpan<T>(nuint kernelAddress, int length)
        where T : unmanaged => new((void*)kernelAddress, length);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ReadUnaligned<T>(nuint kernelAddress)
        where T : unmanaged => Unsafe.ReadUnaligned<T>((void*)kernelAddress);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteUnaligned<T>(nuint kernelAddress, T value)
        where T : unmanaged => Unsafe.WriteUnaligned((void*)kernelAddress, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyToKernel(nuint userKernelAddress, Span<byte> destination) =>
        new ReadOnlySpan<byte>((void*)userKernelAddress, destination.Length).CopyTo(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyToUser(ReadOnlySpan<byte> source, nuint userKernelAddress) =>
        source.CopyTo(new Span<byte>((void*)userKernelAddress, source.Length));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Clear(nuint userKernelAddress, int length) =>
        new Span<byte>((void*)userKernelAddress, length).Clear();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> Bytes(nuint kernelAddress, int length) => new((void*)kernelAddress, length);

    /// <summary>The address of a scope variable, used only as its identity (compared, never dereferenced).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint IdentityOf(ref readonly UserAccess access) => (nint)Unsafe.AsPointer(ref Unsafe.AsRef(in access));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Pointer(ulong address) => (void*)(nuint)address;
}
