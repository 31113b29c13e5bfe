using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Fidelity (issue 11), CPU exceptions and translated code: tests/probes/fidelity_faults.c. Synchronous faults reach
/// SA_SIGINFO handlers with Linux's signal, si_code, si_addr and saved RIP; privileged instructions raise SIGSEGV;
/// removing PROT_EXEC stops code that already ran; code rewritten by read() or by stores runs in its new form. Linux
/// is the oracle.
/// </summary>
public sealed class CpuExceptionTests
{
    [ProbeTheory]
    [InlineData("segv_null")]
    [InlineData("segv_ro")]
    [InlineData("sigbus")]
    [InlineData("sigill")]
    [InlineData("sigfpe")]
    [InlineData("sigtrap")]
    [InlineData("hlt")]
    [InlineData("cli")]
    [InlineData("in", Skip = "issue 11: on Unicorn 2.0.1 the port-I/O hook runs after `in` completed, so the SIGSEGV frame's RIP is past the instruction (the KVM backend matches Linux)")]
    [InlineData("rdmsr")]
    [InlineData("nx")]
    [InlineData("smc_read")]
    [InlineData("smc_store")]
    public void Cpu_exception_is_reported_as_on_Linux(string mode) =>
        Differential.AssertSameAsNative(Probes.Get("fidelity_faults"), [mode]);
}
