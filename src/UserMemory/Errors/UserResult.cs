using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>A value or a Linux errno: what an operation on user memory returns when it copies data out.</summary>
/// <typeparam name="T">The value type.</typeparam>
public readonly struct UserResult<T>
{
    private readonly T _value;

    /// <summary>A successful result.</summary>
    /// <param name="value">The value.</param>
    public UserResult(T value)
    {
        _value = value;
        Error = LinuxError.None;
    }

    /// <summary>A failed result. Passing <see cref="LinuxError.None"/> is a programming error.</summary>
    /// <param name="error">The errno.</param>
    public UserResult(LinuxError error)
    {
        if (error == LinuxError.None)
        {
            ThrowHelper.ThrowArgument(nameof(error), "A failed result needs an errno.");
        }

        _value = default!;
        Error = error;
    }

    /// <summary>The errno, or <see cref="LinuxError.None"/> on success.</summary>
    public LinuxError Error { get; }

    /// <summary>True on success.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>The value; throws <see cref="UserMemoryException"/> on failure (the throwing convenience form).</summary>
    public T Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (Error != LinuxError.None)
            {
                ThrowHelper.ThrowUserMemory(Error);
            }

            return _value;
        }
    }

    /// <summary>Gets the value without throwing.</summary>
    /// <param name="value">The value on success, else default.</param>
    /// <returns>True on success.</returns>
    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value;
        return IsOk;
    }

    /// <summary>The value, or <paramref name="fallback"/> on failure.</summary>
    /// <param name="fallback">What to return on failure.</param>
    /// <returns>The value or the fallback.</returns>
    public T GetValueOrDefault(T fallback) => IsOk ? _value : fallback;

    /// <summary>Wraps a value.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator UserResult<T>(T value) => new(value);

    /// <summary>Wraps an errno.</summary>
    /// <param name="error">The errno.</param>
    public static implicit operator UserResult<T>(LinuxError error) => new(error);

    /// <summary>Wraps a value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The result.</returns>
    public static UserResult<T> FromValue(T value) => new(value);

    /// <summary>Wraps an errno.</summary>
    /// <param name="error">The errno.</param>
    /// <returns>The result.</returns>
    public static UserResult<T> FromError(LinuxError error) => new(error);

    /// <summary>"Ok(value)" or the errno name.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => IsOk ? $"Ok({_value})" : Error.Name();
}
