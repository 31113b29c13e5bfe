namespace UserMemory.Linux.Signals;

/// <summary>
/// The kernel-internal results a blocking syscall returns when a signal interrupted it (never seen by the guest):
/// delivery turns them into EINTR or into a restart of the syscall, as Linux does.
/// </summary>
internal static class RestartCode
{
    /// <summary><c>ERESTARTSYS</c>: restart when the handler has SA_RESTART (or no handler ran), else EINTR.</summary>
    internal const long RestartSys = -512;

    /// <summary><c>ERESTARTNOINTR</c>: always restart.</summary>
    internal const long RestartNoIntr = -513;

    /// <summary><c>ERESTARTNOHAND</c>: EINTR when a handler ran, else restart (pause, sigsuspend, poll).</summary>
    internal const long RestartNoHandler = -514;

    /// <summary><c>ERESTART_RESTARTBLOCK</c>: EINTR when a handler ran, else restart (nanosleep).</summary>
    internal const long RestartBlock = -516;

    /// <summary>True for any of the codes above.</summary>
    /// <param name="result">A syscall result.</param>
    /// <returns>Whether delivery must resolve it.</returns>
    internal static bool IsRestart(long result) => result is RestartSys or RestartNoIntr or RestartNoHandler or RestartBlock;
}
