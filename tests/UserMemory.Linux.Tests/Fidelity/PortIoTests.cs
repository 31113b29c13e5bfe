using UserMemory.Linux.Tests.Support;

namespace UserMemory.Linux.Tests.Fidelity;

/// <summary>
/// Issue 11, CPU exceptions: port I/O from user mode (tests/probes/cpu_ports.c), including the KVM backend's own
/// stub ports (user mode must be able to reach the syscall port under PVM). Linux answers every <c>in</c>,
/// <c>out</c>, <c>ins</c> and <c>outs</c> with SIGSEGV at the instruction, registers and memory unchanged; the
/// guest's <c>inb $0x10</c> once left KVM's half-done port access to complete over the signal frame, so the guest ran
/// on past the instruction. Linux is the oracle.
/// </summary>
public sealed class PortIoTests
{
    /// <summary>Every form, each in a forked child without a handler, on every backend: each child dies of SIGSEGV and
    /// the runner goes on.</summary>
    [ProbeFact]
    public void Every_port_instruction_kills_its_child_with_SIGSEGV() =>
        Differential.AssertSameAsNative(Probes.Get("cpu_ports"), ["ends"]);

    /// <summary>Each form with a handler: signal, si_code, si_addr, the saved RIP at the instruction, registers and the
    /// destination buffer unchanged. KVM only: Unicorn 2.0.1 runs its port hook after the instruction (and the rest of
    /// its translated block) ran, so RIP, AL and an <c>ins</c> buffer differ there.</summary>
    [KvmProbeTheory]
    [InlineData("in_imm_syscall_port")]
    [InlineData("in_imm_exception_port")]
    [InlineData("in_imm_80")]
    [InlineData("in_dword_syscall_port")]
    [InlineData("in_dx")]
    [InlineData("out_imm_syscall_port")]
    [InlineData("out_imm_exception_port")]
    [InlineData("out_dx")]
    [InlineData("out_word_syscall_port")]
    [InlineData("insb")]
    [InlineData("insb_unmapped")]
    [InlineData("insb_read_only")]
    [InlineData("rep_insb")]
    [InlineData("rep_insb_overflow")]
    [InlineData("rep_insb_unmapped")]
    [InlineData("rep_insb_read_only")]
    [InlineData("outsb")]
    [InlineData("rep_outsb")]
    public void Port_instruction_faults_at_the_instruction_with_nothing_changed(string form) =>
        Differential.AssertSameAsNative(Probes.Get("cpu_ports"), ["state", form]);
}
