using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace UserMemory.Linux.Signals;

/// <summary>
/// A host signal handler that does nothing, for signals the runner sends to one of its own threads only to end a
/// blocking host call: the KVM backend's vCPU stop signal (<c>KVM_RUN</c> returns EINTR) and the helper-thread
/// interrupt (<see cref="HelperThreadInterrupt"/>: a FIFO <c>open</c> returns EINTR).
/// </summary>
/// <remarks>
/// <para>The handler is one native <c>ret</c> instruction in an executable page that is never unmapped. It is native on
/// purpose: a managed handler (<c>UnmanagedCallersOnly</c>) would enter the runtime from a signal, which fails when the
/// signal lands while the thread runs managed code (a reverse P/Invoke in cooperative mode), and would need the
/// runtime's GC to be in a state that allows it. A <c>ret</c> runs on any thread at any moment, touches nothing, needs
/// no trimming or AOT root, and returns through glibc's restorer (<c>sigaction</c> from libc adds
/// <c>SA_RESTORER</c>).</para>
/// <para>One of the files of the Linux layer with unsafe code: the only pointers are the page this class maps (one
/// page, written once before it becomes executable) and a stack-allocated <c>struct sigaction</c> of glibc's
/// layout.</para>
/// </remarks>
internal static unsafe partial class NoOpSignalHandler
{
    private const string Libc = "libc.so.6";
    private const int PageSize = 4096;
    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int ProtExec = 4;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    /// <summary>glibc's <c>struct sigaction</c>: handler (8), mask (128), flags (4, padded to 8), restorer (8).</summary>
    private const int SignalActionSize = 152;
    private const int SignalActionFlagsOffset = 136;

    /// <summary><c>SA_RESTART</c>.</summary>
    private const int SignalRestart = 0x10000000;

    /// <summary>x86-64 <c>ret</c>.</summary>
    private const byte ReturnInstruction = 0xC3;

    private static readonly Lock Gate = new();
    private static nint s_handler;

    /// <summary>Makes <paramref name="signal"/>'s host action the no-op handler, with an empty handler mask.</summary>
    /// <param name="signal">The host signal (one the runtime and glibc do not use).</param>
    /// <param name="restartCalls">Whether an interrupted host call restarts (<c>SA_RESTART</c>) or fails with EINTR.</param>
    /// <exception cref="InvalidOperationException">The host refused the page or the action.</exception>
    internal static void Install(int signal, bool restartCalls)
    {
        nint handler = Handler();
        byte* action = stackalloc byte[SignalActionSize];
        new Span<byte>(action, SignalActionSize).Clear();
        *(nint*)action = handler;
        *(int*)(action + SignalActionFlagsOffset) = restartCalls ? SignalRestart : 0;
        if (sigaction(signal, action, null) != 0)
        {
            throw new InvalidOperationException($"sigaction for host signal {signal} failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>The handler's address (mapped on first use).</summary>
    private static nint Handler()
    {
        lock (Gate)
        {
            if (s_handler != 0)
            {
                return s_handler;
            }

            nint page = mmap(0, PageSize, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
            if (page == -1)
            {
                throw new InvalidOperationException($"mmap of the no-op signal handler failed: errno {Marshal.GetLastPInvokeError()}.");
            }

            *(byte*)page = ReturnInstruction;
            if (mprotect(page, PageSize, ProtRead | ProtExec) != 0)
            {
                throw new InvalidOperationException($"mprotect of the no-op signal handler failed: errno {Marshal.GetLastPInvokeError()}.");
            }

            s_handler = page;
            return page;
        }
    }

    [LibraryImport(Libc, EntryPoint = "mmap", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Libc, EntryPoint = "mprotect", SetLastError = true)]
    private static partial int mprotect(nint address, nuint length, int protection);

    [LibraryImport(Libc, EntryPoint = "sigaction", SetLastError = true)]
    private static partial int sigaction(int signal, byte* action, byte* oldAction);
}
