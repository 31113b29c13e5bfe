using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UserMemory.Reliability.Tests.Support;

/// <summary>Byte views of unmanaged values, for equality of the generated element types and for the model.</summary>
public static class ElementBytes
{
    /// <summary>The bytes of <paramref name="value"/>.</summary>
    public static ReadOnlySpan<byte> Of<T>(in T value)
        where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));

    /// <summary>Byte-wise equality.</summary>
    public static bool Equal<T>(in T left, in T right)
        where T : unmanaged => Of(in left).SequenceEqual(Of(in right));

    /// <summary>A value built from <paramref name="bytes"/> (exactly <c>sizeof(T)</c> of them).</summary>
    public static T From<T>(ReadOnlySpan<byte> bytes)
        where T : unmanaged => MemoryMarshal.Read<T>(bytes);

    /// <summary>The size of <typeparamref name="T"/>.</summary>
    public static int SizeOf<T>()
        where T : unmanaged => Unsafe.SizeOf<T>();
}
