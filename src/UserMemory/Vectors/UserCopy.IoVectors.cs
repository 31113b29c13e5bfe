using System;

namespace UserMemory;

public static partial class UserCopy
{
    /// <summary>Linux's IOV_MAX (UIO_MAXIOV): the most elements a vectored system call accepts.</summary>
    public const int IovMax = 1024;

    /// <summary>
    /// Imports a user iovec array for <c>readv</c>/<c>writev</c>/<c>preadv</c> (Linux's <c>import_iovec</c>): copies it
    /// once into <paramref name="destination"/>, validates every element from that copy, and keeps only the non-empty
    /// ones, in order.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="vector">The user array of <paramref name="count"/> elements.</param>
    /// <param name="count">The element count as the system call received it (a negative <c>int</c> stays negative).</param>
    /// <param name="destination">Kernel storage for at least <c>min(count, IovMax)</c> elements (1024 × 16 bytes covers
    /// every valid call); a smaller one is a programming error (<see cref="ArgumentException"/>) once
    /// <paramref name="count"/> is known to be valid.</param>
    /// <param name="imported">The number of non-empty elements now at the start of <paramref name="destination"/>.</param>
    /// <param name="totalLength">The sum of all lengths.</param>
    /// <returns><see cref="LinuxError.None"/>; EINVAL when <paramref name="count"/> is negative or above
    /// <see cref="IovMax"/>, when a length exceeds SSIZE_MAX (<see cref="long.MaxValue"/>) or when the total does;
    /// EFAULT when the array is not readable or an element's buffer reaches past the end of user space (Linux's
    /// <c>access_ok</c>, which checks only that upper bound, so <c>{NULL, 0}</c> is accepted; whether a buffer is mapped
    /// is found out by the copy); ENOMEM when population fails. The first bad
    /// element decides, in order. On failure <paramref name="imported"/> and <paramref name="totalLength"/> are 0.
    /// A zero count succeeds without reading the array.</returns>
    /// <remarks>Linux itself clamps a total above MAX_RW_COUNT (0x7FFFF000) instead of failing; like Linux's
    /// <c>read</c>/<c>write</c>, the system-call layer applies that clamp to the transfer size.</remarks>
    public static LinuxError ImportIoVectors(ref readonly UserAccess access, UserConstPtr<IoVec> vector, long count, Span<IoVec> destination, out int imported, out ulong totalLength)
    {
        imported = 0;
        totalLength = 0;
        if (count < 0 || count > IovMax)
        {
            return LinuxError.EINVAL;
        }

        if (count == 0)
        {
            return LinuxError.None;
        }

        if (destination.Length < count)
        {
            ThrowHelper.ThrowArgument(nameof(destination), "The iovec storage is smaller than the element count.");
        }

        Span<IoVec> elements = destination[..(int)count];
        CopyResult copied = CopyIn(in access, vector, elements);
        if (!copied.IsOk)
        {
            return copied.Error;
        }

        int kept = 0;
        ulong total = 0;
        for (int i = 0; i < elements.Length; i++)
        {
            IoVec v = elements[i];
            if (v.Length > long.MaxValue)
            {
                return LinuxError.EINVAL;
            }

            if (!CopyEngine.IsBelowUserEnd(in access, v.Base, v.Length))
            {
                return LinuxError.EFAULT;
            }

            total += v.Length; // both terms are at most long.MaxValue: no wrap
            if (total > long.MaxValue)
            {
                return LinuxError.EINVAL;
            }

            if (v.Length != 0)
            {
                elements[kept++] = v;
            }
        }

        imported = kept;
        totalLength = total;
        return LinuxError.None;
    }

    /// <summary>Imports a user iovec array into a new array. See
    /// <see cref="ImportIoVectors(ref readonly UserAccess, UserConstPtr{IoVec}, long, Span{IoVec}, out int, out ulong)"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="vector">The user array.</param>
    /// <param name="count">The element count as received.</param>
    /// <returns>The non-empty elements in order; EINVAL, EFAULT or ENOMEM as for the span form. Nothing on failure.</returns>
    public static UserResult<IoVec[]> ImportIoVectors(ref readonly UserAccess access, UserConstPtr<IoVec> vector, long count)
    {
        if (count < 0 || count > IovMax)
        {
            return LinuxError.EINVAL;
        }

        Span<IoVec> storage = stackalloc IoVec[(int)count];
        LinuxError e = ImportIoVectors(in access, vector, count, storage, out int imported, out _);
        return e == LinuxError.None ? storage[..imported].ToArray() : e;
    }

    /// <summary>
    /// Scatters kernel bytes into user buffers (the copy-out half of <c>readv</c>): fills the iovec buffers in order,
    /// starting <paramref name="vectorOffset"/> bytes into the sequence, until <paramref name="source"/> or the buffers
    /// run out.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="vectors">The buffers, usually from <see cref="ImportIoVectors(ref readonly UserAccess, UserConstPtr{IoVec}, long, Span{IoVec}, out int, out ulong)"/>.</param>
    /// <param name="source">The kernel bytes.</param>
    /// <param name="vectorOffset">Bytes of the sequence to skip first (to continue an earlier transfer).</param>
    /// <returns>The bytes written; complete when <c>min(source.Length, buffer bytes after the offset)</c> were written.
    /// It stops at the first fault: EFAULT (not writable or not in user space) or ENOMEM, with the count written before
    /// it, which is what <c>readv</c> reports when it is above zero.</returns>
    public static CopyResult CopyOutVector(ref readonly UserAccess access, ReadOnlySpan<IoVec> vectors, ReadOnlySpan<byte> source, ulong vectorOffset = 0)
    {
        ulong done = 0;
        ulong skip = vectorOffset;
        foreach (IoVec v in vectors)
        {
            if (source.IsEmpty)
            {
                break;
            }

            if (skip >= v.Length)
            {
                skip -= v.Length;
                continue;
            }

            int length = (int)Math.Min(v.Length - skip, (ulong)source.Length);
            CopyResult r = CopyEngine.CopyOut(in access, v.Base + skip, source[..length]);
            done += r.BytesDone;
            if (!r.IsOk)
            {
                return new CopyResult((nuint)done, r.Error);
            }

            skip = 0;
            source = source[length..];
        }

        return CopyResult.Completed((nuint)done);
    }

    /// <summary>
    /// Gathers user buffers into kernel bytes (the copy-in half of <c>writev</c>): reads the iovec buffers in order,
    /// starting <paramref name="vectorOffset"/> bytes into the sequence, until <paramref name="destination"/> is full or
    /// the buffers run out.
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="vectors">The buffers.</param>
    /// <param name="destination">The kernel buffer.</param>
    /// <param name="vectorOffset">Bytes of the sequence to skip first.</param>
    /// <returns>The bytes read; complete when <c>min(destination.Length, buffer bytes after the offset)</c> were read.
    /// It stops at the first fault: EFAULT (not readable or not in user space) or ENOMEM, with the count read before it.
    /// The bytes of <paramref name="destination"/> past the count are cleared in every case.</returns>
    public static CopyResult CopyInVector(ref readonly UserAccess access, ReadOnlySpan<IoVec> vectors, Span<byte> destination, ulong vectorOffset = 0)
    {
        ulong done = 0;
        ulong skip = vectorOffset;
        Span<byte> rest = destination;
        foreach (IoVec v in vectors)
        {
            if (rest.IsEmpty)
            {
                break;
            }

            if (skip >= v.Length)
            {
                skip -= v.Length;
                continue;
            }

            int length = (int)Math.Min(v.Length - skip, (ulong)rest.Length);
            CopyResult r = CopyEngine.CopyIn(in access, v.Base + skip, rest[..length]);
            done += r.BytesDone;
            if (!r.IsOk)
            {
                rest[length..].Clear();
                return new CopyResult((nuint)done, r.Error);
            }

            skip = 0;
            rest = rest[length..];
        }

        rest.Clear();
        return CopyResult.Completed((nuint)done);
    }

    /// <summary>Imports an iovec array in a scope of its own. See <see cref="ImportIoVectors(ref readonly UserAccess, UserConstPtr{IoVec}, long)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="vector">The user array.</param>
    /// <param name="count">The element count as received.</param>
    /// <returns>The non-empty elements, or EINVAL/EFAULT/ENOMEM; nothing on failure.</returns>
    public static UserResult<IoVec[]> ImportIoVectors(IAddrSpaceProvider provider, UserConstPtr<IoVec> vector, long count)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return ImportIoVectors(in access, vector, count);
    }

    /// <summary>Scatters in a scope of its own. See <see cref="CopyOutVector(ref readonly UserAccess, ReadOnlySpan{IoVec}, ReadOnlySpan{byte}, ulong)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="vectors">The buffers.</param>
    /// <param name="source">The kernel bytes.</param>
    /// <param name="vectorOffset">Bytes of the sequence to skip first.</param>
    /// <returns>The bytes written and the errno of the first fault.</returns>
    public static CopyResult CopyOutVector(IAddrSpaceProvider provider, ReadOnlySpan<IoVec> vectors, ReadOnlySpan<byte> source, ulong vectorOffset = 0)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyOutVector(in access, vectors, source, vectorOffset);
    }

    /// <summary>Gathers in a scope of its own. See <see cref="CopyInVector(ref readonly UserAccess, ReadOnlySpan{IoVec}, Span{byte}, ulong)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="vectors">The buffers.</param>
    /// <param name="destination">The kernel buffer.</param>
    /// <param name="vectorOffset">Bytes of the sequence to skip first.</param>
    /// <returns>The bytes read and the errno of the first fault; the rest of the buffer is cleared.</returns>
    public static CopyResult CopyInVector(IAddrSpaceProvider provider, ReadOnlySpan<IoVec> vectors, Span<byte> destination, ulong vectorOffset = 0)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CopyInVector(in access, vectors, destination, vectorOffset);
    }
}
