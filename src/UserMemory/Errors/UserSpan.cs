using System;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>A writable span of validated user memory, or an errno. See <see cref="UserRef{T}"/> for the lifetime rules.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct UserSpan<T>
{
    private readonly Span<T> _span;
    private readonly ref readonly IUserAddressSpace? _scope;

    internal UserSpan(Span<T> span, ref readonly IUserAddressSpace? scope)
    {
        _span = span;
        _scope = ref scope;
        Error = LinuxError.None;
    }

    internal UserSpan(LinuxError error)
    {
        _span = default;
        Error = error;
    }

    /// <summary>The errno, or <see cref="LinuxError.None"/> on success.</summary>
    public LinuxError Error { get; }

    /// <summary>True on success.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>The span; throws <see cref="UserMemoryException"/> on failure, and
    /// <see cref="InvalidOperationException"/> once the scope it was borrowed from has been disposed.</summary>
    public Span<T> Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (Error != LinuxError.None)
            {
                ThrowHelper.ThrowUserMemory(Error);
            }

            ScopeCheck.ThrowIfEnded(in _scope);
            return _span;
        }
    }

    /// <summary>Gets the span without throwing.</summary>
    /// <param name="span">The span on success, else empty.</param>
    /// <returns>True on success.</returns>
    /// <exception cref="InvalidOperationException">The scope the span was borrowed from has been disposed.</exception>
    public bool TryGetValue(out Span<T> span)
    {
        ScopeCheck.ThrowIfEnded(in _scope);
        span = _span;
        return IsOk;
    }
}
