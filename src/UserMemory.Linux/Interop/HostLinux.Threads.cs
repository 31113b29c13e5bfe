using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Interop;

/// <summary>Host threads started without waiting for them (part of <see cref="HostLinux"/>).</summary>
/// <remarks>
/// <para>.NET's <c>Thread.Start</c> does not return before the new thread runs; NativeAOT waits for that in a
/// <c>sched_yield</c> loop. On a loaded two-core host the new thread can wait milliseconds for a CPU, and the loop
/// spends them: measured with <c>perf</c> over 50 × fork+exec under KVM at load 10, 8 % of the runner's CPU time
/// went into yielding at the start of the signal pump, the one thread every runner process starts.
/// <see cref="TryStartThread"/> starts a detached POSIX thread that enters managed code through an
/// <see cref="UnmanagedCallersOnlyAttribute"/> entry point (the runtime attaches it on entry) and returns at once.</para>
/// <para>Invariants: the callback travels as a normal <see cref="GCHandle"/> that the new thread frees before it runs
/// the callback, or the starter frees when <c>pthread_create</c> refused; an exception escaping the callback ends the
/// process, as an unhandled exception on a managed thread does; the thread inherits the starter's signal mask.</para>
/// </remarks>
public static unsafe partial class HostLinux
{
    /// <summary>glibc's <c>pthread_attr_t</c> is 56 bytes on x86-64; this leaves room.</summary>
    private const int PthreadAttributeSize = 64;

    private const int PthreadCreateDetached = 1;

    /// <summary><c>prctl</c> option that sets the calling thread's name (16 bytes with the NUL).</summary>
    private const long PrSetName = 15;

    private const int ThreadNameCapacity = 16;

    /// <summary>Starts a detached host thread that runs <paramref name="body"/>, and returns without waiting for it
    /// to run.</summary>
    /// <param name="body">What the thread runs.</param>
    /// <param name="name">The thread's name in <c>/proc</c> (cut to 15 bytes).</param>
    /// <param name="stackSize">The host stack size in bytes, or 0 for the default.</param>
    /// <returns>False when the host refused to start a thread (EAGAIN: out of threads or memory).</returns>
    internal static bool TryStartThread(Action body, string name, nuint stackSize = 0)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(name);
        GCHandle start = GCHandle.Alloc(new ThreadStart(body, name));
        byte* attributes = stackalloc byte[PthreadAttributeSize];
        if (pthread_attr_init(attributes) != 0)
        {
            start.Free();
            return false;
        }

        try
        {
            if (pthread_attr_setdetachstate(attributes, PthreadCreateDetached) != 0
                || (stackSize != 0 && pthread_attr_setstacksize(attributes, stackSize) != 0))
            {
                start.Free();
                return false;
            }

            nuint thread;
            if (pthread_create(&thread, attributes, &ThreadEntry, GCHandle.ToIntPtr(start)) != 0)
            {
                start.Free();
                return false;
            }

            return true;
        }
        finally
        {
            _ = pthread_attr_destroy(attributes);
        }
    }

    [UnmanagedCallersOnly]
    private static nint ThreadEntry(nint argument)
    {
        GCHandle handle = GCHandle.FromIntPtr(argument);
        var start = (ThreadStart)handle.Target!;
        handle.Free();
        Span<byte> name = stackalloc byte[ThreadNameCapacity];
        int length = Encoding.UTF8.GetBytes(start.Name.AsSpan(0, Math.Min(start.Name.Length, ThreadNameCapacity - 1)), name);
        name[Math.Min(length, ThreadNameCapacity - 1)] = 0;
        fixed (byte* n = name)
        {
            _ = Syscall((long)SyscallNumber.Prctl, PrSetName, (long)n);
        }

        try
        {
            start.Body();
        }
        catch (Exception e)
        {
            Environment.FailFast($"Unhandled exception on host thread '{start.Name}'.", e);
        }

        return 0;
    }

    private sealed record ThreadStart(Action Body, string Name);

    [LibraryImport(Libc, EntryPoint = "pthread_attr_init")]
    private static partial int pthread_attr_init(byte* attributes);

    [LibraryImport(Libc, EntryPoint = "pthread_attr_destroy")]
    private static partial int pthread_attr_destroy(byte* attributes);

    [LibraryImport(Libc, EntryPoint = "pthread_attr_setdetachstate")]
    private static partial int pthread_attr_setdetachstate(byte* attributes, int state);

    [LibraryImport(Libc, EntryPoint = "pthread_attr_setstacksize")]
    private static partial int pthread_attr_setstacksize(byte* attributes, nuint size);

    [LibraryImport(Libc, EntryPoint = "pthread_create")]
    private static partial int pthread_create(nuint* thread, byte* attributes, delegate* unmanaged<nint, nint> start, nint argument);
}
