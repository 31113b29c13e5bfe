using System;
using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace UserMemory;

public static partial class UserCopy
{
    /// <summary>Linux's PATH_MAX: the longest path a system call accepts, NUL included.</summary>
    public const int PathMax = 4096;

    /// <summary>
    /// Copies a NUL-terminated byte string from user memory into <paramref name="destination"/>
    /// (<c>strncpy_from_user</c>), reading no further than the NUL or <c>destination.Length</c> bytes.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="destination">The kernel buffer; its length bounds the scan.</param>
    /// <returns>
    /// Terminated with the string length when a NUL was found within the buffer (the NUL is copied as well); unterminated
    /// with <c>destination.Length</c> when there was none (the buffer is full and holds no NUL); EFAULT when a byte to
    /// be read is not readable or the source is not a user address, ENOMEM when population fails. Bytes after the NUL
    /// in the last page read may be cleared; the rest of the buffer is untouched. On failure the buffer holds the bytes
    /// read before the fault. An empty buffer gives an unterminated length 0 without touching memory, as in Linux.
    /// </returns>
    /// <remarks>The NUL is searched in the kernel copy, one validated page chunk at a time, so a user changing the
    /// bytes concurrently cannot make the length and the copy disagree.</remarks>
    public static StrncpyResult StrncpyFromUser(ref readonly UserAccess access, UserConstPtr<byte> source, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return new StrncpyResult(0, false, LinuxError.None);
        }

        ulong address = source.Address.Value;
        if (!CopyEngine.IsUserRange(in access, address, 1))
        {
            return new StrncpyResult(0, false, LinuxError.EFAULT);
        }

        int done = 0;
        while (done < destination.Length)
        {
            ulong cursor = address + (ulong)done; // cannot wrap: the previous chunk ended inside an accepted range
            int chunk = CopyEngine.ChunkToPageEnd(cursor, destination.Length - done);
            LinuxError e = UserAccess.Prepare(in access, cursor, (ulong)chunk, MappingFlags.Read, out nuint kernel);
            if (e != LinuxError.None)
            {
                return new StrncpyResult(0, false, e);
            }

            Span<byte> piece = destination.Slice(done, chunk);
            int nul = NulTerminatedCopy.CopyUntilNul(KernelMemory.Bytes(kernel, chunk), piece);
            if (nul >= 0)
            {
                piece[(nul + 1)..].Clear(); // no user bytes from beyond the string stay in the kernel buffer
                return new StrncpyResult(done + nul, true, LinuxError.None);
            }

            done += chunk;
        }

        return new StrncpyResult(destination.Length, false, LinuxError.None);
    }

    /// <summary>
    /// Measures a NUL-terminated user string (<c>strnlen_user</c>), scanning no more than <paramref name="limit"/>
    /// bytes, one validated page at a time with a vectorized search.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="limit">The scan bound in bytes (NUL included).</param>
    /// <returns>Terminated with the length before the NUL; unterminated with <paramref name="limit"/> when no NUL lies
    /// within it; EFAULT when a byte to be scanned is not readable or the source is not a user address; ENOMEM when
    /// population fails. A zero limit gives an unterminated length 0 without touching memory.
    /// <see cref="StrnlenResult.ToLinuxReturn"/> maps this to Linux's number.</returns>
    public static StrnlenResult StrnlenUser(ref readonly UserAccess access, UserConstPtr<byte> source, ulong limit)
    {
        if (limit == 0)
        {
            return new StrnlenResult(0, false, 0, LinuxError.None);
        }

        ulong address = source.Address.Value;
        if (!CopyEngine.IsUserRange(in access, address, 1))
        {
            return new StrnlenResult(0, false, limit, LinuxError.EFAULT);
        }

        ulong scanned = 0;
        while (scanned < limit)
        {
            ulong cursor = address + scanned;
            int chunk = (int)Math.Min(limit - scanned, Pages.Size4K - (cursor & Pages.OffsetMask4K));
            LinuxError e = UserAccess.Prepare(in access, cursor, (ulong)chunk, MappingFlags.Read, out nuint kernel);
            if (e != LinuxError.None)
            {
                return new StrnlenResult(0, false, limit, e);
            }

            int nul = KernelMemory.Bytes(kernel, chunk).IndexOf((byte)0);
            if (nul >= 0)
            {
                return new StrnlenResult(scanned + (ulong)nul, true, limit, LinuxError.None);
            }

            scanned += (ulong)chunk;
        }

        return new StrnlenResult(limit, false, limit, LinuxError.None);
    }

    /// <summary>
    /// Copies a NUL-terminated byte string of at most <paramref name="maxBytes"/> bytes (NUL included) into a new
    /// array, without the NUL (gVisor's <c>CopyInString</c>). The bytes are returned as they are: no encoding is assumed.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="maxBytes">The bound, NUL included; above zero.</param>
    /// <returns>The string bytes; ENAMETOOLONG when no NUL lies within <paramref name="maxBytes"/>; EFAULT or ENOMEM as
    /// for <see cref="StrncpyFromUser(ref readonly UserAccess, UserConstPtr{byte}, Span{byte})"/>. Nothing on failure.</returns>
    public static UserResult<byte[]> CopyStringFromUser(ref readonly UserAccess access, UserConstPtr<byte> source, int maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (!CopyEngine.IsUserRange(in access, source.Address.Value, 1))
        {
            return LinuxError.EFAULT; // before renting a buffer sized by maxBytes
        }

        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= PathMax ? stackalloc byte[PathMax] : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            StrncpyResult r = StrncpyFromUser(in access, source, buffer[..maxBytes]);
            if (!r.IsOk)
            {
                return r.Error;
            }

            return r.IsTerminated ? buffer[..r.Length].ToArray() : LinuxError.ENAMETOOLONG;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Copies a NUL-terminated UTF-8 string of at most <paramref name="maxBytes"/> bytes (NUL included) and decodes it.
    /// Decoding is opt-in: paths and arguments are bytes in Linux, so prefer the byte forms for them.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="maxBytes">The bound, NUL included; above zero.</param>
    /// <returns>The string; EILSEQ when the bytes are not valid UTF-8; otherwise as
    /// <see cref="CopyStringFromUser(ref readonly UserAccess, UserConstPtr{byte}, int)"/>. Nothing on failure.</returns>
    public static UserResult<string> CopyUtf8StringFromUser(ref readonly UserAccess access, UserConstPtr<byte> source, int maxBytes)
    {
        UserResult<byte[]> bytes = CopyStringFromUser(in access, source, maxBytes);
        if (!bytes.TryGetValue(out byte[]? copy))
        {
            return bytes.Error;
        }

        // Validated and decoded from the kernel copy: the user cannot change it in between.
        return Utf8.IsValid(copy) ? Encoding.UTF8.GetString(copy) : LinuxError.EILSEQ;
    }

    /// <summary>Copies a string in a scope of its own. See <see cref="StrncpyFromUser(ref readonly UserAccess, UserConstPtr{byte}, Span{byte})"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="destination">The kernel buffer.</param>
    /// <returns>As the scoped overload; on failure the buffer holds the bytes read before the fault.</returns>
    public static StrncpyResult StrncpyFromUser(IAddrSpaceProvider provider, UserConstPtr<byte> source, Span<byte> destination)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return StrncpyFromUser(in access, source, destination);
    }

    /// <summary>Measures a string in a scope of its own. See <see cref="StrnlenUser(ref readonly UserAccess, UserConstPtr{byte}, ulong)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="limit">The scan bound.</param>
    /// <returns>As the scoped overload.</returns>
    public static StrnlenResult StrnlenUser(IAddrSpaceProvider provider, UserConstPtr<byte> source, ulong limit)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return StrnlenUser(in access, source, limit);
    }

    /// <summary>Copies a bounded string in a scope of its own. See <see cref="CopyStringFromUser(ref readonly UserAccess, UserConstPtr{byte}, int)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="maxBytes">The bound, NUL included.</param>
    /// <returns>The bytes, or ENAMETOOLONG/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<byte[]> CopyStringFromUser(IAddrSpaceProvider provider, UserConstPtr<byte> source, int maxBytes)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyStringFromUser(in access, source, maxBytes);
    }

    /// <summary>Copies and decodes a UTF-8 string in a scope of its own. See <see cref="CopyUtf8StringFromUser(ref readonly UserAccess, UserConstPtr{byte}, int)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="source">The first byte of the string.</param>
    /// <param name="maxBytes">The bound, NUL included.</param>
    /// <returns>The string, or EILSEQ/ENAMETOOLONG/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<string> CopyUtf8StringFromUser(IAddrSpaceProvider provider, UserConstPtr<byte> source, int maxBytes)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyUtf8StringFromUser(in access, source, maxBytes);
    }
}
