using System;

namespace UserMemory.Linux.Process;

/// <summary>The runner settings that travel with a hand-off state (the next runner's command line carries none).</summary>
[Flags]
public enum HandoffFlags : uint
{
    /// <summary>No setting.</summary>
    None = 0,

    /// <summary>Trace syscalls (<c>--strace</c>) on the inherited trace descriptor.</summary>
    Trace = 1,

    /// <summary>Print syscall statistics at exit (<c>--stats</c>) on the trace descriptor.</summary>
    Stats = 2,

    /// <summary>Prefix trace lines with <c>[pid N]</c> (every process but the first).</summary>
    TracePidPrefix = 4,

    /// <summary>Refuse every change to the file system (<c>--read-only</c>).</summary>
    ReadOnly = 8,

    /// <summary>Every defined flag.</summary>
    All = Trace | Stats | TracePidPrefix | ReadOnly,
}
