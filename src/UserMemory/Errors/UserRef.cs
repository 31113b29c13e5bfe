using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// A writable reference into validated user memory, or an errno. As a ref struct it cannot be stored on the
/// heap, and because it is produced from a <see cref="UserAccess"/> passed by reference, the compiler keeps it
/// from outliving the method that holds that access scope.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public readonly ref struct UserRef<T>
{
    private readonly ref T _ref;

    internal UserRef(ref T value)
    {
        _ref = ref value;
        Error = LinuxError.None;
    }

    internal UserRef(LinuxError error)
    {
        _ref = ref Unsafe.NullRef<T>();
        Error = error;
    }

    /// <summary>The errno, or <see cref="LinuxError.None"/> on success.</summary>
    public LinuxError Error { get; }

    /// <summary>True on success.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>The reference; throws <see cref="UserMemoryException"/> on failure.</summary>
    public ref T Value
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
    public ref T GetValueUnchecked() => ref _ref;
}
