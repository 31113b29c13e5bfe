// Unsafe code in this file: only AsPtr, whose signature returns a native pointer. Invariants: it converts the user
// address to a pointer and touches no memory; it is a raw route marked [RequiresUnsafeUserMemory] (the analyzer
// reports a use outside opted-in code, UM0003), and the pointer is valid only in a kernel whose user memory is
// identity-mapped, for a range validated in a scope that is still open.
using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// A pointer into user memory that the kernel may read and write (<see cref="MappingFlags.Read"/> |
/// <see cref="MappingFlags.Write"/>). Holding one grants nothing: every access validates the address in the
/// address space first and answers an errno instead of touching memory it must not.
/// </summary>
/// <typeparam name="T">The pointee type.</typeparam>
/// <remarks>The size of one address. Borrowing members (<see cref="Get"/>, <see cref="GetAsSlice"/>, and the
/// <see cref="UserPointerExtensions"/>) return views tied to a <see cref="UserAccess"/> scope.</remarks>
[DebuggerDisplay("{ToString(),nq}")]
public readonly struct UserPtr<T> : IEquatable<UserPtr<T>>
    where T : unmanaged
{
    private readonly ulong _address;

    private UserPtr(ulong address) => _address = address;

    /// <summary>The flags the memory must carry: read and write.</summary>
    public static MappingFlags AccessFlags => MappingFlags.Read | MappingFlags.Write;

    /// <summary>The null pointer.</summary>
    public static UserPtr<T> Null => default;

    /// <summary>The user address.</summary>
    public VirtAddr Address => new(_address);

    /// <summary>True for address 0.</summary>
    public bool IsNull => _address == 0;

    /// <summary>Creates a pointer from a user address (typically a syscall argument).</summary>
    /// <param name="address">The address.</param>
    /// <returns>The pointer.</returns>
    public static UserPtr<T> FromAddress(VirtAddr address) => new(address.Value);

    /// <summary>Creates a pointer from a raw syscall argument.</summary>
    /// <param name="address">The address.</param>
    public static explicit operator UserPtr<T>(ulong address) => new(address);

    /// <summary>Creates a pointer from a raw syscall argument.</summary>
    /// <param name="address">The address.</param>
    public static explicit operator UserPtr<T>(nuint address) => new(address);

    /// <summary>Every writable pointer may also be read.</summary>
    /// <param name="pointer">The pointer.</param>
    public static implicit operator UserConstPtr<T>(UserPtr<T> pointer) => UserConstPtr<T>.FromAddress(pointer.Address);

    /// <summary>The same pointer as a read-only pointer.</summary>
    /// <returns>The read-only pointer.</returns>
    public UserConstPtr<T> ToUserConstPtr() => this;

    /// <summary>No value for a null pointer, for optional syscall arguments.</summary>
    /// <returns>The pointer, or null.</returns>
    public UserPtr<T>? Nullable() => _address == 0 ? null : this;

    /// <summary>The same address as a pointer to <typeparamref name="TOther"/>.</summary>
    /// <typeparam name="TOther">The new pointee type.</typeparam>
    /// <returns>The cast pointer.</returns>
    public UserPtr<TOther> Cast<TOther>()
        where TOther : unmanaged => UserPtr<TOther>.FromAddress(Address);

    /// <summary>The raw user address as a native pointer, unchecked: a raw route
    /// (<see cref="UnsafeAccess.RequiresUnsafeUserMemoryAttribute"/>). It is the user address itself, not a kernel address, so it
    /// is only a valid pointer in a kernel whose user memory is identity-mapped (<c>GetKernelAddress</c> is the identity);
    /// dereference it only after validating the range for the access inside an access scope that is still open.</summary>
    /// <returns>The pointer.</returns>
    [UnsafeAccess.RequiresUnsafeUserMemory]
    public unsafe T* AsPtr() => (T*)KernelMemory.Pointer(_address);

    /// <summary>Borrows the value by reference (axptr <c>get</c>).</summary>
    /// <param name="access">The open scope the reference is tied to.</param>
    /// <returns>The reference, or EFAULT (null, misaligned, overflowing or not readable and writable) or ENOMEM.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UserRef<T> Get(ref readonly UserAccess access)
    {
        LinuxError e = RegionCheck.Check<T>(in access, _address, 1, AccessFlags, out nuint kernel);
        return e == LinuxError.None ? new UserRef<T>(ref KernelMemory.AsRef<T>(kernel), in UserAccess.ScopeSlot(in access)) : new UserRef<T>(e);
    }

    /// <summary>Borrows <paramref name="length"/> consecutive values (axptr <c>get_as_slice</c>).</summary>
    /// <param name="access">The open scope the span is tied to.</param>
    /// <param name="length">The number of elements.</param>
    /// <returns>The span; an empty span for zero length at any user address (memory untouched); EFAULT for null,
    /// misaligned, overflowing (<c>length * sizeof(T)</c> or the end address) or inaccessible ranges; EINVAL for more
    /// than <see cref="int.MaxValue"/> elements, which no span can hold; ENOMEM when population fails.</returns>
    public UserSpan<T> GetAsSlice(ref readonly UserAccess access, ulong length)
    {
        LinuxError e = RegionCheck.Check<T>(in access, _address, length, AccessFlags, out nuint kernel);
        if (e != LinuxError.None)
        {
            return new UserSpan<T>(e);
        }

        return length > int.MaxValue ? new UserSpan<T>(LinuxError.EINVAL) : new UserSpan<T>(KernelMemory.AsSpan<T>(kernel, (int)length), in UserAccess.ScopeSlot(in access));
    }

    /// <inheritdoc/>
    public bool Equals(UserPtr<T> other) => _address == other._address;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UserPtr<T> p && Equals(p);

    /// <inheritdoc/>
    public override int GetHashCode() => _address.GetHashCode();

    /// <summary>Equality of addresses.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether equal.</returns>
    public static bool operator ==(UserPtr<T> left, UserPtr<T> right) => left.Equals(right);

    /// <summary>Inequality of addresses.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    /// <returns>Whether different.</returns>
    public static bool operator !=(UserPtr<T> left, UserPtr<T> right) => !left.Equals(right);

    /// <summary>The type and address.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"UserPtr<{typeof(T).Name}>({Address})";
}
