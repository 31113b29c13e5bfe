using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>Throw sites kept out of line so that hot paths stay small and inlinable.</summary>
internal static class ThrowHelper
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfNotPowerOfTwo(ulong align)
    {
        if (align == 0 || (align & (align - 1)) != 0)
        {
            ThrowArgument(nameof(align), "The alignment must be a power of two.");
        }
    }

    [DoesNotReturn]
    public static void ThrowArgument(string name, string message) => throw new ArgumentException(message, name);

    [DoesNotReturn]
    public static void ThrowUserMemory(LinuxError error) => throw new UserMemoryException(error);

    [DoesNotReturn]
    public static T ThrowUserMemory<T>(LinuxError error) => throw new UserMemoryException(error);

    [DoesNotReturn]
    public static void ThrowInvalidOperation(string message) => throw new InvalidOperationException(message);
}
