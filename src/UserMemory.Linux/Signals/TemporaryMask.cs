using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>The signal mask a syscall sets for the length of its wait (ppoll, pselect6): installed before the wait;
/// restored at once when the syscall completes normally, or by the handler frame when a signal interrupted it (Linux's
/// <c>restore_saved_sigmask_unless</c>).</summary>
internal static class TemporaryMask
{
    private const ulong SignalSetSize = sizeof(ulong);

    /// <summary>Installs the mask at <paramref name="maskAddr"/> (none when 0).</summary>
    /// <param name="t">The task.</param>
    /// <param name="maskAddr">The guest sigset, or 0.</param>
    /// <param name="size">Its size (must be 8).</param>
    /// <returns>0, -EINVAL or -EFAULT.</returns>
    internal static long Apply(Task t, ulong maskAddr, ulong size)
    {
        if (maskAddr == 0)
        {
            return 0;
        }

        if (size != SignalSetSize)
        {
            return -(long)LinuxError.EINVAL;
        }

        if (t.ReadU64(maskAddr, out ulong mask) < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        t.Signals.SavedMask = t.SignalMask;
        t.SignalMask = mask & ~SignalDelivery.Unblockable;
        return 0;
    }

    /// <summary>Ends the temporary mask: restored now unless <paramref name="result"/> says a signal interrupted the
    /// wait (then the frame of the handler restores it).</summary>
    /// <param name="t">The task.</param>
    /// <param name="result">The syscall's result.</param>
    /// <returns><paramref name="result"/>.</returns>
    internal static long Finish(Task t, long result)
    {
        if (!RestartCode.IsRestart(result) && t.Signals.SavedMask is ulong saved)
        {
            t.SignalMask = saved;
            t.Signals.SavedMask = null;
        }

        return result;
    }
}
