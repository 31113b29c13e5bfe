namespace UserMemory.Linux.Signals;

/// <summary>What Linux does with a signal whose disposition is <c>SIG_DFL</c>.</summary>
internal enum DefaultAction
{
    /// <summary>End the process (exit status 128+N in a shell).</summary>
    Terminate,

    /// <summary>End the process and dump core (the wait status's core-dump bit when a core was written).</summary>
    CoreDump,

    /// <summary>Discard the signal.</summary>
    Ignore,

    /// <summary>Stop the process (job control).</summary>
    Stop,

    /// <summary>Continue a stopped process; otherwise nothing.</summary>
    Continue,
}
