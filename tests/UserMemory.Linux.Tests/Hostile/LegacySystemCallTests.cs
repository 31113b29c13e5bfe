using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Hostile;

/// <summary>
/// Hostile guest, the i386 system call of a 64-bit process (<c>int $0x80</c>, tests/probes/cpu_traps.c part int80):
/// unknown, huge and negative numbers (ENOSYS), garbage in the upper halves of RAX and the argument registers (ignored),
/// pointers into unmapped memory and stack pointers that do not fit in 32 bits (EFAULT), a bad descriptor, a 32-bit
/// time store, pipe, dup and close, and exit through int $0x80 in a child. Linux with IA32 emulation is the oracle,
/// for a musl and a glibc static build.
/// </summary>
public sealed class LegacySystemCallTests
{
    /// <summary>Part int80_restart: a blocking read interrupted by a signal answers EINTR without SA_RESTART and
    /// restarts with the i386 number back in EAX with it.</summary>
    [ProbeTheory]
    [InlineData("int80")]
    [InlineData("int80_restart")]
    public void Int80_answers_as_on_Linux(string part) =>
        Differential.AssertSameAsNative(Probes.Get("cpu_traps"), [part]);

    [ProbeFact]
    public void Int80_answers_as_on_Linux_with_glibc() =>
        Differential.AssertSameAsNative(Probes.GetGlibcStatic("cpu_traps"), ["int80"]);

    /// <summary>The i386 calls whose structures differ from x86-64's (stat, nanosleep) answer ENOSYS here, where Linux
    /// fills the i386 layouts; the assertion states the current contract: no crash, no hang, ENOSYS.</summary>
    [ProbeFact]
    public void Int80_with_i386_structures_answers_ENOSYS()
    {
        RawResult r = RawProcess.RunUnderRunner([Probes.Get("cpu_traps"), "int80_structs"], Differential.DefaultLimit);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("int80_stat ret=-38\nint80_nanosleep ret=-38\n", r.StdoutText);
    }
}
