using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UserMemory;

/// <summary>The natural alignment of an unmanaged type, as the runtime lays it out (C's <c>alignof</c>).</summary>
/// <typeparam name="T">The type.</typeparam>
public static class AlignOf<T>
    where T : unmanaged
{
    /// <summary>The alignment in bytes: a power of two between 1 and 8 (16 for a few SIMD types).</summary>
    public static readonly uint Value = (uint)(Unsafe.SizeOf<Probe>() - Unsafe.SizeOf<T>());

    [StructLayout(LayoutKind.Sequential)]
    private struct Probe
    {
#pragma warning disable CS0649 // never assigned: only the layout matters
        public byte Head;
        public T Tail;
#pragma warning restore CS0649
    }
}
