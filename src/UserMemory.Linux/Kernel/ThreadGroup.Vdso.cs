using System.Threading;

namespace UserMemory.Linux.Kernel;

public sealed partial class ThreadGroup
{
    private VdsoClock? _vdsoClock;
    private int _vdsoResolved;

    /// <summary>Refreshes the vDSO's clock page when due (<see cref="VdsoClock"/>); found on the first call, once the
    /// image that says where the vDSO lies is recorded.</summary>
    /// <param name="t">The task that just finished a system call.</param>
    internal void RefreshVdsoClock(Task t)
    {
        if (Volatile.Read(ref _vdsoResolved) == 0)
        {
            lock (this)
            {
                if (_vdsoResolved == 0)
                {
                    _vdsoClock = VdsoClock.For(this);
                    Volatile.Write(ref _vdsoResolved, 1);
                }
            }
        }

        _vdsoClock?.MaybeRefresh(t);
    }
}
