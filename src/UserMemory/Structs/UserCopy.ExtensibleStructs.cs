using System;
using System.Runtime.InteropServices;

namespace UserMemory;

public static partial class UserCopy
{
    /// <summary>
    /// Copies an extensible struct from user memory (Linux's <c>copy_struct_from_user</c>, as used by
    /// <c>openat2</c>, <c>clone3</c>, <c>sched_setattr</c>): the user says how big its version of the struct is, and the
    /// kernel accepts older (smaller) and newer (larger) versions.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="kernelStruct">The kernel's struct; its length is <c>ksize</c>.</param>
    /// <param name="source">The user's struct.</param>
    /// <param name="userSize">The user's size, <c>usize</c>.</param>
    /// <param name="maxUserSize">The largest <c>usize</c> accepted; larger is E2BIG without reading anything. Linux
    /// leaves this to the callers, and they all use PAGE_SIZE (the default); pass <see cref="ulong.MaxValue"/> for no
    /// bound.</param>
    /// <returns><see cref="LinuxError.None"/> when the struct was copied: with <c>usize &lt; ksize</c> the kernel tail is
    /// zero-filled; with <c>usize &gt; ksize</c> the user's extra bytes were all zero. E2BIG when <c>usize</c> exceeds
    /// <paramref name="maxUserSize"/> or a user byte past <c>ksize</c> is not zero (the user asks for a feature this
    /// kernel lacks); EFAULT when a byte to be read is not readable; ENOMEM when population fails. On failure the whole
    /// kernel struct is cleared (no partial user data and no stale kernel bytes).</returns>
    public static LinuxError CopyStructFromUser(ref readonly UserAccess access, Span<byte> kernelStruct, UserConstPtr<byte> source, ulong userSize, ulong maxUserSize = Pages.Size4K)
    {
        LinuxError e = CopyStructFromUserCore(in access, kernelStruct, source.Address.Value, userSize, maxUserSize);
        if (e != LinuxError.None)
        {
            kernelStruct.Clear();
        }

        return e;
    }

    /// <summary>Copies an extensible struct from user memory into a value. See
    /// <see cref="CopyStructFromUser(ref readonly UserAccess, Span{byte}, UserConstPtr{byte}, ulong, ulong)"/>.</summary>
    /// <typeparam name="T">The kernel's struct; <c>ksize</c> is its size.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="value">The struct; zero on failure.</param>
    /// <param name="source">The user's struct.</param>
    /// <param name="userSize">The user's size.</param>
    /// <param name="maxUserSize">The largest user size accepted (PAGE_SIZE by default).</param>
    /// <returns>None, E2BIG, EFAULT or ENOMEM as for the span form.</returns>
    public static LinuxError CopyStructFromUser<T>(ref readonly UserAccess access, out T value, UserConstPtr<byte> source, ulong userSize, ulong maxUserSize = Pages.Size4K)
        where T : unmanaged
    {
        value = default;
        return CopyStructFromUser(in access, MemoryMarshal.AsBytes(new Span<T>(ref value)), source, userSize, maxUserSize);
    }

    /// <summary>
    /// Copies an extensible struct to user memory (Linux 6.x <c>copy_struct_to_user</c>): the user gets as much as its
    /// version of the struct holds.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="destination">The user's struct.</param>
    /// <param name="userSize">The user's size, <c>usize</c>.</param>
    /// <param name="kernelStruct">The kernel's struct; its length is <c>ksize</c>.</param>
    /// <param name="ignoredTrailing">True when <c>usize &lt; ksize</c> and the kernel bytes that did not fit were not all
    /// zero (the user's older struct cannot express something the kernel reports); false otherwise.</param>
    /// <param name="maxUserSize">The largest <c>usize</c> accepted; larger is E2BIG without writing anything. PAGE_SIZE
    /// by default; <see cref="ulong.MaxValue"/> for no bound.</param>
    /// <returns><see cref="LinuxError.None"/> when <c>min(usize, ksize)</c> bytes were copied and, with
    /// <c>usize &gt; ksize</c>, the user's tail was cleared; E2BIG above <paramref name="maxUserSize"/>; EFAULT when a
    /// byte to be written is not writable; ENOMEM when population fails. On failure the user's struct may be partly
    /// written (the tail is cleared first, then the head copied, as in Linux).</returns>
    public static LinuxError CopyStructToUser(ref readonly UserAccess access, UserPtr<byte> destination, ulong userSize, ReadOnlySpan<byte> kernelStruct, out bool ignoredTrailing, ulong maxUserSize = Pages.Size4K)
    {
        ignoredTrailing = false;
        if (userSize > maxUserSize)
        {
            return LinuxError.E2BIG;
        }

        ulong address = destination.Address.Value;
        ulong kernelSize = (ulong)kernelStruct.Length;
        if (userSize != 0 && !CopyEngine.IsUserRange(in access, address, userSize))
        {
            return LinuxError.EFAULT;
        }

        int size = (int)Math.Min(kernelSize, userSize);
        if (userSize > kernelSize)
        {
            CopyResult cleared = CopyEngine.Zero(in access, address + kernelSize, userSize - kernelSize);
            if (!cleared.IsOk)
            {
                return cleared.Error;
            }
        }
        else
        {
            ignoredTrailing = kernelStruct[size..].ContainsAnyExcept((byte)0);
        }

        return CopyEngine.CopyOut(in access, address, kernelStruct[..size]).Error;
    }

    /// <summary>Copies an extensible struct value to user memory. See
    /// <see cref="CopyStructToUser(ref readonly UserAccess, UserPtr{byte}, ulong, ReadOnlySpan{byte}, out bool, ulong)"/>.</summary>
    /// <typeparam name="T">The kernel's struct; <c>ksize</c> is its size.</typeparam>
    /// <param name="access">The open scope.</param>
    /// <param name="destination">The user's struct.</param>
    /// <param name="userSize">The user's size.</param>
    /// <param name="value">The kernel's struct.</param>
    /// <param name="ignoredTrailing">True when non-zero kernel bytes did not fit in the user's struct.</param>
    /// <param name="maxUserSize">The largest user size accepted (PAGE_SIZE by default).</param>
    /// <returns>None, E2BIG, EFAULT or ENOMEM as for the span form; the user's struct may be partly written on failure.</returns>
    public static LinuxError CopyStructToUser<T>(ref readonly UserAccess access, UserPtr<byte> destination, ulong userSize, in T value, out bool ignoredTrailing, ulong maxUserSize = Pages.Size4K)
        where T : unmanaged =>
        CopyStructToUser(in access, destination, userSize, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)), out ignoredTrailing, maxUserSize);

    /// <summary>Copies an extensible struct from user memory in a scope of its own. See
    /// <see cref="CopyStructFromUser(ref readonly UserAccess, Span{byte}, UserConstPtr{byte}, ulong, ulong)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="kernelStruct">The kernel's struct.</param>
    /// <param name="source">The user's struct.</param>
    /// <param name="userSize">The user's size.</param>
    /// <param name="maxUserSize">The largest user size accepted.</param>
    /// <returns>None, E2BIG, EFAULT or ENOMEM; the kernel struct is cleared on failure.</returns>
    public static LinuxError CopyStructFromUser(IAddrSpaceProvider provider, Span<byte> kernelStruct, UserConstPtr<byte> source, ulong userSize, ulong maxUserSize = Pages.Size4K)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyStructFromUser(in access, kernelStruct, source, userSize, maxUserSize);
    }

    /// <summary>Copies an extensible struct to user memory in a scope of its own. See
    /// <see cref="CopyStructToUser(ref readonly UserAccess, UserPtr{byte}, ulong, ReadOnlySpan{byte}, out bool, ulong)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="destination">The user's struct.</param>
    /// <param name="userSize">The user's size.</param>
    /// <param name="kernelStruct">The kernel's struct.</param>
    /// <param name="ignoredTrailing">True when non-zero kernel bytes did not fit.</param>
    /// <param name="maxUserSize">The largest user size accepted.</param>
    /// <returns>None, E2BIG, EFAULT or ENOMEM; the user's struct may be partly written on failure.</returns>
    public static LinuxError CopyStructToUser(IAddrSpaceProvider provider, UserPtr<byte> destination, ulong userSize, ReadOnlySpan<byte> kernelStruct, out bool ignoredTrailing, ulong maxUserSize = Pages.Size4K)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyStructToUser(in access, destination, userSize, kernelStruct, out ignoredTrailing, maxUserSize);
    }

    private static LinuxError CopyStructFromUserCore(ref readonly UserAccess access, Span<byte> kernelStruct, ulong address, ulong userSize, ulong maxUserSize)
    {
        if (userSize > maxUserSize)
        {
            return LinuxError.E2BIG;
        }

        if (userSize != 0 && !CopyEngine.IsUserRange(in access, address, userSize))
        {
            return LinuxError.EFAULT;
        }

        ulong kernelSize = (ulong)kernelStruct.Length;
        if (userSize > kernelSize)
        {
            // The user's newer struct: everything this kernel does not know about must be zero.
            LinuxError tail = CheckZeroed(UserAccess.Live(in access), address + kernelSize, userSize - kernelSize);
            if (tail != LinuxError.None)
            {
                return tail;
            }
        }

        int size = (int)Math.Min(kernelSize, userSize);
        CopyResult copied = CopyEngine.CopyIn(in access, address, kernelStruct[..size]);
        if (!copied.IsOk)
        {
            return copied.Error;
        }

        kernelStruct[size..].Clear(); // the user's older struct: zero-extend
        return LinuxError.None;
    }

    /// <summary>Linux's <c>check_zeroed_user</c>, page by page: None when every byte is zero, E2BIG at the first that is
    /// not, or the page's errno. The caller checked that the range lies in user space.</summary>
    private static LinuxError CheckZeroed(IUserAddressSpace space, ulong address, ulong length)
    {
        ulong done = 0;
        while (done < length)
        {
            ulong cursor = address + done;
            int chunk = (int)Math.Min(length - done, Pages.Size4K - (cursor & Pages.OffsetMask4K));
            LinuxError e = space.PrepareAccess(cursor, (ulong)chunk, MappingFlags.Read, out nuint kernel);
            if (e != LinuxError.None)
            {
                return e;
            }

            if (KernelMemory.Bytes(kernel, chunk).ContainsAnyExcept((byte)0))
            {
                return LinuxError.E2BIG;
            }

            done += (ulong)chunk;
        }

        return LinuxError.None;
    }
}
