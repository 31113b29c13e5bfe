using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Cpu.Kvm;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Tests.Signals;

/// <summary>Default actions, sigaltstack checks and the signalfd → siginfo translation.</summary>
public sealed class SignalAbiTests
{
    [Theory]
    [InlineData(SignalNumber.SIGHUP, DefaultAction.Terminate)]
    [InlineData(SignalNumber.SIGQUIT, DefaultAction.CoreDump)]
    [InlineData(SignalNumber.SIGSEGV, DefaultAction.CoreDump)]
    [InlineData(SignalNumber.SIGCHLD, DefaultAction.Ignore)]
    [InlineData(SignalNumber.SIGWINCH, DefaultAction.Ignore)]
    [InlineData(SignalNumber.SIGCONT, DefaultAction.Continue)]
    [InlineData(SignalNumber.SIGTSTP, DefaultAction.Stop)]
    [InlineData(SignalNumber.SIGSTOP, DefaultAction.Stop)]
    [InlineData(SignalNumber.SIGRTMIN + 1, DefaultAction.Terminate)]
    internal void Default_actions_are_Linux_s(int signal, DefaultAction expected) =>
        Assert.Equal(expected, DefaultSignalAction.Of(signal));

    [Theory]
    [InlineData(0, 2048UL, 0L)]
    [InlineData(0, 2047UL, -12L)] // ENOMEM
    [InlineData(0, ulong.MaxValue, 0L)]
    [InlineData(2, 0UL, 0L)] // SS_DISABLE ignores the size
    [InlineData(1, 4096UL, 0L)] // SS_ONSTACK is accepted as "enable"
    [InlineData(12345, 65536UL, -22L)] // EINVAL
    [InlineData(unchecked((int)0x80000000), 4096UL, 0L)] // SS_AUTODISARM
    public void Sigaltstack_checks_mode_then_size(int flags, ulong size, long expected) =>
        Assert.Equal(expected, SignalAltStack.Validate(new SignalStack { Flags = flags, Size = size, Pointer = 0x1000 }));

    [Fact]
    public void A_disabled_stack_keeps_no_pointer_or_size()
    {
        SignalStack s = SignalAltStack.Normalise(new SignalStack { Flags = 2, Pointer = 0x1234, Size = 99999 });
        Assert.Equal(0UL, s.Pointer);
        Assert.Equal(0UL, s.Size);
    }

    [Fact]
    public void Signalfd_records_become_siginfo_by_kind()
    {
        byte[] raw = new byte[128];
        BinaryPrimitives.WriteInt32LittleEndian(raw, SignalNumber.SIGCHLD);
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(8), 1); // CLD_EXITED
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(12), 4242);
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(16), 1000);
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(40), 3);
        SigInfo child = HostSignalForwarding.ToSigInfo(raw);
        Assert.Equal((SignalNumber.SIGCHLD, 1, 4242, 1000u, 3), (child.Signal, child.Code, child.Pid, child.Uid, child.Status));

        Array.Clear(raw);
        BinaryPrimitives.WriteInt32LittleEndian(raw, SignalNumber.SIGALRM);
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(8), SignalCode.Timer);
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(24), 7); // ssi_tid: the timer id
        BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(32), 2); // overrun
        BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(48), 0xfeedUL);
        SigInfo timer = HostSignalForwarding.ToSigInfo(raw);
        Assert.Equal((7, 2, 0xfeedUL), (timer.TimerId, timer.Overrun, timer.Value));
    }

    [Fact]
    public void Forwarded_signals_leave_the_runtime_s_the_fault_and_the_vCPU_stop_signals_alone()
    {
        ulong f = HostSignalForwarding.Forwarded;
        foreach (int s in new[] { SignalNumber.SIGKILL, SignalNumber.SIGSTOP, SignalNumber.SIGSEGV, SignalNumber.SIGBUS, SignalNumber.SIGFPE, SignalNumber.SIGILL, SignalNumber.SIGTRAP, SignalNumber.SIGPIPE, 32, 33, 34, KvmVcpu.StopSignal })
        {
            Assert.Equal(0UL, f & SignalNumber.Bit(s));
        }

        foreach (int s in new[] { SignalNumber.SIGHUP, SignalNumber.SIGINT, SignalNumber.SIGTERM, SignalNumber.SIGCHLD, SignalNumber.SIGALRM, SignalNumber.SIGTSTP, SignalNumber.SIGCONT, 35, 64 })
        {
            Assert.NotEqual(0UL, f & SignalNumber.Bit(s));
        }
    }

    [Fact]
    public void Restart_codes_are_recognised_and_never_a_real_errno()
    {
        Assert.True(RestartCode.IsRestart(RestartCode.RestartSys));
        Assert.True(RestartCode.IsRestart(RestartCode.RestartNoHandler));
        Assert.True(RestartCode.IsRestart(RestartCode.RestartBlock));
        Assert.True(RestartCode.IsRestart(RestartCode.RestartNoIntr));
        Assert.False(RestartCode.IsRestart(-4)); // EINTR itself
        Assert.False(RestartCode.IsRestart(0));
    }
}
