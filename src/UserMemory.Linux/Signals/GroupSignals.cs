namespace UserMemory.Linux.Signals;

/// <summary>The signal state a thread group shares: the process-directed pending set and the lock that guards every
/// pending set of the group (the host-signal thread posts while the task runs).</summary>
internal sealed class GroupSignals
{
    /// <summary>Guards <see cref="Shared"/> and every task's <see cref="TaskSignals.Private"/>.</summary>
    internal object Lock { get; } = new();

    /// <summary>Process-directed pending signals (<c>kill</c>, signals from other processes, timers, SIGCHLD).</summary>
    internal PendingSignals Shared { get; } = new();
}
