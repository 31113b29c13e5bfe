using System;
using System.Globalization;

namespace UserMemory.AddressSpace.Interop;

/// <summary>
/// The only code of this project that changes host mappings or touches host memory directly; everything else works
/// with numbers. Wraps <see cref="Libc"/> with error handling.
/// </summary>
/// <remarks>
/// <para>Invariants:</para>
/// <list type="number">
/// <item>Views are created by <see cref="MapView"/> and replaced only piecewise, inside their own bounds, with
/// <c>MAP_FIXED</c> (<see cref="MapFileFixed"/>) or re-protected (<see cref="Protect"/>) by <see cref="AddrSpace"/>
/// while it holds its exclusive lock; they are unmapped once, by <see cref="Unmap"/>, when the space is disposed.</item>
/// <item>The copy helpers are only given ranges inside a view of a memfd that is at least as large as the view, so
/// every byte is backed by the file (a hole reads as zero and is allocated on write): touching them cannot raise a
/// signal. The kernel view is always readable and writable, which is why copies go through it and never through the
/// guest view.</item>
/// <item>Failures the guest can provoke (the host running out of mappings or memory) are returned as errno values;
/// failures that mean the host or this library is broken (a reservation cannot be made, an fd cannot be closed)
/// throw <see cref="InvalidOperationException"/>.</item>
/// </list>
/// </remarks>
internal static unsafe class HostMemory
{
    /// <summary>Creates a close-on-exec memfd of <paramref name="size"/> bytes (sparse: no memory is used yet).</summary>
    public static int CreateMemfd(string name, ulong size)
    {
        int fd = Libc.MemfdCreate(name, Libc.MfdCloexec);
        if (fd < 0)
        {
            throw Failure("memfd_create", Libc.LastError);
        }

        if (Libc.Ftruncate(fd, checked((long)size)) != 0)
        {
            int errno = Libc.LastError;
            _ = Libc.Close(fd);
            throw Failure("ftruncate", errno);
        }

        return fd;
    }

    /// <summary>Maps <paramref name="size"/> bytes of <paramref name="fd"/> from offset 0 anywhere, shared, with
    /// <paramref name="protection"/>: one host mapping.</summary>
    public static nint MapView(int fd, ulong size, int protection)
    {
        nint address = Libc.Mmap(0, (nuint)size, protection, Libc.MapShared | Libc.MapNoReserve, fd, 0);
        if (address == Libc.MapFailed)
        {
            throw Failure("mmap", Libc.LastError);
        }

        return address;
    }

    /// <summary>Maps <paramref name="size"/> bytes of <paramref name="fd"/> from offset 0 anywhere, private
    /// (copy-on-write: stores stay in this process and never reach the file), with <paramref name="protection"/>.</summary>
    public static nint MapViewPrivate(int fd, ulong size, int protection)
    {
        nint address = Libc.Mmap(0, (nuint)size, protection, Libc.MapPrivate | Libc.MapNoReserve, fd, 0);
        if (address == Libc.MapFailed)
        {
            throw Failure("mmap(MAP_PRIVATE)", Libc.LastError);
        }

        return address;
    }

    /// <summary>Opens this process's page map (<c>/proc/self/pagemap</c>, close-on-exec) for
    /// <see cref="TryReadPageMap"/>; -1 when it cannot (no <c>/proc</c>, or a non-dumpable process that is not root).</summary>
    public static int TryOpenPageMap() => Libc.Open(PageMapPath, Libc.ORdOnly | Libc.OCloexec);

    /// <summary>Reads the page-map entries of the pages at host address <paramref name="address"/> (page-aligned),
    /// one 64-bit entry per page (<see cref="PageMapPresent"/>, <see cref="PageMapSwapped"/>,
    /// <see cref="PageMapFileOrShared"/>); false when the kernel refuses.</summary>
    public static bool TryReadPageMap(int pageMap, nint address, Span<ulong> entries)
    {
        long offset = (long)((ulong)address >> PageShift) * sizeof(ulong);
        fixed (ulong* first = entries)
        {
            nuint wanted = (nuint)entries.Length * sizeof(ulong);
            nuint done = 0;
            while (done < wanted)
            {
                nint n = Libc.Pread(pageMap, (nint)((byte*)first + done), wanted - done, offset + (long)done);
                if (n <= 0)
                {
                    if (n < 0 && Libc.LastError == Libc.EINTR)
                    {
                        continue;
                    }

                    return false;
                }

                done += (nuint)n;
            }
        }

        return true;
    }

    /// <summary>Page-map bit: the page is present in memory.</summary>
    public const ulong PageMapPresent = 1UL << 63;

    /// <summary>Page-map bit: the page is swapped out (only anonymous pages are).</summary>
    public const ulong PageMapSwapped = 1UL << 62;

    /// <summary>Page-map bit: the page is a file page (or shared anonymous), not a private copy.</summary>
    public const ulong PageMapFileOrShared = 1UL << 61;

    private const string PageMapPath = "/proc/self/pagemap";
    private const int PageShift = 12;

    /// <summary>Replaces <c>[address, address + size)</c> of a view with <paramref name="fd"/> at
    /// <paramref name="offset"/>; returns 0 or an errno.</summary>
    public static int MapFileFixed(nint address, ulong size, int protection, int fd, ulong offset)
    {
        nint result = Libc.Mmap(address, (nuint)size, protection, Libc.MapShared | Libc.MapFixed | Libc.MapNoReserve, fd, (long)offset);
        return result == Libc.MapFailed ? Libc.LastError : 0;
    }

    /// <summary>Changes the host protection of a page-aligned part of a view; returns 0 or an errno.</summary>
    public static int Protect(nint address, ulong size, int protection) =>
        Libc.Mprotect(address, (nuint)size, protection) == 0 ? 0 : Libc.LastError;

    /// <summary>Frees the file's pages in <c>[offset, offset + length)</c>: every mapping of them reads zero after.</summary>
    public static void PunchHole(int fd, ulong offset, ulong length)
    {
        if (Libc.Fallocate(fd, Libc.FallocPunchHole | Libc.FallocKeepSize, (long)offset, (long)length) != 0)
        {
            throw Failure("fallocate(PUNCH_HOLE)", Libc.LastError);
        }
    }

    /// <summary>Unmaps a whole view.</summary>
    public static void Unmap(nint address, ulong size)
    {
        if (address != 0 && Libc.Munmap(address, (nuint)size) != 0)
        {
            throw Failure("munmap", Libc.LastError);
        }
    }

    /// <summary>Closes a descriptor this library owns.</summary>
    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = Libc.Close(fd); // Linux releases the descriptor even when close reports an error.
        }
    }

    /// <summary>A close-on-exec duplicate of <paramref name="fd"/>.</summary>
    public static int Duplicate(int fd)
    {
        int copy = Libc.Fcntl(fd, Libc.FDupFdCloexec, 0);
        if (copy < 0)
        {
            throw Failure("fcntl(F_DUPFD_CLOEXEC)", Libc.LastError);
        }

        return copy;
    }

    /// <summary>The size of the file behind <paramref name="fd"/>.</summary>
    public static ulong FileSize(int fd)
    {
        long end = Libc.Lseek(fd, 0, Libc.SeekEnd);
        if (end < 0)
        {
            throw Failure("lseek(SEEK_END)", Libc.LastError);
        }

        return (ulong)end;
    }

    /// <summary>The size of the file behind <paramref name="fd"/>, or -errno. Uses <c>fstat</c>, never
    /// <c>lseek</c>: the descriptor may share its file position with a guest's.</summary>
    public static long TryFileSize(int fd)
    {
        Span<byte> stat = stackalloc byte[Libc.StatSize];
        return Libc.Fstat(fd, ref stat[0]) == 0
            ? System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(stat[Libc.StatSizeOffset..])
            : -Libc.LastError;
    }

    /// <summary>The device and inode of the file behind <paramref name="fd"/> (<c>fstat</c>); false when it cannot be
    /// read.</summary>
    public static bool TryFileIdentity(int fd, out ulong device, out ulong inode)
    {
        Span<byte> stat = stackalloc byte[Libc.StatSize];
        if (Libc.Fstat(fd, ref stat[0]) != 0)
        {
            device = inode = 0;
            return false;
        }

        device = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(stat[Libc.StatDeviceOffset..]);
        inode = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(stat[Libc.StatInodeOffset..]);
        return true;
    }

    /// <summary>Writes dirty pages of a host mapping back to its file (<c>msync</c>); 0 or an errno.</summary>
    public static int Sync(nint address, ulong size, bool wait) =>
        Libc.Msync(address, (nuint)size, wait ? Libc.MsSync : Libc.MsAsync) == 0 ? 0 : Libc.LastError;

    /// <summary>The first offset at or after <paramref name="from"/> that holds data, or -1 when only holes follow.</summary>
    public static long NextData(int fd, ulong from)
    {
        long r = Libc.Lseek(fd, (long)from, Libc.SeekData);
        if (r >= 0)
        {
            return r;
        }

        int errno = Libc.LastError;
        return errno == Libc.ENXIO ? -1 : throw Failure("lseek(SEEK_DATA)", errno);
    }

    /// <summary>The first hole at or after <paramref name="from"/> (the file's end counts as a hole).</summary>
    public static long NextHole(int fd, ulong from)
    {
        long r = Libc.Lseek(fd, (long)from, Libc.SeekHole);
        return r >= 0 ? r : throw Failure("lseek(SEEK_HOLE)", Libc.LastError);
    }

    /// <summary>The first data extent of <paramref name="fd"/> in <c>[from, to)</c>, clipped to <paramref name="to"/>
    /// (<c>SEEK_DATA</c>, then <c>SEEK_HOLE</c>).</summary>
    /// <returns>False when only holes lie in <c>[from, to)</c>.</returns>
    public static bool TryFindDataExtent(int fd, ulong from, ulong to, out ulong start, out ulong end)
    {
        long data = from < to ? NextData(fd, from) : -1;
        if (data < 0 || (ulong)data >= to)
        {
            start = end = to;
            return false;
        }

        start = (ulong)data;
        end = Math.Min((ulong)NextHole(fd, start), to);
        return true;
    }

    /// <summary>Writes <paramref name="length"/> bytes at host address <paramref name="source"/> (a kernel view) to
    /// <paramref name="fd"/> at <paramref name="offset"/>; 0 or an errno (ENOMEM/ENOSPC when the host is out of memory).</summary>
    public static int WriteToFile(int fd, nint source, ulong length, ulong offset)
    {
        while (length > 0)
        {
            nuint chunk = (nuint)Math.Min(length, 1UL << 30);
            nint written = Libc.Pwrite(fd, source, chunk, (long)offset);
            if (written < 0)
            {
                int errno = Libc.LastError;
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                return errno;
            }

            source += written;
            offset += (ulong)written;
            length -= (ulong)written;
        }

        return 0;
    }

    /// <summary>Reads up to <paramref name="length"/> bytes of <paramref name="fd"/> from <paramref name="offset"/>
    /// into host memory at <paramref name="destination"/> (<c>pread</c>, repeated after short reads and EINTR);
    /// stops at the file's end.</summary>
    /// <returns>The bytes read, or -errno.</returns>
    public static long ReadFromFile(int fd, nint destination, ulong length, ulong offset)
    {
        ulong done = 0;
        while (done < length)
        {
            nuint chunk = (nuint)Math.Min(length - done, 1UL << 30);
            nint read = Libc.Pread(fd, destination + (nint)done, chunk, (long)(offset + done));
            if (read < 0)
            {
                int errno = Libc.LastError;
                if (errno == Libc.EINTR)
                {
                    continue;
                }

                return -errno;
            }

            if (read == 0)
            {
                break;
            }

            done += (ulong)read;
        }

        return (long)done;
    }

    /// <summary>Zeroes <paramref name="length"/> bytes of a kernel view at <paramref name="destination"/>.</summary>
    public static void Zero(nint destination, ulong length) =>
        new Span<byte>((void*)destination, checked((int)length)).Clear();

    /// <summary>Writes <paramref name="source"/> to <paramref name="fd"/> at <paramref name="offset"/>; 0 or an errno
    /// (ENOMEM/ENOSPC when the host is out of memory). Filling a memfd this way allocates its pages inside the
    /// write, with no host page fault per page as a copy through a view of it would take.</summary>
    public static int WriteToFile(int fd, ReadOnlySpan<byte> source, ulong offset)
    {
        fixed (byte* bytes = source)
        {
            return WriteToFile(fd, (nint)bytes, (ulong)source.Length, offset);
        }
    }

    /// <summary>Copies bytes into a kernel view.</summary>
    public static void CopyIn(ReadOnlySpan<byte> source, nint destination) =>
        source.CopyTo(new Span<byte>((void*)destination, source.Length));

    /// <summary>Copies bytes out of a kernel view.</summary>
    public static void CopyOut(nint source, Span<byte> destination) =>
        new ReadOnlySpan<byte>((void*)source, destination.Length).CopyTo(destination);

    /// <summary>The host protection of the guest view for an area's flags: read, write and execute carry over.</summary>
    public static int GuestProtection(MappingFlags flags)
    {
        int prot = Libc.ProtNone;
        if ((flags & MappingFlags.Read) != 0)
        {
            prot |= Libc.ProtRead;
        }

        if ((flags & MappingFlags.Write) != 0)
        {
            prot |= Libc.ProtWrite;
        }

        if ((flags & MappingFlags.Execute) != 0)
        {
            prot |= Libc.ProtExec;
        }

        return prot;
    }

    private static InvalidOperationException Failure(string call, int errno) =>
        new(string.Create(CultureInfo.InvariantCulture, $"{call} failed: {((LinuxError)errno).Name()} ({errno})."));
}
