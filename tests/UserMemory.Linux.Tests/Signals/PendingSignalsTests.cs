using System.Collections.Generic;
using CsCheck;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Tests.Signals;

/// <summary>The pending set: standard signals merge, real-time ones queue in order, Linux's dequeue order
/// (synchronous first, then lowest number).</summary>
public sealed class PendingSignalsTests
{
    [Fact]
    public void A_second_standard_signal_merges_into_the_pending_one()
    {
        var p = new PendingSignals();
        Assert.True(p.Add(new SigInfo { Signal = SignalNumber.SIGUSR1, Pid = 1 }));
        Assert.False(p.Add(new SigInfo { Signal = SignalNumber.SIGUSR1, Pid = 2 }));
        Assert.True(p.TryTake(SignalNumber.SIGUSR1, out SigInfo first));
        Assert.Equal(1, first.Pid);
        Assert.False(p.TryTake(SignalNumber.SIGUSR1, out _));
        Assert.Equal(0UL, p.Set);
    }

    [Fact]
    public void Real_time_signals_queue_every_instance_in_order()
    {
        var p = new PendingSignals();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(p.Add(new SigInfo { Signal = SignalNumber.SIGRTMIN + 3, Value = (ulong)i }));
        }

        for (int i = 0; i < 3; i++)
        {
            Assert.NotEqual(0UL, p.Set & SignalNumber.Bit(SignalNumber.SIGRTMIN + 3));
            Assert.True(p.TryTake(SignalNumber.SIGRTMIN + 3, out SigInfo info));
            Assert.Equal((ulong)i, info.Value);
        }

        Assert.Equal(0UL, p.Set);
    }

    [Fact]
    public void The_queue_is_bounded()
    {
        var p = new PendingSignals();
        int accepted = 0;
        for (int i = 0; i < PendingSignals.MaxQueued + 10; i++)
        {
            accepted += p.Add(new SigInfo { Signal = SignalNumber.SIGRTMAX }) ? 1 : 0;
        }

        Assert.Equal(PendingSignals.MaxQueued, accepted);
    }

    [Fact]
    public void Synchronous_signals_come_first_then_the_lowest_number()
    {
        ulong set = SignalNumber.Bit(SignalNumber.SIGHUP) | SignalNumber.Bit(SignalNumber.SIGSEGV) | SignalNumber.Bit(SignalNumber.SIGTERM);
        Assert.Equal(SignalNumber.SIGSEGV, PendingSignals.Next(set));
        Assert.Equal(SignalNumber.SIGHUP, PendingSignals.Next(set & ~SignalNumber.Bit(SignalNumber.SIGSEGV)));
        Assert.Equal(0, PendingSignals.Next(0));
        Assert.Equal(SignalNumber.SIGRTMAX, PendingSignals.Next(SignalNumber.Bit(SignalNumber.SIGRTMAX)));
    }

    [Fact]
    public void Set_always_equals_the_signals_held()
    {
        Gen.Select(Gen.Int[1, SignalNumber.SIGRTMAX], Gen.Bool).Array[0, 60].Sample(ops =>
        {
            var p = new PendingSignals();
            var model = new Dictionary<int, int>();
            foreach ((int signal, bool add) in ops)
            {
                if (add)
                {
                    if (p.Add(new SigInfo { Signal = signal }))
                    {
                        model[signal] = model.GetValueOrDefault(signal) + 1;
                    }
                }
                else if (p.TryTake(signal, out _))
                {
                    model[signal]--;
                }

                ulong expected = 0;
                foreach ((int s, int n) in model)
                {
                    Assert.True(s >= SignalNumber.SIGRTMIN || n <= 1);
                    expected |= n > 0 ? SignalNumber.Bit(s) : 0;
                }

                Assert.Equal(expected, p.Set);
            }
        });
    }
}
