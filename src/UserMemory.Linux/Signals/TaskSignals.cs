namespace UserMemory.Linux.Signals;

/// <summary>The signal state of one task besides its mask and alternate stack: the thread-directed pending set and
/// what the next stop must do (restore a frame, resolve an interrupted syscall, restore a temporary mask).</summary>
internal sealed class TaskSignals
{
    /// <summary>Thread-directed pending signals (<c>tkill</c>, <c>tgkill</c>, synchronous faults); guarded by
    /// <see cref="GroupSignals.Lock"/>.</summary>
    internal PendingSignals Private { get; } = new();

    /// <summary>The mask to restore once a handler frame holds it (rt_sigsuspend, ppoll, pselect6 with a mask),
    /// or null.</summary>
    internal ulong? SavedMask { get; set; }

    /// <summary>The number of the syscall that returned a <see cref="RestartCode"/>, or -1.</summary>
    internal long RestartNumber { get; set; } = -1;

    /// <summary>The <see cref="RestartCode"/> that syscall returned.</summary>
    internal long RestartResult { get; set; }

    /// <summary>True when <c>rt_sigreturn</c> asked for the frame on the stack to be restored at the next stop.</summary>
    internal bool SigreturnRequested { get; set; }

    /// <summary>The CPU's report of the synchronous fault being delivered, for its frame.</summary>
    internal FaultContext? Fault { get; set; }
}
