using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary>The kernel's x86-64 <c>struct ucontext</c> in a signal frame (without the FPU state it points to). 304 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct UContext
{
    /// <summary><c>uc_flags</c>.</summary>
    public ulong Flags { get; set; }

    /// <summary><c>uc_link</c>.</summary>
    public ulong Link { get; set; }

    /// <summary><c>uc_stack</c>.</summary>
    public SignalStack Stack { get; set; }

    /// <summary><c>uc_mcontext</c>.</summary>
    public SigContext Machine { get; set; }

    /// <summary><c>uc_sigmask</c>.</summary>
    public ulong SignalMask { get; set; }
}
