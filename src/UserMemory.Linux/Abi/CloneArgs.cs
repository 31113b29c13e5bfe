using System.Runtime.InteropServices;

namespace UserMemory.Linux.Abi;

/// <summary><c>struct clone_args</c> (<c>clone3</c>; the size-88 version, later fields optional). 88 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CloneArgs
{
    /// <summary><c>flags</c> (<see cref="CloneFlags"/>).</summary>
    public ulong Flags { get; set; }

    /// <summary><c>pidfd</c>.</summary>
    public ulong PidFd { get; set; }

    /// <summary><c>child_tid</c>.</summary>
    public ulong ChildTid { get; set; }

    /// <summary><c>parent_tid</c>.</summary>
    public ulong ParentTid { get; set; }

    /// <summary><c>exit_signal</c>.</summary>
    public ulong ExitSignal { get; set; }

    /// <summary><c>stack</c>.</summary>
    public ulong Stack { get; set; }

    /// <summary><c>stack_size</c>.</summary>
    public ulong StackSize { get; set; }

    /// <summary><c>tls</c>.</summary>
    public ulong Tls { get; set; }

    /// <summary><c>set_tid</c>.</summary>
    public ulong SetTid { get; set; }

    /// <summary><c>set_tid_size</c>.</summary>
    public ulong SetTidSize { get; set; }

    /// <summary><c>cgroup</c>.</summary>
    public ulong Cgroup { get; set; }
}
