using System.Collections.Generic;
using System.Threading;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Signals;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// The futex wait queues of one process, keyed by the futex word's guest address (private and shared futexes alike:
/// every thread that can name the word runs in this process). Every access to a futex word goes through the core's
/// user atomics.
/// </summary>
/// <remarks>
/// <para><b>Atomicity.</b> A waiter reads the word and queues itself under the table's lock, and every waker takes
/// the same lock, so a wake that follows the waker's store to the word can never be lost between a waiter's
/// comparison and its sleep (Linux's hash-bucket lock plays this role). The lock is never held across a block: the
/// waiter sleeps on its task's wake-up eventfd after releasing it.</para>
/// <para><b>Unicorn.</b> The guest's own <c>lock</c> instructions run inside the shared engine; an atomic the kernel
/// performs on a word (<c>FUTEX_WAKE_OP</c>, clearing <c>clear_child_tid</c>) is a host atomic on the same memory,
/// which TCG's single-threaded code does not treat as a concurrent writer: such a race with guest code touching the
/// same word in the same instant is not excluded there (libcs use <c>FUTEX_WAKE_OP</c> rarely and never race it with
/// their own atomics on the same word by design).</para>
/// </remarks>
internal sealed class FutexTable
{
    /// <summary>A bitset that matches every waiter (<c>FUTEX_BITSET_MATCH_ANY</c>).</summary>
    internal const uint AnyBit = uint.MaxValue;

    private readonly object _lock = new();
    private readonly Dictionary<ulong, List<Waiter>> _queues = new();

    /// <summary>How a wait ended.</summary>
    internal enum WaitOutcome
    {
        /// <summary>A wake (or requeue and wake) reached the waiter.</summary>
        Woken,

        /// <summary>The timeout passed.</summary>
        TimedOut,

        /// <summary>A signal became deliverable.</summary>
        Interrupted,
    }

    /// <summary><c>FUTEX_WAIT</c>/<c>FUTEX_WAIT_BITSET</c>: when the word at <paramref name="address"/> still holds
    /// <paramref name="expected"/>, sleeps until woken, the timeout or a signal.</summary>
    /// <param name="t">The waiting task.</param>
    /// <param name="address">The futex word (4-byte aligned).</param>
    /// <param name="expected">The value the caller saw.</param>
    /// <param name="bitset">The waiter's bitset (non-zero).</param>
    /// <param name="timeoutNs">Relative timeout in nanoseconds, or -1.</param>
    /// <param name="outcome">How the wait ended (when it started).</param>
    /// <returns>0 when the wait happened (see <paramref name="outcome"/>); -EAGAIN when the word differs; -EFAULT or
    /// -EINVAL for a word that cannot be read.</returns>
    internal long Wait(Task t, ulong address, uint expected, uint bitset, long timeoutNs, out WaitOutcome outcome)
    {
        outcome = WaitOutcome.TimedOut;
        var waiter = new Waiter(t, address, bitset);
        lock (_lock)
        {
            UserResult<uint> word = UserCopy.AtomicLoad32(t.Space, UserConstPtr<uint>.FromAddress(new VirtAddr(address)));
            if (!word.TryGetValue(out uint value))
            {
                return word.Error == LinuxError.EINVAL ? -(long)LinuxError.EINVAL : -(long)LinuxError.EFAULT;
            }

            if (value != expected)
            {
                return -(long)LinuxError.EAGAIN;
            }

            Enqueue(waiter);
        }

        int r = InterruptibleWait.SleepUntil(t, waiter.IsWoken, timeoutNs);
        lock (_lock)
        {
            if (waiter.Woken)
            {
                outcome = WaitOutcome.Woken; // a wake that raced with a timeout or signal still counts
                return 0;
            }

            Remove(waiter);
        }

        outcome = r < 0 ? WaitOutcome.Interrupted : WaitOutcome.TimedOut;
        return 0;
    }

    /// <summary><c>FUTEX_WAKE</c>/<c>FUTEX_WAKE_BITSET</c>: wakes up to <paramref name="count"/> waiters on
    /// <paramref name="address"/> whose bitset shares a bit with <paramref name="bitset"/>.</summary>
    /// <param name="t">The waking task.</param>
    /// <param name="address">The futex word.</param>
    /// <param name="count">The most to wake.</param>
    /// <param name="bitset">The bits to match.</param>
    /// <returns>The number woken.</returns>
    internal int Wake(Task t, ulong address, int count, uint bitset)
    {
        _ = t;
        lock (_lock)
        {
            return WakeLocked(address, count, bitset);
        }
    }

    /// <summary><c>FUTEX_REQUEUE</c>/<c>FUTEX_CMP_REQUEUE</c>: (after checking the word for CMP) wakes up to
    /// <paramref name="wakeCount"/> waiters on <paramref name="address"/> and moves up to
    /// <paramref name="requeueCount"/> of the rest to <paramref name="target"/>.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="address">The first futex word.</param>
    /// <param name="target">The second futex word.</param>
    /// <param name="wakeCount">The most to wake.</param>
    /// <param name="requeueCount">The most to move.</param>
    /// <param name="expected">For CMP_REQUEUE, the value the first word must hold; null for REQUEUE.</param>
    /// <returns>Woken plus requeued, or -EAGAIN/-EFAULT/-EINVAL.</returns>
    internal long Requeue(Task t, ulong address, ulong target, int wakeCount, int requeueCount, uint? expected)
    {
        lock (_lock)
        {
            if (expected is uint wanted)
            {
                UserResult<uint> word = UserCopy.AtomicLoad32(t.Space, UserConstPtr<uint>.FromAddress(new VirtAddr(address)));
                if (!word.TryGetValue(out uint value))
                {
                    return word.Error == LinuxError.EINVAL ? -(long)LinuxError.EINVAL : -(long)LinuxError.EFAULT;
                }

                if (value != wanted)
                {
                    return -(long)LinuxError.EAGAIN;
                }
            }

            int done = WakeLocked(address, wakeCount, AnyBit);
            if (address == target || !_queues.TryGetValue(address, out List<Waiter>? from))
            {
                return done;
            }

            int moved = 0;
            while (moved < requeueCount && from.Count > 0)
            {
                Waiter w = from[0];
                from.RemoveAt(0);
                w.Address = target;
                Enqueue(w);
                moved++;
            }

            if (from.Count == 0)
            {
                _ = _queues.Remove(address);
            }

            return done + moved;
        }
    }

    /// <summary><c>FUTEX_WAKE_OP</c>: atomically applies <paramref name="op"/> to the word at
    /// <paramref name="target"/> (through the core's fetch-and-op), wakes up to <paramref name="wakeCount"/> waiters on
    /// <paramref name="address"/>, and, when the comparison of the old value holds, up to
    /// <paramref name="wakeCount2"/> on <paramref name="target"/>.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="address">The first futex word.</param>
    /// <param name="target">The word operated on.</param>
    /// <param name="wakeCount">The most to wake on the first word.</param>
    /// <param name="wakeCount2">The most to wake on the second.</param>
    /// <param name="op">The operation.</param>
    /// <param name="operand">Its operand (shift already applied).</param>
    /// <param name="compare">The comparison (<c>FUTEX_OP_CMP_*</c>: 0 EQ, 1 NE, 2 LT, 3 LE, 4 GT, 5 GE).</param>
    /// <param name="compareOperand">The value compared with (sign-extended).</param>
    /// <returns>The number woken, or -EFAULT/-EINVAL.</returns>
    internal long WakeOp(Task t, ulong address, ulong target, int wakeCount, int wakeCount2, UserAtomicOp op, uint operand, int compare, int compareOperand)
    {
        lock (_lock)
        {
            UserResult<uint> old = FetchAndOp(t, target, op, operand);
            if (!old.TryGetValue(out uint previous))
            {
                return old.Error == LinuxError.EINVAL ? -(long)LinuxError.EINVAL : -(long)LinuxError.EFAULT;
            }

            int woken = WakeLocked(address, wakeCount, AnyBit);
            int oldValue = unchecked((int)previous);
            bool holds = compare switch
            {
                0 => oldValue == compareOperand,
                1 => oldValue != compareOperand,
                2 => oldValue < compareOperand,
                3 => oldValue <= compareOperand,
                4 => oldValue > compareOperand,
                _ => oldValue >= compareOperand,
            };
            if (holds)
            {
                woken += WakeLocked(target, wakeCount2, AnyBit);
            }

            return woken;
        }
    }

    /// <summary>One fetch-and-op on a futex word, in a scope of its own (nothing blocks inside it).</summary>
    private static UserResult<uint> FetchAndOp(Task t, ulong address, UserAtomicOp op, uint operand)
    {
        using UserAccess access = UserAccess.Begin(t.Space);
        return UserCopy.AtomicFetch32(in access, UserPtr<uint>.FromAddress(new VirtAddr(address)), op, operand);
    }

    private int WakeLocked(ulong address, int count, uint bitset)
    {
        if (count <= 0 || !_queues.TryGetValue(address, out List<Waiter>? queue))
        {
            return 0;
        }

        int woken = 0;
        for (int i = 0; i < queue.Count && woken < count;)
        {
            Waiter w = queue[i];
            if ((w.Bitset & bitset) == 0)
            {
                i++;
                continue;
            }

            queue.RemoveAt(i);
            w.Woken = true;
            w.Task.Wake();
            woken++;
        }

        if (queue.Count == 0)
        {
            _ = _queues.Remove(address);
        }

        return woken;
    }

    private void Enqueue(Waiter w)
    {
        if (!_queues.TryGetValue(w.Address, out List<Waiter>? queue))
        {
            queue = new List<Waiter>();
            _queues[w.Address] = queue;
        }

        queue.Add(w);
    }

    private void Remove(Waiter w)
    {
        if (_queues.TryGetValue(w.Address, out List<Waiter>? queue) && queue.Remove(w) && queue.Count == 0)
        {
            _ = _queues.Remove(w.Address);
        }
    }

    /// <summary>One sleeping task; fields guarded by the table's lock except <see cref="Woken"/>, which the sleeper
    /// polls.</summary>
    private sealed class Waiter(Task task, ulong address, uint bitset)
    {
        private int _woken;

        internal Task Task { get; } = task;

        internal ulong Address { get; set; } = address;

        internal uint Bitset { get; } = bitset;

        internal bool Woken
        {
            get => Volatile.Read(ref _woken) != 0;
            set => Volatile.Write(ref _woken, value ? 1 : 0);
        }

        internal bool IsWoken() => Woken;
    }
}
