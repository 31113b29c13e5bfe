namespace UserMemory.Linux.Process;

/// <summary>Linux x86-64 signal numbers and their default actions.</summary>
public static class Signals
{
    /// <summary>SIGHUP.</summary>
    public const int SIGHUP = 1;

    /// <summary>SIGINT.</summary>
    public const int SIGINT = 2;

    /// <summary>SIGQUIT.</summary>
    public const int SIGQUIT = 3;

    /// <summary>SIGILL.</summary>
    public const int SIGILL = 4;

    /// <summary>SIGTRAP.</summary>
    public const int SIGTRAP = 5;

    /// <summary>SIGABRT.</summary>
    public const int SIGABRT = 6;

    /// <summary>SIGFPE.</summary>
    public const int SIGFPE = 8;

    /// <summary>SIGKILL.</summary>
    public const int SIGKILL = 9;

    /// <summary>SIGSEGV.</summary>
    public const int SIGSEGV = 11;

    /// <summary>SIGPIPE.</summary>
    public const int SIGPIPE = 13;

    /// <summary>SIGTERM.</summary>
    public const int SIGTERM = 15;

    /// <summary>SIGCHLD.</summary>
    public const int SIGCHLD = 17;

    /// <summary>SIGCONT.</summary>
    public const int SIGCONT = 18;

    /// <summary>SIGSTOP.</summary>
    public const int SIGSTOP = 19;

    /// <summary>True when the default action of <paramref name="signal"/> is to do nothing (SIGCHLD, SIGCONT, SIGURG,
    /// SIGWINCH) or to stop, which a runner without job control treats as nothing.</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>Whether the default action leaves the process running.</returns>
    public static bool DefaultIsHarmless(int signal) => signal is SIGCHLD or SIGCONT or 23 or 28 or SIGSTOP or 20 or 21 or 22;

    /// <summary>The signal's name as strace prints it.</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>The name.</returns>
    public static string Name(int signal) => signal switch
    {
        1 => "SIGHUP", 2 => "SIGINT", 3 => "SIGQUIT", 4 => "SIGILL", 5 => "SIGTRAP", 6 => "SIGABRT", 7 => "SIGBUS",
        8 => "SIGFPE", 9 => "SIGKILL", 10 => "SIGUSR1", 11 => "SIGSEGV", 12 => "SIGUSR2", 13 => "SIGPIPE",
        14 => "SIGALRM", 15 => "SIGTERM", 17 => "SIGCHLD", 18 => "SIGCONT", 19 => "SIGSTOP", 20 => "SIGTSTP",
        21 => "SIGTTIN", 22 => "SIGTTOU", 23 => "SIGURG", 28 => "SIGWINCH",
        _ => "SIG" + signal.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
