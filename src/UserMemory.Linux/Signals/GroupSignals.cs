namespace UserMemory.Linux.Signals;

/// <summary>The signal state a thread group shares: the process-directed pending set and the lock that guards every
/// pending set of the group (the host-signal thread posts while the task runs).</summary>
internal sealed class GroupSignals
{
    /// <summary>Creates the state; the shared set keeps the group's signalfds in step.</summary>
    internal GroupSignals()
    {
        SignalFds = new SignalFdReadiness(this);
        Shared.Changed = SignalFds.Refresh;
    }

    /// <summary>The group's guest signalfds, kept readable while a signal of their mask is pending.</summary>
    internal SignalFdReadiness SignalFds { get; }

    /// <summary>Guards <see cref="Shared"/> and every task's <see cref="TaskSignals.Private"/>.</summary>
    internal object Lock { get; } = new();

    /// <summary>Process-directed pending signals (<c>kill</c>, signals from other processes, timers, SIGCHLD).</summary>
    internal PendingSignals Shared { get; } = new();
}
