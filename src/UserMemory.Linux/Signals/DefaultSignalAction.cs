using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Signals;

/// <summary>The default actions of Linux signals, as far as this runner distinguishes them.</summary>
public static class DefaultSignalAction
{
    /// <summary>True when the default action of <paramref name="signal"/> is to do nothing (SIGCHLD, SIGCONT, SIGURG,
    /// SIGWINCH) or to stop, which a runner without job control treats as nothing.</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>Whether the default action leaves the process running.</returns>
    public static bool IsHarmless(int signal) => signal is SignalNumber.SIGCHLD or SignalNumber.SIGCONT or SignalNumber.SIGURG
        or SignalNumber.SIGWINCH or SignalNumber.SIGSTOP or SignalNumber.SIGTSTP or SignalNumber.SIGTTIN or SignalNumber.SIGTTOU;
}
