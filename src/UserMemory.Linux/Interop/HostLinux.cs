using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Interop;

/// <summary>
/// Host Linux system calls, through libc's <c>syscall</c>, returning <c>-errno</c> on failure like the kernel does.
/// </summary>
/// <remarks>
/// Unsafe code of this library lives here (with its part <c>HostLinux.Threads.cs</c>, which starts host threads) and in
/// the CPU backends' native bindings. Invariants:
/// <list type="number">
/// <item>Guest memory reaches this class only as spans the core handed out (validated and populated inside an open
/// <c>UserAccess</c> scope) or as managed copies; a span is pinned for the duration of one host call only and its
/// length is what the host call is told.</item>
/// <item>Host system calls never raise a signal for a bad pointer (they answer EFAULT), so even a wrong length could
/// not crash the process; the invariant above keeps them correct as well.</item>
/// <item>Strings passed to the host are managed, NUL-terminated byte arrays.</item>
/// </list>
/// </remarks>
public static unsafe partial class HostLinux
{
    private const string Libc = "libc.so.6";

    private const long RlimitCore = 4;
    private const long SignalSetSize = 8;

    /// <summary>Marks an argument slot that receives no span.</summary>
    public const int NoSlot = -1;

    /// <summary>Makes a host system call with plain integer arguments.</summary>
    /// <param name="number">The host syscall number (x86-64).</param>
    /// <param name="a0">Argument 1.</param>
    /// <param name="a1">Argument 2.</param>
    /// <param name="a2">Argument 3.</param>
    /// <param name="a3">Argument 4.</param>
    /// <param name="a4">Argument 5.</param>
    /// <param name="a5">Argument 6.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    public static long Syscall(long number, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0, long a5 = 0)
    {
        long r = syscall(number, a0, a1, a2, a3, a4, a5);
        return r == -1 ? -Marshal.GetLastPInvokeError() : r;
    }

    /// <summary>Makes a host system call with up to two memory arguments: the address of <paramref name="first"/>
    /// replaces argument <paramref name="firstSlot"/>, that of <paramref name="second"/> argument
    /// <paramref name="secondSlot"/> (0-based; <see cref="NoSlot"/> for none).</summary>
    /// <param name="number">The host syscall number.</param>
    /// <param name="first">The first buffer.</param>
    /// <param name="firstSlot">Which argument it is.</param>
    /// <param name="second">The second buffer.</param>
    /// <param name="secondSlot">Which argument it is.</param>
    /// <param name="args">Six arguments; the slots named above are overwritten.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    public static long Syscall(long number, Span<byte> first, int firstSlot, Span<byte> second, int secondSlot, ReadOnlySpan<long> args)
    {
        Span<long> a = stackalloc long[6];
        args.CopyTo(a);
        fixed (byte* p0 = first)
        fixed (byte* p1 = second)
        {
            if (firstSlot >= 0)
            {
                a[firstSlot] = first.IsEmpty ? 0 : (long)p0;
            }

            if (secondSlot >= 0)
            {
                a[secondSlot] = second.IsEmpty ? 0 : (long)p1;
            }

            return Syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
        }
    }

    /// <summary>Makes a host system call with three memory arguments (e.g. <c>getxattr</c>: path, name, value), as
    /// the two-buffer overload; an empty buffer passes NULL.</summary>
    /// <param name="number">The host syscall number.</param>
    /// <param name="first">The first buffer.</param>
    /// <param name="firstSlot">Which argument it is.</param>
    /// <param name="second">The second buffer.</param>
    /// <param name="secondSlot">Which argument it is.</param>
    /// <param name="third">The third buffer.</param>
    /// <param name="thirdSlot">Which argument it is.</param>
    /// <param name="args">Six arguments; the slots named above are overwritten.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    internal static long Syscall(long number, Span<byte> first, int firstSlot, Span<byte> second, int secondSlot, Span<byte> third, int thirdSlot, ReadOnlySpan<long> args)
    {
        Span<long> a = stackalloc long[6];
        args.CopyTo(a);
        fixed (byte* p2 = third)
        {
            a[thirdSlot] = third.IsEmpty ? 0 : (long)p2;
            return Syscall(number, first, firstSlot, second, secondSlot, a);
        }
    }

    /// <summary><c>sendmsg</c> or <c>recvmsg</c> on a host socket with one data buffer: builds the <c>msghdr</c> (name,
    /// one <c>iovec</c>, control) over the pinned spans for the duration of the call.</summary>
    /// <param name="number">46 (sendmsg) or 47 (recvmsg).</param>
    /// <param name="fd">The host socket.</param>
    /// <param name="name">The address (sent, or room for the received one); empty for none.</param>
    /// <param name="data">The bytes to send, or room for the received ones.</param>
    /// <param name="control">Ancillary data to send, or room for the received; empty for none.</param>
    /// <param name="flags">The <c>MSG_*</c> flags.</param>
    /// <param name="nameLength">After a receive, the address length the host wrote.</param>
    /// <param name="controlLength">After a receive, the ancillary length the host wrote.</param>
    /// <param name="messageFlags">After a receive, <c>msg_flags</c>.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    internal static long SocketMessage(long number, long fd, Span<byte> name, Span<byte> data, Span<byte> control, long flags, out int nameLength, out int controlLength, out int messageFlags)
    {
        fixed (byte* pName = name)
        fixed (byte* pData = data)
        fixed (byte* pControl = control)
        {
            // struct iovec { void *base; size_t len; } and struct msghdr { void *name; int namelen; struct iovec *iov;
            // size_t iovlen; void *control; size_t controllen; int flags; } (x86-64, 56 bytes).
            ulong* iov = stackalloc ulong[2];
            iov[0] = (ulong)pData;
            iov[1] = (ulong)data.Length;
            ulong* header = stackalloc ulong[7];
            header[0] = name.IsEmpty ? 0 : (ulong)pName;
            header[1] = (ulong)name.Length;
            header[2] = (ulong)iov;
            header[3] = 1;
            header[4] = control.IsEmpty ? 0 : (ulong)pControl;
            header[5] = (ulong)control.Length;
            header[6] = 0;
            long r = Syscall(number, fd, (long)header, flags);
            nameLength = (int)header[1];
            controlLength = (int)header[5];
            messageFlags = (int)header[6];
            return r;
        }
    }

    /// <summary>preadv2 or pwritev2 at the current position on one kernel buffer (a one-element <c>iovec</c> built
    /// over the pinned span for the duration of the call).</summary>
    /// <param name="number">The host syscall (preadv2 or pwritev2).</param>
    /// <param name="fd">The host descriptor.</param>
    /// <param name="data">The buffer.</param>
    /// <param name="flags">The RWF_* flags.</param>
    /// <returns>The bytes moved, or <c>-errno</c>.</returns>
    internal static long VectorTransfer(long number, long fd, Span<byte> data, long flags)
    {
        const long CurrentPosition = -1;
        fixed (byte* pData = data)
        {
            ulong* iov = stackalloc ulong[2];
            iov[0] = (ulong)pData;
            iov[1] = (ulong)data.Length;
            return Syscall(number, fd, (long)iov, 1, CurrentPosition, 0, flags);
        }
    }

    /// <summary><c>ioctl(fd, SIOCGIFCONF)</c> with a <c>struct ifconf</c> built over the pinned span for the duration
    /// of the call: the host writes whole <c>struct ifreq</c> records into <paramref name="records"/>, or, with
    /// <paramref name="sizeOnly"/>, only reports how many bytes all of them need.</summary>
    /// <param name="fd">The host socket.</param>
    /// <param name="records">Room for the records (ignored with <paramref name="sizeOnly"/>).</param>
    /// <param name="sizeOnly">Pass a NULL buffer (Linux then answers the size needed).</param>
    /// <param name="length">The <c>ifc_len</c> the host wrote back.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    internal static long InterfaceConfiguration(long fd, Span<byte> records, bool sizeOnly, out int length)
    {
        const long GetInterfaceConfiguration = 0x8912; // SIOCGIFCONF
        fixed (byte* pRecords = records)
        {
            // struct ifconf { int ifc_len; /* 4 bytes of padding */ char *ifc_buf; } (x86-64, 16 bytes).
            ulong* ifconf = stackalloc ulong[2];
            ifconf[0] = sizeOnly ? 0 : (uint)records.Length;
            ifconf[1] = sizeOnly ? 0 : (ulong)pRecords;
            long r = Syscall((long)SyscallNumber.Ioctl, fd, GetInterfaceConfiguration, (long)ifconf);
            length = (int)(uint)ifconf[0];
            return r;
        }
    }

    /// <summary>True when host descriptor <paramref name="fd"/> is a socket (<c>fstat</c>'s file type).</summary>
    /// <param name="fd">The host descriptor.</param>
    /// <returns>Whether it is open and a socket.</returns>
    internal static bool IsSocket(long fd) => HasFileType(fd, SocketFileType);

    /// <summary>True when host descriptor <paramref name="fd"/> (open or <c>O_PATH</c>) is a FIFO.</summary>
    /// <param name="fd">The host descriptor.</param>
    /// <returns>Whether it is open and a FIFO.</returns>
    internal static bool IsFifo(long fd) => HasFileType(fd, FifoFileType);

    /// <summary>True when host descriptor <paramref name="fd"/> is a pipe, a FIFO or a socket: a transfer on it waits
    /// for another process, and supports <c>RWF_NOWAIT</c>.</summary>
    /// <param name="fd">The host descriptor.</param>
    /// <returns>Whether it is open and a stream.</returns>
    internal static bool IsStream(long fd) => FileType(fd) is FifoFileType or SocketFileType;

    /// <summary><c>S_IFMT</c>: the file-type bits of <c>st_mode</c>.</summary>
    internal const uint FileTypeMask = 0xF000;

    /// <summary><c>S_IFIFO</c>.</summary>
    internal const uint FifoFileType = 0x1000;

    /// <summary><c>S_IFSOCK</c>.</summary>
    internal const uint SocketFileType = 0xC000;

    /// <summary><c>S_IFDIR</c>.</summary>
    internal const uint DirectoryFileType = 0x4000;

    /// <summary>Whether <paramref name="fd"/> is open and its <c>fstat</c> file type is <paramref name="type"/>.</summary>
    private static bool HasFileType(long fd, uint type) => FileType(fd) == type;

    /// <summary>The runner's <c>/proc/self/fd/N</c> magic link for one of its host descriptors: the file behind the
    /// descriptor itself, whatever its name (or lack of one) now.</summary>
    /// <param name="fd">The host descriptor.</param>
    /// <param name="withNul">End the bytes with a NUL, for a host call that takes the path.</param>
    /// <returns>The path bytes.</returns>
    internal static byte[] SelfFdPath(long fd, bool withNul = true) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{fd}{(withNul ? "\0" : string.Empty)}"));

    /// <summary>The <c>fstat</c> file type (<c>st_mode &amp; S_IFMT</c>) of <paramref name="fd"/>, or 0 when it is not
    /// open.</summary>
    internal static uint FileType(long fd)
    {
        const int StatModeOffset = 24; // st_mode in the x86-64 struct stat
        Span<byte> stat = stackalloc byte[System.Runtime.CompilerServices.Unsafe.SizeOf<Stat>()];
        return Syscall((long)SyscallNumber.Fstat, stat, 1, [fd, 0, 0, 0, 0, 0]) == 0
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(stat[StatModeOffset..]) & FileTypeMask
            : 0;
    }

    /// <summary>Makes a host system call with one memory argument.</summary>
    /// <param name="number">The host syscall number.</param>
    /// <param name="buffer">The buffer.</param>
    /// <param name="slot">Which argument (0-based) receives its address.</param>
    /// <param name="args">Six arguments.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    public static long Syscall(long number, Span<byte> buffer, int slot, ReadOnlySpan<long> args) =>
        Syscall(number, buffer, slot, default, NoSlot, args);

    /// <summary>select or pselect6 on one buffer holding the read, write and except sets (128 bytes each) and then
    /// the timeout (16 bytes).</summary>
    /// <param name="number">23 (select) or 270 (pselect6).</param>
    /// <param name="count">nfds.</param>
    /// <param name="block">The buffer.</param>
    /// <param name="hasTimeout">False for "wait forever".</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    public static long SelectBlock(long number, int count, byte[] block, bool hasTimeout)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (block.Length < (3 * 128) + 16)
        {
            throw new ArgumentException("The block is too small.", nameof(block));
        }

        fixed (byte* p = block)
        {
            return Syscall(number, count, (long)p, (long)(p + 128), (long)(p + 256), hasTimeout ? (long)(p + 384) : 0, 0);
        }
    }

    /// <summary>getresuid/getresgid into one 12-byte buffer (three 32-bit ids).</summary>
    /// <param name="number">118 or 120.</param>
    /// <param name="ids">The buffer.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    public static long ResIds(long number, byte[] ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Length < 12)
        {
            throw new ArgumentException("Need 12 bytes.", nameof(ids));
        }

        fixed (byte* p = ids)
        {
            return Syscall(number, (long)p, (long)(p + 4), (long)(p + 8));
        }
    }

    /// <summary>Copies file bytes straight into host memory of the address space's kernel view (fork restore).</summary>
    /// <param name="fd">The file.</param>
    /// <param name="destination">The host address (kernel view of a populated guest range).</param>
    /// <param name="length">Bytes.</param>
    /// <param name="offset">File offset.</param>
    /// <returns>Bytes read, or <c>-errno</c>.</returns>
    public static long ReadAt(int fd, nint destination, ulong length, long offset) => Syscall((long)SyscallNumber.Pread64, fd, destination, (long)length, offset);

    /// <summary>Copies host memory of the kernel view into a file (fork snapshot).</summary>
    /// <param name="fd">The file.</param>
    /// <param name="source">The host address.</param>
    /// <param name="length">Bytes.</param>
    /// <param name="offset">File offset.</param>
    /// <returns>Bytes written, or <c>-errno</c>.</returns>
    public static long WriteAt(int fd, nint source, ulong length, long offset) => Syscall((long)SyscallNumber.Pwrite64, fd, source, (long)length, offset);

    /// <summary>Which pages of a host range are resident (<c>mincore</c>): for the memfd-backed kernel view, the
    /// pages that were ever written, whoever wrote them (the core or the emulated CPU).</summary>
    /// <param name="start">Page-aligned host address.</param>
    /// <param name="length">Length.</param>
    /// <param name="vector">One byte per page; bit 0 set when resident.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    public static long Residency(nint start, ulong length, byte[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        fixed (byte* v = vector)
        {
            return Syscall((long)SyscallNumber.Mincore, start, (long)length, (long)v);
        }
    }

    /// <summary>Writes a managed buffer to a descriptor, all of it (retrying short writes).</summary>
    /// <param name="fd">The host descriptor.</param>
    /// <param name="data">The bytes.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    public static long WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            return TransferAll((long)SyscallNumber.Write, fd, p, data.Length, offset: -1);
        }
    }

    /// <summary>Reads exactly <paramref name="data"/>.Length bytes from a descriptor at an offset.</summary>
    /// <param name="fd">The host descriptor.</param>
    /// <param name="data">Receives the bytes.</param>
    /// <param name="offset">The file offset.</param>
    /// <returns>0 or <c>-errno</c> (-EIO when the file is short).</returns>
    public static long ReadExactlyAt(int fd, Span<byte> data, long offset)
    {
        fixed (byte* p = data)
        {
            return TransferAll((long)SyscallNumber.Pread64, fd, p, data.Length, offset);
        }
    }

    /// <summary>The retry loop behind <see cref="WriteAll"/> and <see cref="ReadExactlyAt"/>: repeats the transfer
    /// until <paramref name="length"/> bytes moved, retrying EINTR; a transfer of 0 bytes is -EIO. A negative
    /// <paramref name="offset"/> means the descriptor's own position (no offset argument).</summary>
    private static long TransferAll(long number, int fd, byte* p, int length, long offset)
    {
        int done = 0;
        while (done < length)
        {
            long r = offset < 0
                ? Syscall(number, fd, (long)(p + done), length - done)
                : Syscall(number, fd, (long)(p + done), length - done, offset + done);
            if (r == -(long)LinuxError.EINTR)
            {
                continue;
            }

            if (r <= 0)
            {
                return r < 0 ? r : -(long)LinuxError.EIO;
            }

            done += (int)r;
        }

        return 0;
    }

    /// <summary>Starts the program at <paramref name="path"/> as a child process (<c>posix_spawn</c>); the child inherits
    /// every descriptor without close-on-exec, the signal mask and ignored signals.</summary>
    /// <param name="path">NUL-terminated path.</param>
    /// <param name="argv">NUL-terminated arguments.</param>
    /// <returns>The child's pid, or <c>-errno</c>.</returns>
    public static long Spawn(byte[] path, byte[][] argv) => Spawn(path, argv, null);

    /// <summary>Starts the program at <paramref name="path"/> as a child process (<c>posix_spawn</c>) with the
    /// environment <paramref name="envp"/> (this process's own when null); the child inherits every descriptor
    /// without close-on-exec, the signal mask and ignored signals.</summary>
    /// <param name="path">NUL-terminated path.</param>
    /// <param name="argv">NUL-terminated arguments.</param>
    /// <param name="envp">NUL-terminated environment entries, or null for this process's environment.</param>
    /// <returns>The child's pid, or <c>-errno</c>.</returns>
    public static long Spawn(byte[] path, byte[][] argv, byte[][]? envp)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(argv);
        int envCount = envp?.Length ?? 0;
        GCHandle[] handles = new GCHandle[argv.Length + 1 + envCount];
        nint* vector = stackalloc nint[argv.Length + 1];
        nint* env = stackalloc nint[envCount + 1];
        try
        {
            handles[argv.Length] = GCHandle.Alloc(path, GCHandleType.Pinned);
            for (int i = 0; i < argv.Length; i++)
            {
                handles[i] = GCHandle.Alloc(argv[i], GCHandleType.Pinned);
                vector[i] = handles[i].AddrOfPinnedObject();
            }

            vector[argv.Length] = 0;
            for (int i = 0; i < envCount; i++)
            {
                handles[argv.Length + 1 + i] = GCHandle.Alloc(envp![i], GCHandleType.Pinned);
                env[i] = handles[argv.Length + 1 + i].AddrOfPinnedObject();
            }

            env[envCount] = 0;
            int pid;
            int rc = posix_spawn(&pid, handles[argv.Length].AddrOfPinnedObject(), 0, 0, vector, envp is null ? Environ() : (nint)env);
            return rc == 0 ? pid : -rc;
        }
        finally
        {
            foreach (GCHandle h in handles)
            {
                if (h.IsAllocated)
                {
                    h.Free();
                }
            }
        }
    }

    /// <summary>Replaces the process image (<c>execve</c>); returns only on failure.</summary>
    /// <param name="path">NUL-terminated path.</param>
    /// <param name="argv">NUL-terminated arguments.</param>
    /// <param name="envp">NUL-terminated environment entries.</param>
    /// <returns><c>-errno</c>.</returns>
    public static long Execute(byte[] path, byte[][] argv, byte[][] envp)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(argv);
        ArgumentNullException.ThrowIfNull(envp);
        byte[][] all = new byte[argv.Length + envp.Length + 1][];
        all[0] = path;
        argv.CopyTo(all, 1);
        envp.CopyTo(all, 1 + argv.Length);
        GCHandle[] handles = new GCHandle[all.Length];
        nint* vector = stackalloc nint[argv.Length + envp.Length + 2];
        try
        {
            for (int i = 0; i < all.Length; i++)
            {
                handles[i] = GCHandle.Alloc(all[i], GCHandleType.Pinned);
            }

            for (int i = 0; i < argv.Length; i++)
            {
                vector[i] = handles[1 + i].AddrOfPinnedObject();
            }

            vector[argv.Length] = 0;
            nint* env = vector + argv.Length + 1;
            for (int i = 0; i < envp.Length; i++)
            {
                env[i] = handles[1 + argv.Length + i].AddrOfPinnedObject();
            }

            env[envp.Length] = 0;
            return Syscall((long)SyscallNumber.Execve, handles[0].AddrOfPinnedObject(), (long)vector, (long)env);
        }
        finally
        {
            foreach (GCHandle h in handles)
            {
                if (h.IsAllocated)
                {
                    h.Free();
                }
            }
        }
    }

    /// <summary>The host process's environment as NUL-less byte strings (<c>environ</c>).</summary>
    /// <returns>The entries.</returns>
    public static byte[][] ReadEnvironment()
    {
        nint** env = (nint**)Environ();
        var list = new System.Collections.Generic.List<byte[]>();
        if (env != null)
        {
            for (nint* p = (nint*)env; *p != 0; p++)
            {
                list.Add(MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)*p).ToArray());
            }
        }

        return list.ToArray();
    }

    /// <summary>Ends the process at once with <paramref name="status"/> (<c>exit_group</c>), running nothing else.</summary>
    /// <param name="status">The exit status.</param>
    public static void ExitNow(int status)
    {
        _ = Syscall((long)SyscallNumber.ExitGroup, status);
    }

    /// <summary>Ends the process by <paramref name="signal"/> with the default action, so that its parent sees a real
    /// "killed by signal" wait status: resets the disposition, disables core dumps, unblocks and raises it.</summary>
    /// <param name="signal">The signal number.</param>
    public static void DieBySignal(int signal)
    {
        long* zeroLimit = stackalloc long[2];
        zeroLimit[0] = 0;
        zeroLimit[1] = 0;
        _ = Syscall((long)SyscallNumber.Setrlimit, RlimitCore, (long)zeroLimit);
        long* action = stackalloc long[4];
        action[0] = 0; // SIG_DFL
        action[1] = 0;
        action[2] = 0;
        action[3] = 0;
        _ = Syscall((long)SyscallNumber.RtSigaction, signal, (long)action, 0, SignalSetSize);
        ulong* mask = stackalloc ulong[1];
        mask[0] = 1UL << (signal - 1);
        _ = Syscall((long)SyscallNumber.RtSigprocmask, (long)SigProcMaskHow.Unblock, (long)mask, 0, SignalSetSize);
        long pid = Syscall((long)SyscallNumber.Getpid);
        long tid = Syscall((long)SyscallNumber.Gettid);
        _ = Syscall((long)SyscallNumber.Tgkill, pid, tid, signal);
        _ = Syscall((long)SyscallNumber.Kill, pid, signal);
        ExitNow(128 + signal);
    }

    private static nint Environ()
    {
        nint libc = NativeLibrary.Load(Libc);
        nint symbol = NativeLibrary.GetExport(libc, "environ");
        return *(nint*)symbol;
    }

    [LibraryImport(Libc, SetLastError = true)]
    private static partial long syscall(long number, long a0, long a1, long a2, long a3, long a4, long a5);

    [LibraryImport(Libc)]
    private static partial int posix_spawn(int* pid, nint path, nint fileActions, nint attributes, nint* argv, nint envp);
}
