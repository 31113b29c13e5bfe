using System;
using System.Threading;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Signals;

/// <summary>
/// A blocking host call that any guest signal can interrupt, as the same call is interruptible on Linux (EINTR, or a
/// restart under SA_RESTART; a fatal signal ends the process): a FIFO open waiting for its peer, a record lock
/// (<c>F_SETLKW</c>, <c>F_OFD_SETLKW</c>) or <c>flock</c> waiting for another holder. No forwarded signal can end a
/// host call in a runner thread (the runner blocks them all and reads them from a signalfd), so the call runs on a
/// helper host thread while the task waits in <see cref="InterruptibleWait"/>.
/// </summary>
/// <remarks>When a signal becomes deliverable first, the task ends the helper's call with a thread-directed host
/// signal whose handler does not restart calls (<see cref="HelperThreadInterrupt"/>): the call fails with EINTR
/// without having done anything (no lock taken, no FIFO opened), and the task answers
/// <see cref="RestartCode.RestartSys"/>. A call that returned on its own first stands, as on Linux, where the signal
/// is then delivered after the call returns. The call must be one that EINTR leaves undone, and its result must not
/// depend on the calling thread (record locks belong to the process, OFD locks and flock to the open file).</remarks>
internal static class InterruptibleHostCall
{
    /// <summary>How long the task waits for the helper after interrupting it before it interrupts again (the signal
    /// may have come before the helper entered its call).</summary>
    private const int RetryMilliseconds = 5;

    /// <summary>Runs <paramref name="call"/> on a helper thread, interruptibly.</summary>
    /// <param name="t">The task that waits.</param>
    /// <param name="call">The blocking host call: returns its result or -errno; called again after an EINTR that
    /// was not a cancel.</param>
    /// <param name="threadName">The helper thread's name.</param>
    /// <returns>The call's result, or <see cref="RestartCode.RestartSys"/> when a signal interrupted it.</returns>
    internal static long Run(Task t, Func<long> call, string threadName)
    {
        if (t.WakeFd < 0)
        {
            return call(); // a task without its wake-up eventfd could not hear the helper
        }

        var pending = new PendingCall(t, call);
        HelperThreadInterrupt.Install();
        var helper = new Thread(pending.Run) { IsBackground = true, Name = threadName };
        helper.Start();
        if (InterruptibleWait.SleepUntil(t, pending.IsDone, -1) == 1)
        {
            helper.Join();
            return pending.Result;
        }

        while (!pending.Interrupt())
        {
            _ = helper.Join(RetryMilliseconds);
        }

        helper.Join();
        return pending.Result == -(long)LinuxError.EINTR ? RestartCode.RestartSys : pending.Result;
    }

    /// <summary>The helper thread's call and its result.</summary>
    private sealed class PendingCall(Task task, Func<long> call)
    {
        private readonly Lock _gate = new();
        private long _result;
        private bool _done;
        private bool _cancelled;
        private int _threadId;

        /// <summary>The call's result (valid once <see cref="IsDone"/>): -EINTR only when it was cancelled.</summary>
        internal long Result => Volatile.Read(ref _result);

        /// <summary>Whether the call returned.</summary>
        /// <returns>True once it did.</returns>
        internal bool IsDone()
        {
            lock (_gate)
            {
                return _done;
            }
        }

        /// <summary>Cancels the call: sets the flag the helper checks before each attempt and signals the helper
        /// thread when it is known and still in its call (or about to enter it).</summary>
        /// <returns>True once the call returned (nothing more to send).</returns>
        internal bool Interrupt()
        {
            lock (_gate)
            {
                _cancelled = true;
                if (_done)
                {
                    return true;
                }

                if (_threadId != 0)
                {
                    HelperThreadInterrupt.Send(_threadId); // alive: it reports done under this lock before it ends
                }

                return false;
            }
        }

        /// <summary>The helper thread's body: calls until the call ends other than by EINTR, or a cancel came.</summary>
        internal void Run()
        {
            HelperThreadInterrupt.UnblockForThisThread();
            lock (_gate)
            {
                _threadId = HelperThreadInterrupt.CurrentThreadId();
            }

            long r;
            while (true)
            {
                lock (_gate)
                {
                    if (_cancelled)
                    {
                        r = -(long)LinuxError.EINTR;
                        break;
                    }
                }

                r = call();
                if (r != -(long)LinuxError.EINTR)
                {
                    break;
                }
            }

            lock (_gate)
            {
                Volatile.Write(ref _result, r);
                _done = true;
            }

            task.Wake();
        }
    }
}
