using System;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// A validated window on <c>[Start, Start + Size)</c> of user memory for many small accesses (Linux's
/// <c>user_access_begin</c>/<c>unsafe_get_user</c>): the range is checked and populated once when the window opens, and
/// every later <see cref="Read{T}"/>, <see cref="Write{T}"/> or slice is checked only against the window bounds, a
/// compare or two with no address-space call.
/// </summary>
/// <remarks>
/// Open it from a <see cref="UserAccess"/> scope; like the seed's borrows it cannot outlive the method holding that
/// scope, and neither can the spans it hands out. Reads copy the value (no reference into user memory survives), so
/// reading a field twice may see two different values: read each once.
/// </remarks>
public readonly ref struct UserAccessWindow
{
    private readonly nuint _kernel;
    private readonly ref readonly IUserAddressSpace? _scope;

    private UserAccessWindow(ulong start, ulong size, MappingFlags flags, nuint kernel, ref readonly IUserAddressSpace? scope)
    {
        _scope = ref scope;
        Start = new VirtAddr(start);
        Size = size;
        Flags = flags;
        _kernel = kernel;
        Error = LinuxError.None;
    }

    private UserAccessWindow(LinuxError error)
    {
        Error = error;
    }

    /// <summary>The first user address of the window.</summary>
    public VirtAddr Start { get; }

    /// <summary>The size of the window in bytes.</summary>
    public ulong Size { get; }

    /// <summary>The access the window was validated for.</summary>
    public MappingFlags Flags { get; }

    /// <summary><see cref="LinuxError.None"/> when the window is open; otherwise why it could not be opened.</summary>
    public LinuxError Error { get; }

    /// <summary>True when the window is open.</summary>
    public bool IsOk => Error == LinuxError.None;

    /// <summary>Opens a window on <paramref name="size"/> bytes at <paramref name="start"/> for <paramref name="flags"/>.</summary>
    /// <param name="access">The open scope the window is tied to.</param>
    /// <param name="start">The first user address; need not be aligned.</param>
    /// <param name="size">The size in bytes; zero gives an empty window at any user address.</param>
    /// <param name="flags">The access every later operation needs: <see cref="MappingFlags.Read"/> for reads,
    /// <see cref="MappingFlags.Write"/> for writes.</param>
    /// <returns>The window; or a closed window carrying EFAULT (not accessible, leaves user space, wraps) or ENOMEM
    /// (population failed). Every operation on a closed window answers its error.</returns>
    public static UserAccessWindow Open(ref readonly UserAccess access, VirtAddr start, ulong size, MappingFlags flags)
    {
        if (!CopyEngine.IsUserRange(in access, start.Value, size))
        {
            return new UserAccessWindow(LinuxError.EFAULT);
        }

        if (size == 0)
        {
            return new UserAccessWindow(start.Value, 0, flags, 0, in UserAccess.ScopeSlot(in access));
        }

        LinuxError e = UserAccess.Prepare(in access, start.Value, size, flags, out nuint kernel);
        return e == LinuxError.None ? new UserAccessWindow(start.Value, size, flags, kernel, in UserAccess.ScopeSlot(in access)) : new UserAccessWindow(e);
    }

    /// <summary>Opens a read window on <paramref name="count"/> elements.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="pointer">The first element.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>The window, or EFAULT (including <c>count * sizeof(T)</c> overflow) or ENOMEM.</returns>
    public static UserAccessWindow OpenRead<T>(ref readonly UserAccess access, UserConstPtr<T> pointer, ulong count)
        where T : unmanaged =>
        count > ulong.MaxValue / (ulong)Unsafe.SizeOf<T>()
            ? new UserAccessWindow(LinuxError.EFAULT)
            : Open(in access, pointer.Address, count * (ulong)Unsafe.SizeOf<T>(), MappingFlags.Read);

    /// <summary>Opens a read-write window on <paramref name="count"/> elements.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="pointer">The first element.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>The window, or EFAULT (including <c>count * sizeof(T)</c> overflow) or ENOMEM.</returns>
    public static UserAccessWindow OpenReadWrite<T>(ref readonly UserAccess access, UserPtr<T> pointer, ulong count)
        where T : unmanaged =>
        count > ulong.MaxValue / (ulong)Unsafe.SizeOf<T>()
            ? new UserAccessWindow(LinuxError.EFAULT)
            : Open(in access, pointer.Address, count * (ulong)Unsafe.SizeOf<T>(), MappingFlags.Read | MappingFlags.Write);

    /// <summary>Reads a value at <paramref name="offset"/> bytes into the window (any alignment).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="offset">The byte offset from <see cref="Start"/>.</param>
    /// <returns>The value; EFAULT when it does not lie wholly inside the window; the window's error when it is closed.
    /// Throws <see cref="InvalidOperationException"/> when the window was not opened for reading (a kernel bug).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UserResult<T> Read<T>(ulong offset)
        where T : unmanaged
    {
        if (!IsOk)
        {
            return Error;
        }

        Require(MappingFlags.Read);
        return Fits(offset, (ulong)Unsafe.SizeOf<T>()) ? KernelMemory.ReadUnaligned<T>(_kernel + (nuint)offset) : LinuxError.EFAULT;
    }

    /// <summary>Writes a value at <paramref name="offset"/> bytes into the window (any alignment).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="offset">The byte offset from <see cref="Start"/>.</param>
    /// <param name="value">The value.</param>
    /// <returns>None; EFAULT when it does not lie wholly inside the window (nothing written); the window's error when it
    /// is closed. Throws <see cref="InvalidOperationException"/> when the window was not opened for writing.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LinuxError Write<T>(ulong offset, T value)
        where T : unmanaged
    {
        if (!IsOk)
        {
            return Error;
        }

        Require(MappingFlags.Write);
        if (!Fits(offset, (ulong)Unsafe.SizeOf<T>()))
        {
            return LinuxError.EFAULT;
        }

        KernelMemory.WriteUnaligned(_kernel + (nuint)offset, value);
        return LinuxError.None;
    }

    /// <summary>Borrows <paramref name="count"/> elements at <paramref name="offset"/> for reading and writing.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="offset">The byte offset from <see cref="Start"/>.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>The span; EFAULT when it does not lie wholly inside the window, <c>count * sizeof(T)</c> overflows or the
    /// user address is not aligned for <typeparamref name="T"/> (as the seed's borrows); EINVAL above
    /// <see cref="int.MaxValue"/> elements; the window's error when it is closed. Throws
    /// <see cref="InvalidOperationException"/> when the window was not opened for reading and writing.</returns>
    public UserSpan<T> Slice<T>(ulong offset, ulong count)
        where T : unmanaged
    {
        if (!IsOk)
        {
            return new UserSpan<T>(Error);
        }

        Require(MappingFlags.Read | MappingFlags.Write);
        LinuxError e = CheckSlice<T>(offset, count);
        return e == LinuxError.None ? new UserSpan<T>(KernelMemory.AsSpan<T>(_kernel + (nuint)offset, (int)count), in _scope) : new UserSpan<T>(e);
    }

    /// <summary>Borrows <paramref name="count"/> elements at <paramref name="offset"/> for reading.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="offset">The byte offset from <see cref="Start"/>.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>As <see cref="Slice{T}"/>; needs a window opened for reading.</returns>
    public UserReadOnlySpan<T> ReadOnlySlice<T>(ulong offset, ulong count)
        where T : unmanaged
    {
        if (!IsOk)
        {
            return new UserReadOnlySpan<T>(Error);
        }

        Require(MappingFlags.Read);
        LinuxError e = CheckSlice<T>(offset, count);
        return e == LinuxError.None ? new UserReadOnlySpan<T>(KernelMemory.AsSpan<T>(_kernel + (nuint)offset, (int)count), in _scope) : new UserReadOnlySpan<T>(e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Fits(ulong offset, ulong length) => offset <= Size && length <= Size - offset;

    private LinuxError CheckSlice<T>(ulong offset, ulong count)
        where T : unmanaged
    {
        ulong size = (ulong)Unsafe.SizeOf<T>();
        if (count > ulong.MaxValue / size || !Fits(offset, count * size) || ((Start.Value + offset) & (AlignOf<T>.Value - 1)) != 0)
        {
            return LinuxError.EFAULT;
        }

        return count > int.MaxValue ? LinuxError.EINVAL : LinuxError.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Require(MappingFlags needed)
    {
        ScopeCheck.ThrowIfEnded(in _scope);
        if ((Flags & needed) != needed)
        {
            ThrowHelper.ThrowInvalidOperation("The user access window was not opened for this access.");
        }
    }
}
