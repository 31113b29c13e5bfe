using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary>The kernel's <c>struct sigaction</c> on x86-64 (<c>rt_sigaction</c>'s argument; not libc's layout). 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct KernelSigaction
{
    /// <summary><c>sa_handler</c>: 0 = <c>SIG_DFL</c>, 1 = <c>SIG_IGN</c>, else the handler's address.</summary>
    public ulong Handler { get; set; }

    /// <summary><c>sa_flags</c> (<see cref="SignalActionFlags"/>).</summary>
    public ulong Flags { get; set; }

    /// <summary><c>sa_restorer</c>: the return address of a handler.</summary>
    public ulong Restorer { get; set; }

    /// <summary><c>sa_mask</c>: signals blocked while the handler runs.</summary>
    public ulong Mask { get; set; }
}
