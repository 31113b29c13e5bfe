using System.Globalization;

namespace UserMemory.Linux.Abi;

/// <summary>Linux x86-64 signal numbers (<c>SIG*</c>) and their names as strace prints them.</summary>
public static class SignalNumber
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

    /// <summary>SIGBUS.</summary>
    public const int SIGBUS = 7;

    /// <summary>SIGFPE.</summary>
    public const int SIGFPE = 8;

    /// <summary>SIGKILL.</summary>
    public const int SIGKILL = 9;

    /// <summary>SIGUSR1.</summary>
    public const int SIGUSR1 = 10;

    /// <summary>SIGSEGV.</summary>
    public const int SIGSEGV = 11;

    /// <summary>SIGUSR2.</summary>
    public const int SIGUSR2 = 12;

    /// <summary>SIGPIPE.</summary>
    public const int SIGPIPE = 13;

    /// <summary>SIGALRM.</summary>
    public const int SIGALRM = 14;

    /// <summary>SIGTERM.</summary>
    public const int SIGTERM = 15;

    /// <summary>SIGSTKFLT.</summary>
    public const int SIGSTKFLT = 16;

    /// <summary>SIGCHLD.</summary>
    public const int SIGCHLD = 17;

    /// <summary>SIGCONT.</summary>
    public const int SIGCONT = 18;

    /// <summary>SIGSTOP.</summary>
    public const int SIGSTOP = 19;

    /// <summary>SIGTSTP.</summary>
    public const int SIGTSTP = 20;

    /// <summary>SIGTTIN.</summary>
    public const int SIGTTIN = 21;

    /// <summary>SIGTTOU.</summary>
    public const int SIGTTOU = 22;

    /// <summary>SIGURG.</summary>
    public const int SIGURG = 23;

    /// <summary>SIGXCPU.</summary>
    public const int SIGXCPU = 24;

    /// <summary>SIGXFSZ.</summary>
    public const int SIGXFSZ = 25;

    /// <summary>SIGVTALRM.</summary>
    public const int SIGVTALRM = 26;

    /// <summary>SIGPROF.</summary>
    public const int SIGPROF = 27;

    /// <summary>SIGWINCH.</summary>
    public const int SIGWINCH = 28;

    /// <summary>SIGIO (SIGPOLL).</summary>
    public const int SIGIO = 29;

    /// <summary>SIGPWR.</summary>
    public const int SIGPWR = 30;

    /// <summary>SIGSYS.</summary>
    public const int SIGSYS = 31;

    /// <summary>The first real-time signal the kernel knows (libcs reserve a few above it).</summary>
    public const int SIGRTMIN = 32;

    /// <summary>The highest signal number (<c>_NSIG</c>).</summary>
    public const int SIGRTMAX = 64;

    /// <summary>The bit of <paramref name="signal"/> in a 64-bit signal set.</summary>
    /// <param name="signal">1 to <see cref="SIGRTMAX"/>.</param>
    /// <returns>The mask bit.</returns>
    public static ulong Bit(int signal) => 1UL << (signal - 1);

    /// <summary>The signal's name as strace prints it.</summary>
    /// <param name="signal">The signal.</param>
    /// <returns>The name.</returns>
    public static string Name(int signal) => signal switch
    {
        SIGHUP => "SIGHUP", SIGINT => "SIGINT", SIGQUIT => "SIGQUIT", SIGILL => "SIGILL", SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT", SIGBUS => "SIGBUS", SIGFPE => "SIGFPE", SIGKILL => "SIGKILL", SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV", SIGUSR2 => "SIGUSR2", SIGPIPE => "SIGPIPE", SIGALRM => "SIGALRM", SIGTERM => "SIGTERM",
        SIGCHLD => "SIGCHLD", SIGCONT => "SIGCONT", SIGSTOP => "SIGSTOP", SIGTSTP => "SIGTSTP", SIGTTIN => "SIGTTIN",
        SIGTTOU => "SIGTTOU", SIGURG => "SIGURG", SIGWINCH => "SIGWINCH",
        _ => "SIG" + signal.ToString(CultureInfo.InvariantCulture),
    };
}
