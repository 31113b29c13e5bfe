using System;

namespace UserMemory;

public static partial class UserCopy
{
    /// <summary>
    /// Copies a path name from user memory into <paramref name="buffer"/>, as Linux's <c>getname</c>: at most
    /// <see cref="PathMax"/> bytes including the NUL.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="path">The first byte of the path.</param>
    /// <param name="buffer">The kernel buffer; the bound is the smaller of its length and <see cref="PathMax"/>. The
    /// path is followed by its NUL in the buffer.</param>
    /// <param name="allowEmpty">True to accept the empty path (Linux's <c>AT_EMPTY_PATH</c> / <c>LOOKUP_EMPTY</c>);
    /// otherwise it is ENOENT.</param>
    /// <returns>The path length (NUL excluded); ENAMETOOLONG when no NUL lies within the bound (a 4095-byte path fits, a
    /// 4096-byte one does not); ENOENT for an empty path unless <paramref name="allowEmpty"/>; EFAULT when a byte before
    /// the NUL is not readable; ENOMEM when population fails. On failure the buffer content is unspecified.</returns>
    public static UserResult<int> CopyPathFromUser(ref readonly UserAccess access, UserConstPtr<byte> path, Span<byte> buffer, bool allowEmpty = false)
    {
        StrncpyResult r = StrncpyFromUser(in access, path, buffer[..Math.Min(buffer.Length, PathMax)]);
        if (!r.IsOk)
        {
            return r.Error;
        }

        if (!r.IsTerminated)
        {
            return LinuxError.ENAMETOOLONG;
        }

        return r.Length == 0 && !allowEmpty ? LinuxError.ENOENT : r.Length;
    }

    /// <summary>Copies a path name into a new array (without the NUL), as Linux's <c>getname</c>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="path">The first byte of the path.</param>
    /// <param name="allowEmpty">True to accept the empty path; otherwise it is ENOENT.</param>
    /// <returns>The path bytes; ENAMETOOLONG, ENOENT, EFAULT or ENOMEM as for
    /// <see cref="CopyPathFromUser(ref readonly UserAccess, UserConstPtr{byte}, Span{byte}, bool)"/>. Nothing on failure.</returns>
    public static UserResult<byte[]> CopyPathFromUser(ref readonly UserAccess access, UserConstPtr<byte> path, bool allowEmpty = false)
    {
        Span<byte> buffer = stackalloc byte[PathMax];
        UserResult<int> r = CopyPathFromUser(in access, path, buffer, allowEmpty);
        return r.TryGetValue(out int length) ? buffer[..length].ToArray() : r.Error;
    }

    /// <summary>Copies a path name in a scope of its own. See <see cref="CopyPathFromUser(ref readonly UserAccess, UserConstPtr{byte}, bool)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="path">The first byte of the path.</param>
    /// <param name="allowEmpty">True to accept the empty path.</param>
    /// <returns>The path bytes, or ENAMETOOLONG/ENOENT/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<byte[]> CopyPathFromUser(IAddrSpaceProvider provider, UserConstPtr<byte> path, bool allowEmpty = false)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyPathFromUser(in access, path, allowEmpty);
    }
}
