using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace UserMemory;

/// <summary>
/// Linux-grade copies between kernel and user memory (<c>copy_from_user</c>, <c>copy_to_user</c>, <c>get_user</c>,
/// <c>put_user</c>, <c>clear_user</c>, strings, iovecs, extensible structs, user atomics and fault-capturing
/// copies). Where the pointer types borrow user memory, these members copy it: the kernel then works on its own copy,
/// which is the cure for double fetch (validate and use the same bytes; never read the user's bytes twice).
/// </summary>
/// <remarks>
/// <para>Every member takes an open <see cref="UserAccess"/> scope, or an <see cref="IAddrSpaceProvider"/> and opens
/// a scope of its own for that one call. Failures a user program can cause are answered with an errno, never an
/// exception; exceptions are reserved for mistakes in the calling kernel code.</para>
/// <para>A copy validates the whole range with one <see cref="IUserAddressSpace.PrepareAccess"/> and moves the bytes
/// with one memory copy. Only when that fails does it walk the range page by page to find the exact stopping point:
/// the bytes done then run up to the first byte of the first page that is not accessible (or could not be
/// populated). Misaligned user addresses are accepted, as in Linux; only the atomics require alignment. A range that
/// leaves user space or wraps past 2^64 is rejected before any byte moves (Linux's <c>access_ok</c>): 0 bytes, EFAULT.
/// A zero-length copy succeeds without touching memory, whatever the address, as Linux's <c>copy_*_user</c> with
/// <c>n = 0</c> (so <c>read(fd, NULL, 0)</c> and a read at end of file into any buffer give 0, not EFAULT). The
/// borrowing API keeps its stricter rule (zero length only at a user address).</para>
/// </remarks>
public static partial class UserCopy
{
    /// <summary>The most bytes one <see cref="CopyInArray{T}(ref readonly UserAccess, UserConstPtr{T}, ulong)"/> allocates (64 MiB): a guest-chosen count above it is
    /// answered ENOMEM, as Linux's <c>memdup_user</c> answers a size its allocator refuses. Every other allocation the
    /// copy API makes for a guest is bounded too: strings by the caller's <c>maxBytes</c> (paths by
    /// <see cref="PathMax"/>), execve arrays by <see cref="ExecArgumentLimits"/>, iovec arrays by
    /// <see cref="IovMax"/> elements.</summary>
    public const int MaxArrayCopyBytes = 64 << 20;

    /// <summary>
    /// Copies <c>destination.Length</c> values from user memory into a kernel buffer (<c>copy_from_user</c>).
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The user address of the first element; need not be aligned.</param>
    /// <param name="destination">The kernel buffer; its length is the request.</param>
    /// <returns>The bytes copied and the errno when it stopped early: EFAULT when the range leaves user space (nothing
    /// copied) or a page is not readable, ENOMEM when a lazy page could not be populated. On a short copy the bytes of
    /// <paramref name="destination"/> past <see cref="CopyResult.BytesDone"/> are cleared (so no stale kernel data
    /// survives; a partly copied element keeps its leading bytes).</returns>
    /// <remarks>Copy once, then validate and use the kernel copy only. Checking the user's bytes and reading them again
    /// later is the double-fetch bug: the user changes them in between (CVE-2016-6516 class).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CopyResult CopyIn<T>(ref readonly UserAccess access, UserConstPtr<T> source, Span<T> destination)
        where T : unmanaged
    {
        // The common case inlined into the caller: the scope's cached window covers the whole range (a few compares,
        // no call but the memory copy). Everything else, including an empty or oversized request, goes out of line.
        ulong total = (ulong)destination.Length * (ulong)Unsafe.SizeOf<T>();
        if (total - 1 < int.MaxValue // 1 to int.MaxValue bytes: an empty copy touches nothing, not even the scope
            && UserAccess.TryCached(in access, source.Address.Value, total, MappingFlags.Read, out nuint cached))
        {
            Span<byte> bytes = MemoryMarshal.AsBytes(destination);
            KernelMemory.CopyToKernel(cached, bytes);
            return CopyResult.Completed((nuint)bytes.Length);
        }

        return CopyInUncached(in access, source, destination);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CopyResult CopyInUncached<T>(ref readonly UserAccess access, UserConstPtr<T> source, Span<T> destination)
        where T : unmanaged
    {
        ulong address = source.Address.Value;
        ulong total = (ulong)destination.Length * (ulong)Unsafe.SizeOf<T>();
        if (total <= int.MaxValue)
        {
            return CopyEngine.CopyIn(in access, address, MemoryMarshal.AsBytes(destination));
        }

        // More bytes than one span can address: copy in pieces, with access_ok on the whole range first.
        if (!CopyEngine.IsUserRange(in access, address, total))
        {
            destination.Clear();
            return new CopyResult(0, LinuxError.EFAULT);
        }

        int perPiece = int.MaxValue / Unsafe.SizeOf<T>();
        ulong done = 0;
        for (int i = 0; i < destination.Length; i += perPiece)
        {
            Span<T> piece = destination.Slice(i, Math.Min(perPiece, destination.Length - i));
            CopyResult r = CopyEngine.CopyIn(in access, address + done, MemoryMarshal.AsBytes(piece));
            done += r.BytesDone;
            if (!r.IsOk)
            {
                destination[(i + piece.Length)..].Clear();
                return new CopyResult((nuint)done, r.Error);
            }
        }

        return CopyResult.Completed((nuint)done);
    }

    /// <summary>Copies one value from user memory (<c>copy_from_user</c> of <c>sizeof(T)</c> bytes).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The user address; need not be aligned.</param>
    /// <param name="value">The value; on a short copy its bytes past <see cref="CopyResult.BytesDone"/> are zero.</param>
    /// <returns>As <see cref="CopyIn{T}(ref readonly UserAccess, UserConstPtr{T}, Span{T})"/>.</returns>
    public static CopyResult CopyIn<T>(ref readonly UserAccess access, UserConstPtr<T> source, out T value)
        where T : unmanaged
    {
        value = default;
        return CopyEngine.CopyIn(in access, source.Address.Value, MemoryMarshal.AsBytes(new Span<T>(ref value)));
    }

    /// <summary>
    /// Copies <paramref name="count"/> values from user memory into a new array (<c>memdup_user</c>). All or nothing.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The user address of the first element; need not be aligned.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>The copy; EFAULT when <c>count * sizeof(T)</c> or the end address overflows, the range leaves user
    /// space, or any page is not readable; ENOMEM when the copy would take more than <see cref="MaxArrayCopyBytes"/>
    /// bytes or a lazy page could not be populated. Nothing is returned on partial failure.</returns>
    /// <remarks>The count is a guest's number, so the range is validated (readable, inside user space) before anything
    /// is allocated, and the allocation is capped at <see cref="MaxArrayCopyBytes"/>: a guest can make the kernel
    /// allocate at most that much per call, and only for memory it really has mapped readable.</remarks>
    public static UserResult<T[]> CopyInArray<T>(ref readonly UserAccess access, UserConstPtr<T> source, ulong count)
        where T : unmanaged
    {
        if (count == 0)
        {
            return Array.Empty<T>(); // as a copy of 0 bytes: nothing to check
        }

        ulong size = (ulong)Unsafe.SizeOf<T>();
        ulong address = source.Address.Value;
        if (count > ulong.MaxValue / size || !CopyEngine.IsUserRange(in access, address, count * size)
            || !UserAccess.Live(in access).CheckRegionAccess(VirtAddrRange.FromStartSize(address, count * size), MappingFlags.Read))
        {
            return LinuxError.EFAULT; // validated before anything is allocated
        }

        if (count * size > MaxArrayCopyBytes)
        {
            return LinuxError.ENOMEM;
        }

        T[] array = GC.AllocateUninitializedArray<T>((int)count);
        CopyResult r = CopyIn(in access, source, array.AsSpan());
        return r.IsOk ? array : r.Error;
    }

    /// <summary>Copies kernel values to user memory (<c>copy_to_user</c>).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="destination">The user address of the first element; need not be aligned.</param>
    /// <param name="source">The kernel values; their byte length is the request.</param>
    /// <returns>The bytes written and the errno when it stopped early: EFAULT when the range leaves user space (nothing
    /// written) or a page is not writable, ENOMEM when a lazy page could not be populated. The user bytes before
    /// <see cref="CopyResult.BytesDone"/> hold the new data; those after it are untouched.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CopyResult CopyOut<T>(ref readonly UserAccess access, UserPtr<T> destination, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        // As CopyIn: the cached-window hit inlined, the rest out of line.
        ulong total = (ulong)source.Length * (ulong)Unsafe.SizeOf<T>();
        if (total - 1 < int.MaxValue // 1 to int.MaxValue bytes: an empty copy touches nothing, not even the scope
            && UserAccess.TryCached(in access, destination.Address.Value, total, MappingFlags.Write, out nuint cached))
        {
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(source);
            KernelMemory.CopyToUser(bytes, cached);
            return CopyResult.Completed((nuint)bytes.Length);
        }

        return CopyOutUncached(in access, destination, source);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CopyResult CopyOutUncached<T>(ref readonly UserAccess access, UserPtr<T> destination, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        ulong address = destination.Address.Value;
        ulong total = (ulong)source.Length * (ulong)Unsafe.SizeOf<T>();
        if (total <= int.MaxValue)
        {
            return CopyEngine.CopyOut(in access, address, MemoryMarshal.AsBytes(source));
        }

        if (!CopyEngine.IsUserRange(in access, address, total))
        {
            return new CopyResult(0, LinuxError.EFAULT);
        }

        int perPiece = int.MaxValue / Unsafe.SizeOf<T>();
        ulong done = 0;
        for (int i = 0; i < source.Length; i += perPiece)
        {
            ReadOnlySpan<T> piece = source.Slice(i, Math.Min(perPiece, source.Length - i));
            CopyResult r = CopyEngine.CopyOut(in access, address + done, MemoryMarshal.AsBytes(piece));
            done += r.BytesDone;
            if (!r.IsOk)
            {
                return new CopyResult((nuint)done, r.Error);
            }
        }

        return CopyResult.Completed((nuint)done);
    }

    /// <summary>Copies one value to user memory (<c>copy_to_user</c> of <c>sizeof(T)</c> bytes).</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="destination">The user address; need not be aligned.</param>
    /// <param name="value">The value.</param>
    /// <returns>As <see cref="CopyOut{T}(ref readonly UserAccess, UserPtr{T}, ReadOnlySpan{T})"/>: a value straddling into a bad
    /// page is written up to that page. Use <see cref="WriteValue{T}(ref readonly UserAccess, UserPtr{T}, T)"/> for all or
    /// nothing.</returns>
    public static CopyResult CopyOut<T>(ref readonly UserAccess access, UserPtr<T> destination, in T value)
        where T : unmanaged =>
        CopyEngine.CopyOut(in access, destination.Address.Value, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    /// <summary>Reads one value from user memory (<c>get_user</c>). All or nothing; misaligned addresses are accepted.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The user address.</param>
    /// <returns>The value; EFAULT when the range leaves user space or is not readable, ENOMEM when population fails.
    /// Nothing is read on failure.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UserResult<T> ReadValue<T>(ref readonly UserAccess access, UserConstPtr<T> source)
        where T : unmanaged
    {
        ulong address = source.Address.Value;
        ulong size = (ulong)Unsafe.SizeOf<T>();
        if (!CopyEngine.IsUserRange(in access, address, size))
        {
            return LinuxError.EFAULT;
        }

        LinuxError e = UserAccess.Prepare(in access, address, size, MappingFlags.Read, out nuint kernel);
        return e == LinuxError.None ? KernelMemory.ReadUnaligned<T>(kernel) : e;
    }

    /// <summary>Reads one value through a writable pointer (<c>get_user</c>); the same as the
    /// <see cref="UserConstPtr{T}"/> overload, which generic inference cannot reach from a <see cref="UserPtr{T}"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The user address.</param>
    /// <returns>The value; EFAULT or ENOMEM as for <see cref="ReadValue{T}(ref readonly UserAccess, UserConstPtr{T})"/>, nothing
    /// read on failure.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UserResult<T> ReadValue<T>(ref readonly UserAccess access, UserPtr<T> source)
        where T : unmanaged => ReadValue(in access, source.ToUserConstPtr());

    /// <summary>Writes one value to user memory (<c>put_user</c>). All or nothing; misaligned addresses are accepted.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="destination">The user address.</param>
    /// <param name="value">The value.</param>
    /// <returns><see cref="LinuxError.None"/>; EFAULT when the range leaves user space or is not writable, ENOMEM when
    /// population fails. Nothing is written on failure.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LinuxError WriteValue<T>(ref readonly UserAccess access, UserPtr<T> destination, T value)
        where T : unmanaged
    {
        ulong address = destination.Address.Value;
        ulong size = (ulong)Unsafe.SizeOf<T>();
        if (!CopyEngine.IsUserRange(in access, address, size))
        {
            return LinuxError.EFAULT;
        }

        LinuxError e = UserAccess.Prepare(in access, address, size, MappingFlags.Write, out nuint kernel);
        if (e == LinuxError.None)
        {
            KernelMemory.WriteUnaligned(kernel, value);
        }

        return e;
    }

    /// <summary>Clears <paramref name="length"/> bytes of user memory (<c>clear_user</c>).</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="destination">The first user byte.</param>
    /// <param name="length">The number of bytes.</param>
    /// <returns>The bytes cleared and the errno when it stopped early: EFAULT when the range leaves user space or wraps
    /// (nothing cleared) or a page is not writable, ENOMEM when population fails. Bytes before
    /// <see cref="CopyResult.BytesDone"/> are zero; those after it are untouched.</returns>
    public static CopyResult ZeroOut(ref readonly UserAccess access, UserPtr<byte> destination, ulong length) =>
        CopyEngine.Zero(in access, destination.Address.Value, length);

    /// <summary>Copies from user memory in a scope of its own. See <see cref="CopyIn{T}(ref readonly UserAccess, UserConstPtr{T}, Span{T})"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="source">The user address.</param>
    /// <param name="destination">The kernel buffer.</param>
    /// <returns>The bytes copied and the errno when it stopped early; the rest of the buffer is cleared.</returns>
    public static CopyResult CopyIn<T>(IAddrSpaceProvider provider, UserConstPtr<T> source, Span<T> destination)
        where T : unmanaged
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyIn(in access, source, destination);
    }

    /// <summary>Copies into a new array in a scope of its own. See <see cref="CopyInArray{T}(ref readonly UserAccess, UserConstPtr{T}, ulong)"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="source">The user address.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>The copy, or EFAULT/ENOMEM; nothing on partial failure.</returns>
    public static UserResult<T[]> CopyInArray<T>(IAddrSpaceProvider provider, UserConstPtr<T> source, ulong count)
        where T : unmanaged
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyInArray(in access, source, count);
    }

    /// <summary>Copies to user memory in a scope of its own. See <see cref="CopyOut{T}(ref readonly UserAccess, UserPtr{T}, ReadOnlySpan{T})"/>.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="destination">The user address.</param>
    /// <param name="source">The kernel values.</param>
    /// <returns>The bytes written and the errno when it stopped early.</returns>
    public static CopyResult CopyOut<T>(IAddrSpaceProvider provider, UserPtr<T> destination, ReadOnlySpan<T> source)
        where T : unmanaged
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyOut(in access, destination, source);
    }

    /// <summary>Reads one value in a scope of its own. See <see cref="ReadValue{T}(ref readonly UserAccess, UserConstPtr{T})"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="source">The user address.</param>
    /// <returns>The value, or EFAULT/ENOMEM (nothing read).</returns>
    public static UserResult<T> ReadValue<T>(IAddrSpaceProvider provider, UserConstPtr<T> source)
        where T : unmanaged
    {
        using UserAccess access = UserAccess.Begin(provider);
        return ReadValue(in access, source);
    }

    /// <summary>Writes one value in a scope of its own. See <see cref="WriteValue{T}(ref readonly UserAccess, UserPtr{T}, T)"/>.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="destination">The user address.</param>
    /// <param name="value">The value.</param>
    /// <returns>None, or EFAULT/ENOMEM (nothing written).</returns>
    public static LinuxError WriteValue<T>(IAddrSpaceProvider provider, UserPtr<T> destination, T value)
        where T : unmanaged
    {
        using UserAccess access = UserAccess.Begin(provider);
        return WriteValue(in access, destination, value);
    }

    /// <summary>Clears user memory in a scope of its own. See <see cref="ZeroOut(ref readonly UserAccess, UserPtr{byte}, ulong)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="destination">The first user byte.</param>
    /// <param name="length">The number of bytes.</param>
    /// <returns>The bytes cleared and the errno when it stopped early.</returns>
    public static CopyResult ZeroOut(IAddrSpaceProvider provider, UserPtr<byte> destination, ulong length)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return ZeroOut(in access, destination, length);
    }
}
