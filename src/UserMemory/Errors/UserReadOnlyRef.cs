using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>A read-only reference into validated user memory, or an errno. See <see cref="UserRef{T}"/> for the lifetime rules.</summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct UserReadOnlyRef<T>
{
    private readonly ref readonly T _ref;
    private readonly ref readonly IUserAddressSpace? _scope;

    internal UserReadOnlyRef(ref readonly T value, ref readonly IUserAddressSpace? scope)
    {
        _ref = ref value;
        _scope = ref scope;
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

    /// <summary>The reference; throws <see cref="UserMemoryException"/> on failure, and
    /// <see cref="System.InvalidOperationException"/> once the scope it was borrowed from has been disposed.</summary>
    public ref readonly T Value
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (Error != LinuxError.None)
            {
                ThrowHelper.ThrowUserMemory(Error);
            }

            ScopeCheck.ThrowIfEnded(in _scope);
            return ref _ref;
        }
    }

    /// <summary>The reference without checking the errno; a null reference on failure. Check <see cref="IsOk"/> first.
    /// Still refuses (throws <see cref="System.InvalidOperationException"/>) once the scope it was borrowed from has
    /// been disposed.</summary>
    /// <returns>The reference.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref readonly T GetValueUnchecked()
    {
        ScopeCheck.ThrowIfEnded(in _scope);
        return ref _ref;
    }
}
