using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>A read-only reference into validated user memory, or an errno. See <see cref="UserRef{T}"/> for the lifetime rules.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct UserReadOnlyRef<T>
{
    private readonly ref readonly T _ref;

    internal UserReadOnlyRef(ref readonly T value)
    {
        _ref = ref value;
        Error = LinuxError.None;
    }

    internal UserReadOnlyRef(LinuxError error)
    {
        _ref = ref Unsafe.NullRef<T>();
        Error = error;
    }

    /// <summary>The errno, or <see cref="LinuxError.None"/> on success.</summary>
    public LinuxError Error { get; }

    /// <summary>True on success.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>The reference; throws <see cref="UserMemoryException"/> on failure.</summary>
    public ref readonly T Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (Error != LinuxError.None)
            {
                ThrowHelper.ThrowUserMemory(Error);
            }

            return ref _ref;
        }
    }

    /// <summary>The reference without checking; a null reference on failure. Check <see cref="IsOk"/> first.</summary>
    /// <returns>The reference.</returns>
    public ref readonly T GetValueUnchecked() => ref _ref;
}
