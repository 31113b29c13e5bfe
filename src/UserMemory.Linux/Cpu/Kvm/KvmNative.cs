using System;
using System.Runtime.InteropServices;

namespace UserMemory.Linux.Cpu.Kvm;

/// <summary>
/// The host calls the KVM backend needs: <c>open</c>/<c>close</c> of <c>/dev/kvm</c>, <c>ioctl</c> on the KVM, VM and
/// vCPU descriptors, anonymous and shared <c>mmap</c>, <c>tgkill</c> and the no-op handler for stop requests.
/// </summary>
/// <remarks>
/// One of the two files of the KVM backend with unsafe code. Invariants:
/// <list type="number">
/// <item>Every pointer handed to an <c>ioctl</c> points to a pinned or stack-allocated structure whose size is the
/// size encoded in the request number (the request constants in <see cref="KvmAbi"/> are derived from those
/// sizes), or to a buffer at least as large as the count written in its header.</item>
/// <item>Memory this class maps is unmapped only by its owner's <c>Dispose</c>, after every vCPU of the VM has been
/// closed, so KVM never holds a memory slot whose host memory is gone.</item>
/// <item>The stop signal's handler is <see cref="Signals.NoOpSignalHandler"/>'s one-byte native <c>ret</c> in a page
/// that is never unmapped: it runs on any thread, at any time, touching nothing.</item>
/// </list>
/// </remarks>
internal static unsafe partial class KvmNative
{
    private const string Libc = "libc.so.6";
    private const int OpenReadWrite = 2;
    private const int OpenCloseOnExec = 0x80000;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapShared = 0x01;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;
    private const int MapNoReserve = 0x4000;
    private const long SyscallGettid = 186;
    private const long SyscallTgkill = 234;
    private static readonly nint MapFailed = -1;
    private static readonly object StopSignalGate = new();
    private static bool s_stopSignalInstalled;

    /// <summary>Opens a device read-write, close-on-exec.</summary>
    /// <param name="path">The path.</param>
    /// <returns>The descriptor, or <c>-errno</c>.</returns>
    public static int Open(string path)
    {
        int fd = open(path, OpenReadWrite | OpenCloseOnExec);
        return fd < 0 ? -Marshal.GetLastPInvokeError() : fd;
    }

    /// <summary>Closes a descriptor (ignoring errors; a negative one is skipped).</summary>
    /// <param name="fd">The descriptor.</param>
    public static void Close(int fd)
    {
        if (fd >= 0)
        {
            _ = close(fd);
        }
    }

    /// <summary>An <c>ioctl</c> with an integer argument.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="request">The request.</param>
    /// <param name="argument">The argument.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    public static int Ioctl(int fd, ulong request, nint argument)
    {
        int r = ioctl(fd, (nuint)request, argument);
        return r < 0 ? -Marshal.GetLastPInvokeError() : r;
    }

    /// <summary>An <c>ioctl</c> whose argument is one structure, passed by reference.</summary>
    /// <typeparam name="T">The structure (its size is the one in <paramref name="request"/>).</typeparam>
    /// <param name="fd">The descriptor.</param>
    /// <param name="request">The request.</param>
    /// <param name="value">The structure, read and/or written by the kernel.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    public static int Ioctl<T>(int fd, ulong request, ref T value)
        where T : unmanaged
    {
        fixed (T* p = &value)
        {
            return Ioctl(fd, request, (nint)p);
        }
    }

    /// <summary>An <c>ioctl</c> whose argument is a byte buffer holding a header and its entries.</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="request">The request.</param>
    /// <param name="buffer">The buffer.</param>
    /// <returns>The result, or <c>-errno</c>.</returns>
    public static int Ioctl(int fd, ulong request, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return Ioctl(fd, request, (nint)p);
        }
    }

    /// <summary>Maps <paramref name="size"/> bytes of fresh, lazily allocated, zeroed memory (no swap reservation).</summary>
    /// <param name="size">The size, page-aligned.</param>
    /// <returns>The address.</returns>
    /// <exception cref="InvalidOperationException">The host refused.</exception>
    public static nint MapAnonymousMemory(ulong size)
    {
        nint p = mmap(0, (nuint)size, ProtRead | ProtWrite, MapPrivate | MapAnonymous | MapNoReserve, -1, 0);
        return p == MapFailed ? throw new InvalidOperationException($"mmap of {size} bytes failed: errno {Marshal.GetLastPInvokeError()}.") : p;
    }

    /// <summary>Maps a vCPU's shared <c>kvm_run</c> area.</summary>
    /// <param name="vcpuFd">The vCPU descriptor.</param>
    /// <param name="size">The size KVM_GET_VCPU_MMAP_SIZE reported.</param>
    /// <returns>The address.</returns>
    /// <exception cref="InvalidOperationException">The host refused.</exception>
    public static nint MapVcpuRun(int vcpuFd, int size)
    {
        nint p = mmap(0, (nuint)size, ProtRead | ProtWrite, MapShared, vcpuFd, 0);
        return p == MapFailed ? throw new InvalidOperationException($"mmap of kvm_run failed: errno {Marshal.GetLastPInvokeError()}.") : p;
    }

    /// <summary>Unmaps memory this class mapped (0 is skipped).</summary>
    /// <param name="address">The address.</param>
    /// <param name="size">The size.</param>
    public static void Unmap(nint address, ulong size)
    {
        if (address != 0)
        {
            _ = munmap(address, (nuint)size);
        }
    }

    /// <summary>Gives back the memory of a page-aligned range of an anonymous mapping (it reads zero afterwards).</summary>
    /// <param name="address">The address.</param>
    /// <param name="size">The size.</param>
    public static void DiscardPages(nint address, ulong size)
    {
        const int adviseDontNeed = 4;
        _ = madvise(address, (nuint)size, adviseDontNeed);
    }

    /// <summary>Drops the host's page-table entries of a page-aligned range of a <c>MAP_SHARED</c> file mapping
    /// (<c>MADV_DONTNEED</c>): the contents stay in the file and the next access faults them back in, while the
    /// kernel's MMU notifiers fire for the range, so a KVM that shadows guest page tables drops its entries for those
    /// guest pages and flushes every vCPU's TLB before this returns.</summary>
    /// <param name="address">The address.</param>
    /// <param name="size">The size.</param>
    /// <returns>False when the kernel refused (e.g. a locked range).</returns>
    public static bool DropSharedPageTableEntries(nint address, ulong size)
    {
        const int adviseDontNeed = 4;
        return madvise(address, (nuint)size, adviseDontNeed) == 0;
    }

    /// <summary>A view of host memory as a span (the memory must outlive every use of the span).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="address">The address.</param>
    /// <param name="count">The number of elements.</param>
    /// <returns>The span.</returns>
    public static Span<T> View<T>(nint address, int count)
        where T : unmanaged => new((void*)address, count);

    /// <summary>The calling thread's kernel thread id.</summary>
    /// <returns>The id.</returns>
    public static int CurrentThreadId() => (int)syscall(SyscallGettid, 0, 0);

    /// <summary>Sends <paramref name="signal"/> to one thread of this process.</summary>
    /// <param name="threadId">The thread.</param>
    /// <param name="signal">The signal.</param>
    public static void SignalThread(int threadId, int signal) => _ = syscall(SyscallTgkill, Environment.ProcessId, threadId, signal);

    /// <summary>Installs, once per process, a handler for <paramref name="signal"/> that does nothing, so the signal
    /// interrupts a blocking <c>KVM_RUN</c> (which returns EINTR) without killing or disturbing anything.</summary>
    /// <param name="signal">The signal (a real-time signal the runtime does not use).</param>
    public static void InstallStopSignal(int signal)
    {
        lock (StopSignalGate)
        {
            if (s_stopSignalInstalled)
            {
                return;
            }

            Signals.NoOpSignalHandler.Install(signal, restartCalls: true);
            s_stopSignalInstalled = true;
        }
    }

    [LibraryImport(Libc, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport(Libc, EntryPoint = "close")]
    private static partial int close(int fd);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, nint argument);

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "munmap")]
    private static partial int munmap(nint address, nuint length);

    [LibraryImport(Libc, EntryPoint = "madvise")]
    private static partial int madvise(nint address, nuint length, int advice);

    [LibraryImport(Libc, EntryPoint = "syscall")]
    private static partial long syscall(long number, long a0, long a1, long a2 = 0);
}
