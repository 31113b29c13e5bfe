using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// axptr's <c>check_region</c>, without its panics: alignment, overflow, accessibility, then population.
/// </summary>
internal static class RegionCheck
{
    /// <summary>
    /// Validates <paramref name="count"/> elements of <typeparamref name="T"/> at <paramref name="address"/> for
    /// <paramref name="access"/> and populates them. On success <paramref name="kernelAddress"/> is where they live
    /// (0 for an empty range, which touches nothing).
    /// </summary>
    /// <returns>None; EFAULT for null, misaligned, overflowing (<c>count * sizeof(T)</c> or <c>address + size</c>) or
    /// inaccessible ranges; ENOMEM when population fails.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LinuxError Check<T>(ref readonly UserAccess access, ulong address, ulong count, MappingFlags flags, out nuint kernelAddress)
        where T : unmanaged
    {
        kernelAddress = 0;
        ulong elementSize = (ulong)Unsafe.SizeOf<T>();
        if (address == 0 || (address & (AlignOf<T>.Value - 1)) != 0 || count > ulong.MaxValue / elementSize)
        {
            return LinuxError.EFAULT;
        }

        ulong size = count * elementSize;
        if (size == 0)
        {
            return access.IsUserRange(address, 0) ? LinuxError.None : LinuxError.EFAULT;
        }

        return UserAccess.Prepare(in access, address, size, flags, out kernelAddress);
    }
}
