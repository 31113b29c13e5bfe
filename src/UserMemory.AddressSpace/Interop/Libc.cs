using System.Runtime.InteropServices;

namespace UserMemory.AddressSpace.Interop;

/// <summary>
/// The libc entry points the address space uses, with Linux's constant values (identical on x86-64 and arm64).
/// </summary>
/// <remarks>
/// Invariants (every caller is <see cref="HostMemory"/>, which upholds them):
/// <list type="number">
/// <item>Every address passed to <see cref="Mmap"/> with <see cref="MapFixed"/>, <see cref="Mprotect"/>,
/// <see cref="Munmap"/> or <see cref="Madvise"/> lies inside a reservation this library made and still owns;
/// <c>MAP_FIXED</c> never lands on memory the .NET runtime or anyone else owns.</item>
/// <item>Lengths and offsets are page multiples, computed without overflow by the caller.</item>
/// <item>File descriptors passed in are owned by this library (or lent by a caller for the duration of the call) and
/// are closed exactly once.</item>
/// </list>
/// Nothing here dereferences memory; the functions only change mappings and files.
/// </remarks>
internal static partial class Libc
{
    public const int ProtNone = 0;
    public const int ProtRead = 1;
    public const int ProtWrite = 2;
    public const int ProtExec = 4;

    public const int MapShared = 0x01;
    public const int MapPrivate = 0x02;
    public const int MapFixed = 0x10;
    public const int MapAnonymous = 0x20;
    public const int MapNoReserve = 0x4000;

    public const uint MfdCloexec = 0x0001;

    public const int FallocKeepSize = 0x01;
    public const int FallocPunchHole = 0x02;

    public const int SeekEnd = 2;
    public const int SeekData = 3;
    public const int SeekHole = 4;

    public const int FDupFdCloexec = 1030;
    public const int FGetFd = 1;
    public const int FSetFd = 2;

    public const int MadvDontNeed = 4;

    public const int MsAsync = 1;
    public const int MsSync = 4;

    public const int ORdOnly = 0;
    public const int OCloexec = 0x80000;

    public const int ENXIO = 6;
    public const int EINTR = 4;

    /// <summary>The value <c>mmap</c> returns on failure.</summary>
    public static readonly nint MapFailed = -1;

    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int Munmap(nint address, nuint length);

    [LibraryImport(Library, EntryPoint = "mprotect", SetLastError = true)]
    public static partial int Mprotect(nint address, nuint length, int protection);

    [LibraryImport(Library, EntryPoint = "msync", SetLastError = true)]
    public static partial int Msync(nint address, nuint length, int flags);

    [LibraryImport(Library, EntryPoint = "madvise", SetLastError = true)]
    public static partial int Madvise(nint address, nuint length, int advice);

    [LibraryImport(Library, EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport(Library, EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int Ftruncate(int fd, long length);

    [LibraryImport(Library, EntryPoint = "fallocate", SetLastError = true)]
    public static partial int Fallocate(int fd, int mode, long offset, long length);

    [LibraryImport(Library, EntryPoint = "lseek", SetLastError = true)]
    public static partial long Lseek(int fd, long offset, int whence);

    /// <summary>Bytes of <c>struct stat</c> (x86-64 and arm64).</summary>
    public const int StatSize = 144;

    /// <summary>Offset of <c>st_size</c> in <c>struct stat</c> (x86-64 and arm64).</summary>
    public const int StatSizeOffset = 48;

    /// <summary>Offset of <c>st_dev</c> in x86-64's <c>struct stat</c>.</summary>
    public const int StatDeviceOffset = 0;

    /// <summary>Offset of <c>st_ino</c> in x86-64's <c>struct stat</c>.</summary>
    public const int StatInodeOffset = 8;

    [LibraryImport(Library, EntryPoint = "fstat", SetLastError = true)]
    public static partial int Fstat(int fd, ref byte statBuffer);

    /// <summary>glibc's <c>sigaction</c> (its own <c>struct sigaction</c>; glibc supplies the restorer).</summary>
    [LibraryImport(Library, EntryPoint = "sigaction", SetLastError = true)]
    public static unsafe partial int Sigaction(int signal, byte* action, byte* previous);

    [LibraryImport(Library, EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint Pwrite(int fd, nint buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "pread", SetLastError = true)]
    public static partial nint Pread(int fd, nint buffer, nuint count, long offset);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(int fd, int command, int argument);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>The errno of the last failed call on this thread.</summary>
    public static int LastError => Marshal.GetLastPInvokeError();
}
