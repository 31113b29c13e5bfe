using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Pseudo-terminals (tests/probes/pty.c): posix_openpt, grantpt, unlockpt, ptsname, TIOCGPTN, TIOCGPTLCK, TIOCGPTPEER
/// (a new guest descriptor, close-on-exec as asked), packet mode, the line discipline, and data both ways. The runner
/// once answered ENOTTY to every pty request (Python's <c>os.openpty()</c> failed with EINVAL), and took libc's
/// sign-extended <c>int</c> request numbers above 0x7FFFFFFF as unknown. Linux is the oracle.
/// </summary>
public sealed class PtyTests
{
    [ProbeFact]
    public void Pseudo_terminals_work_as_on_Linux() =>
        Differential.AssertSameAsNative(Probes.Get("pty"), []);
}
