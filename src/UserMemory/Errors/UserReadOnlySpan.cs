using System;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>A read-only span of validated user memory, or an errno. See <see cref="UserRef{T}"/> for the lifetime rules.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct UserReadOnlySpan<T>
{
    private readonly ReadOnlySpan<T> _span;

    internal UserReadOnlySpan(ReadOnlySpan<T> span)
    {
        _span = span;
        Error = LinuxError.None;
    }

    internal UserReadOnlySpan(LinuxError error)
    {
        _span = default;
        Error = error;
    }

    /// <summary>The errno, or <see cref="LinuxError.None"/> on success.</summary>
    public LinuxError Error { get; }

    /// <summary>True on success.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>The span; throws <see cref="UserMemoryException"/> on failure.</summary>
    public ReadOnlySpan<T> Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (Error != LinuxError.None)
            {
                ThrowHelper.ThrowUserMemory(Error);
            }

            return _span;
        }
    }

    /// <summary>Gets the span without throwing.</summary>
    /// <param name="span">The span on success, else empty.</param>
    /// <returns>True on success.</returns>
    public bool TryGetValue(out ReadOnlySpan<T> span)
    {
        span = _span;
        return IsOk;
    }
}
