using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Signals;

/// <summary>The default actions of Linux signals (signal(7)).</summary>
internal static class DefaultSignalAction
{
    /// <summary>The default action of <paramref name="signal"/>.</summary>
    /// <param name="signal">The signal (1..64).</param>
    /// <returns>Its action; real-time signals terminate.</returns>
    internal static DefaultAction Of(int signal) => signal switch
    {
        SignalNumber.SIGQUIT or SignalNumber.SIGILL or SignalNumber.SIGTRAP or SignalNumber.SIGABRT or SignalNumber.SIGBUS
            or SignalNumber.SIGFPE or SignalNumber.SIGSEGV or SignalNumber.SIGXCPU or SignalNumber.SIGXFSZ or SignalNumber.SIGSYS => DefaultAction.CoreDump,
        SignalNumber.SIGCHLD or SignalNumber.SIGURG or SignalNumber.SIGWINCH => DefaultAction.Ignore,
        SignalNumber.SIGSTOP or SignalNumber.SIGTSTP or SignalNumber.SIGTTIN or SignalNumber.SIGTTOU => DefaultAction.Stop,
        SignalNumber.SIGCONT => DefaultAction.Continue,
        _ => DefaultAction.Terminate,
    };

    /// <summary>True when a signal with this default action leaves the process running without a handler
    /// (ignore, continue).</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>Whether delivering it by default changes nothing.</returns>
    internal static bool IsIgnoredByDefault(int signal) => Of(signal) is DefaultAction.Ignore or DefaultAction.Continue;
}
