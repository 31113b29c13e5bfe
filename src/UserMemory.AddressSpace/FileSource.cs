using System;
using System.Threading;
using UserMemory.AddressSpace.Interop;

namespace UserMemory.AddressSpace;

/// <summary>
/// The file behind a private file mapping (<c>MAP_PRIVATE</c> of a regular file) whose pages are read in on first
/// touch (<see cref="AddrSpace.MapPrivateFile"/>): a close-on-exec duplicate of the guest's descriptor, held by every
/// area (and piece of an area) reading from it and closed when the last one goes.
/// </summary>
/// <remarks>The descriptor is the runner's own and never reaches the guest: it is not in the guest's descriptor table,
/// and it is used only with <c>pread</c> and <c>fstat</c> (which never move a file position the guest shares).</remarks>
internal sealed class FileSource
{
    private int _references = 1;

    private FileSource(int fd) => Fd = fd;

    /// <summary>The duplicated descriptor, valid while a reference remains.</summary>
    public int Fd { get; }

    /// <summary>Serializes reading pages in, so that a page is filled once and never over a store made after it was
    /// populated (population runs under the space's shared lock, on any number of threads).</summary>
    public object FillLock { get; } = new();

    /// <summary>A file source holding a close-on-exec duplicate of <paramref name="fd"/>; the caller keeps its own
    /// descriptor and holds the returned reference.</summary>
    /// <param name="fd">A descriptor open for reading on a regular file.</param>
    /// <param name="errno">Why no source was made (EBADF, EMFILE, ENFILE...), else None.</param>
    /// <returns>The source, or null when the descriptor cannot be duplicated (<paramref name="errno"/> says why).</returns>
    /// <remarks>The source prefers a description of its own (<c>/proc/self/fd/N</c> reopened read-only), on which it
    /// may <c>lseek</c> to skip the file's holes (<see cref="SeeksPrivately"/>); when that open is refused (no
    /// <c>/proc</c>, or the file's permissions changed since the guest opened it) it duplicates the descriptor and
    /// never seeks, since a duplicate shares the guest's file position.</remarks>
    public static FileSource? TryCreate(int fd, out LinuxError errno)
    {
        if (fd < 0)
        {
            errno = LinuxError.EBADF;
            return null;
        }

        int own = Libc.Open(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/proc/self/fd/{fd}"), Libc.ORdOnly | Libc.OCloexec);
        if (own >= 0)
        {
            errno = LinuxError.None;
            return new FileSource(own) { SeeksPrivately = true };
        }

        int copy = Libc.Fcntl(fd, Libc.FDupFdCloexec, 0);
        if (copy < 0)
        {
            errno = (LinuxError)Libc.LastError;
            return null;
        }

        errno = LinuxError.None;
        return new FileSource(copy);
    }

    /// <summary>A file source for a descriptor a snapshot carried (<see cref="AddrSpaceSnapshot.FileDescriptors"/>,
    /// possibly received from another process): a close-on-exec duplicate of it; the caller keeps its own.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="seeksPrivately">Whether the snapshot's source had a file description of its own (the duplicate
    /// shares it: <c>lseek</c> with <c>SEEK_DATA</c>/<c>SEEK_HOLE</c> answers from its argument, and every read is a
    /// <c>pread</c>, so sharing its position with the original is harmless).</param>
    /// <returns>The source, or null when the descriptor cannot be duplicated (closed, or no descriptor left).</returns>
    public static FileSource? TryDuplicate(int fd, bool seeksPrivately)
    {
        int copy = fd < 0 ? -1 : Libc.Fcntl(fd, Libc.FDupFdCloexec, 0);
        return copy < 0 ? null : new FileSource(copy) { SeeksPrivately = seeksPrivately };
    }

    /// <summary>True when <see cref="Fd"/> is a file description of its own, whose position nobody else uses, so
    /// <c>SEEK_DATA</c>/<c>SEEK_HOLE</c> may run on it.</summary>
    public bool SeeksPrivately { get; private init; }

    /// <summary>The file's size now, or -errno (<c>fstat</c>: it changes when anyone truncates or extends the file).</summary>
    public long Size() => HostMemory.TryFileSize(Fd);

    /// <summary>Whether the last reference is gone (the descriptor is closed).</summary>
    public bool IsClosed => Volatile.Read(ref _references) == 0;

    /// <summary>Takes a reference for one more area.</summary>
    /// <exception cref="ObjectDisposedException">The last reference is gone.</exception>
    public void AddReference()
    {
        if (!TryAddReference())
        {
            throw new ObjectDisposedException(nameof(FileSource));
        }
    }

    /// <summary>Takes a reference unless the last one is gone.</summary>
    /// <returns>False when the source is closed.</returns>
    public bool TryAddReference()
    {
        int current = Volatile.Read(ref _references);
        while (current > 0)
        {
            int seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>Drops a reference; closes the descriptor with the last one.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            HostMemory.Close(Fd);
        }
    }
}
