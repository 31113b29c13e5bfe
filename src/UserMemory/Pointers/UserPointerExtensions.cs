using System;
using System.Text;
using System.Text.Unicode;

namespace UserMemory;

/// <summary>Members of <see cref="UserPtr{T}"/> and <see cref="UserConstPtr{T}"/> that need more constraints on
/// <c>T</c> than the types themselves carry.</summary>
public static class UserPointerExtensions
{
    /// <summary>
    /// Borrows a <c>default(T)</c>-terminated array (axptr <c>get_as_null_terminated</c>), scanning page by page
    /// and never past <paramref name="maxBytes"/>.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="pointer">The first element.</param>
    /// <param name="access">The open scope the span is tied to.</param>
    /// <param name="maxBytes">The scan bound in bytes, terminator included; 0 for
    /// <see cref="NullTerminatedScan.DefaultMaxBytes"/> (128 KiB).</param>
    /// <returns>The elements before the terminator; EFAULT for null or misaligned pointers or a page that is not
    /// readable and writable before the terminator; ENAMETOOLONG when the bound is reached; ENOMEM when population fails.</returns>
    public static UserSpan<T> GetAsNullTerminated<T>(this UserPtr<T> pointer, ref readonly UserAccess access, ulong maxBytes = 0)
        where T : unmanaged, IEquatable<T>
    {
        LinuxError e = NullTerminatedScan.Find<T>(in access, pointer.Address.Value, UserPtr<T>.AccessFlags, maxBytes, out int count, out nuint kernel);
        return e == LinuxError.None ? new UserSpan<T>(KernelMemory.AsSpan<T>(kernel, count), in UserAccess.ScopeSlot(in access)) : new UserSpan<T>(e);
    }

    /// <summary>
    /// Borrows a <c>default(T)</c>-terminated array for reading (axptr <c>get_as_null_terminated</c>), scanning page by
    /// page and never past <paramref name="maxBytes"/>.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="pointer">The first element.</param>
    /// <param name="access">The open scope the span is tied to.</param>
    /// <param name="maxBytes">The scan bound in bytes, terminator included; 0 for
    /// <see cref="NullTerminatedScan.DefaultMaxBytes"/> (128 KiB).</param>
    /// <returns>The elements before the terminator; EFAULT for null or misaligned pointers or a page that is not
    /// readable before the terminator; ENAMETOOLONG when the bound is reached; ENOMEM when population fails.</returns>
    public static UserReadOnlySpan<T> GetAsNullTerminated<T>(this UserConstPtr<T> pointer, ref readonly UserAccess access, ulong maxBytes = 0)
        where T : unmanaged, IEquatable<T>
    {
        LinuxError e = NullTerminatedScan.Find<T>(in access, pointer.Address.Value, UserConstPtr<T>.AccessFlags, maxBytes, out int count, out nuint kernel);
        return e == LinuxError.None ? new UserReadOnlySpan<T>(KernelMemory.AsSpan<T>(kernel, count), in UserAccess.ScopeSlot(in access)) : new UserReadOnlySpan<T>(e);
    }

    /// <summary>
    /// Reads a NUL-terminated UTF-8 string (axptr <c>get_as_str</c>) into a managed string. The result is a copy, so
    /// it may outlive the scope.
    /// </summary>
    /// <param name="pointer">The first byte.</param>
    /// <param name="access">The open scope.</param>
    /// <param name="maxBytes">The scan bound in bytes, NUL included; 0 for 128 KiB.</param>
    /// <returns>The string; EFAULT, ENAMETOOLONG or ENOMEM as for <see cref="GetAsNullTerminated{T}(UserConstPtr{T}, ref readonly UserAccess, ulong)"/>;
    /// EILSEQ when the bytes are not valid UTF-8.</returns>
    public static UserResult<string> GetAsStr(this UserConstPtr<byte> pointer, ref readonly UserAccess access, ulong maxBytes = 0)
    {
        UserReadOnlySpan<byte> bytes = pointer.GetAsNullTerminated(in access, maxBytes);
        if (!bytes.TryGetValue(out ReadOnlySpan<byte> span))
        {
            return bytes.Error;
        }

        // Copy once, then validate and decode the copy: the user may change the bytes concurrently.
        byte[] copy = span.ToArray();
        return Utf8.IsValid(copy) ? Encoding.UTF8.GetString(copy) : LinuxError.EILSEQ;
    }

    /// <summary>Reads a NUL-terminated UTF-8 string in a scope of its own (one operation on the provider).</summary>
    /// <param name="pointer">The first byte.</param>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="maxBytes">The scan bound in bytes, NUL included; 0 for 128 KiB.</param>
    /// <returns>As <see cref="GetAsStr(UserConstPtr{byte}, ref readonly UserAccess, ulong)"/>.</returns>
    public static UserResult<string> GetAsStr(this UserConstPtr<byte> pointer, IAddrSpaceProvider provider, ulong maxBytes = 0)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return pointer.GetAsStr(in access, maxBytes);
    }
}
