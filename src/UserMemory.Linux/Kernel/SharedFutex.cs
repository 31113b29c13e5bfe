using System;
using System.Buffers.Binary;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Signals;
using UserMemory.Linux.Syscalls;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// Shared futexes (no <c>FUTEX_PRIVATE_FLAG</c>) on words in <c>MAP_SHARED</c> memory. Their waiters and wakers can be
/// in other guest processes, each its own runner process (a semaphore from <c>sem_open</c>, a process-shared mutex or
/// condition variable, Python's <c>multiprocessing</c>), so the wait queue must be the host's: every operation is the
/// host's <c>futex</c> on the same word, which the host keys by file and page offset, so every process mapping the
/// object meets there. Private futexes, and shared ones on private memory, stay in the process's
/// <see cref="FutexTable"/>, as Linux keys them by address space.
/// </summary>
/// <remarks>
/// <para><b>Reaching the word.</b> The word's page is mapped for the call alone, straight from the area's shared
/// object (<see cref="SharedMemory.Fd"/> at the page's offset), while a <see cref="UserAccess"/> scope keeps the
/// area from being unmapped. The scope ends before the wait blocks, so a wait never holds off the process's
/// <c>mmap</c> and <c>munmap</c>; the host keys the wait at entry, so it does not need the guest's mapping to last.
/// Permissions are the area's: a word that cannot be read (or written, for <c>FUTEX_WAKE_OP</c>'s second word) is
/// EFAULT.</para>
/// <para><b>Signals.</b> A wait blocks in the host, not in <see cref="InterruptibleWait"/>'s <c>ppoll</c>, so it
/// waits with <c>futex_waitv</c> on two words at once: the guest's, and the task's own wake-up word
/// (<see cref="Task.HostKickWord"/>), which <see cref="Task.Wake"/> bumps and wakes. The wait reads that word before
/// it looks at the task's signals and sleeps only while it is unchanged, so a signal posted at any moment ends the
/// sleep; no other waiter wakes for it. A wait whose task has a deliverable signal when it wakes answers
/// "interrupted", even if a wake arrived at the same time (callers treat EINTR as a retry). <c>futex_waitv</c> takes no
/// bitset: a guest waiter with a narrow bitset also wakes for wakes meant for other bits, a spurious wake-up futex
/// users must tolerate anyway.</para>
/// </remarks>
internal static class SharedFutex
{
    /// <summary>What the operations answer when the word is not in shared memory: the caller uses the process's
    /// own table.</summary>
    internal const long NotShared = long.MinValue;

    /// <summary>The longest single host sleep where the host lacks <c>futex_waitv</c>.</summary>
    private const long FallbackSliceNs = 100_000_000;

    private const long ClockMonotonic = 1;
    private const long NanosecondsPerSecond = 1_000_000_000;
    private const int TimespecSize = 16;
    private const int WaitvEntrySize = 24; // struct futex_waitv: val (u64), uaddr (u64), flags (u32), reserved (u32)
    private const int WaitvAddressOffset = 8;
    private const int WaitvFlagsOffset = 16;
    private const uint Futex2SizeU32 = 0x02;
    private const uint Futex2Private = (uint)FutexOperation.Private; // FUTEX2_PRIVATE is FUTEX_PRIVATE_FLAG
    private const long GuestWordWoken = 0;
    private const long KickWordWoken = 1;

    /// <summary><c>FUTEX_WAIT_BITSET</c> on a shared word: sleeps while it holds <paramref name="expected"/>, until a
    /// wake (from any process), the timeout or a deliverable signal.</summary>
    /// <param name="t">The waiting task.</param>
    /// <param name="address">The word (4-byte aligned).</param>
    /// <param name="expected">The value the caller saw.</param>
    /// <param name="bitset">The waiter's bitset (non-zero).</param>
    /// <param name="timeoutNs">Relative timeout, or -1.</param>
    /// <param name="outcome">How the wait ended, when it started.</param>
    /// <returns>0 (see <paramref name="outcome"/>), -EAGAIN, -EFAULT, or <see cref="NotShared"/>.</returns>
    internal static long Wait(Task t, ulong address, uint expected, uint bitset, long timeoutNs, out FutexTable.WaitOutcome outcome)
    {
        outcome = FutexTable.WaitOutcome.TimedOut;
        long r = MapWord(t, address, writable: false, out long page, out long word);
        if (r != 0)
        {
            return r;
        }

        Span<byte> until = stackalloc byte[TimespecSize];
        Span<byte> waiters = stackalloc byte[2 * WaitvEntrySize];
        waiters.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(waiters, expected);
        BinaryPrimitives.WriteInt64LittleEndian(waiters[WaitvAddressOffset..], word);
        BinaryPrimitives.WriteUInt32LittleEndian(waiters[WaitvFlagsOffset..], Futex2SizeU32);
        Span<byte> kick = waiters[WaitvEntrySize..];
        BinaryPrimitives.WriteInt64LittleEndian(kick[WaitvAddressOffset..], t.HostKickWord);
        BinaryPrimitives.WriteUInt32LittleEndian(kick[WaitvFlagsOffset..], Futex2SizeU32 | Futex2Private);
        t.EnterSharedWait();
        try
        {
            long deadline = timeoutNs < 0 ? -1 : Now() + timeoutNs;
            if (deadline >= 0)
            {
                WriteTimespec(until, deadline);
            }

            while (true)
            {
                // The kick word first, then the signals: a signal posted after this look bumps the word, and the
                // host then refuses to sleep on the stale value.
                BinaryPrimitives.WriteUInt64LittleEndian(kick, t.ReadKick());
                if (InterruptibleWait.Interrupts(t, 0))
                {
                    outcome = FutexTable.WaitOutcome.Interrupted;
                    return 0;
                }

                long h = HostLinux.Syscall((long)SyscallNumber.FutexWaitv, waiters, 0, deadline < 0 ? default : until, 3,
                    [0, 2, 0, 0, ClockMonotonic, 0]);
                if (h == -(long)LinuxError.ENOSYS)
                {
                    h = WaitWithoutWaitv(word, expected, bitset, deadline);
                }

                if (h == GuestWordWoken)
                {
                    outcome = InterruptibleWait.Interrupts(t, 0) ? FutexTable.WaitOutcome.Interrupted : FutexTable.WaitOutcome.Woken;
                    return 0;
                }

                if (h == -(long)LinuxError.ETIMEDOUT)
                {
                    return 0; // outcome: timed out
                }

                bool again = h == -(long)LinuxError.EAGAIN;
                if (again && GuestWordDiffers(t, address, expected))
                {
                    return h; // the guest's word changed (a changed kick word only means: look again)
                }

                if (h != KickWordWoken && !again && h != -(long)LinuxError.EINTR && h != RestartCode.RestartSys)
                {
                    return h; // EFAULT, EINVAL
                }
            }
        }
        finally
        {
            t.ExitSharedWait();
            Unmap(page);
        }
    }

    /// <summary>A host before Linux 5.16 has no <c>futex_waitv</c>: one plain <c>FUTEX_WAIT_BITSET</c> of at most
    /// <see cref="FallbackSliceNs"/> (the kick word cannot end it, so a signal waits for the slice's end at worst; a
    /// waiter requeued meanwhile goes back to its first word after a slice). Answers as <c>futex_waitv</c> would: 0
    /// for a wake, the kick index when the slice ended early enough to look again, or -errno.</summary>
    private static long WaitWithoutWaitv(long word, uint expected, uint bitset, long deadline)
    {
        long sliceEnd = Now() + FallbackSliceNs;
        long end = deadline < 0 ? sliceEnd : Math.Min(sliceEnd, deadline);
        Span<byte> slice = stackalloc byte[TimespecSize];
        WriteTimespec(slice, end);
        long h = HostLinux.Syscall((long)SyscallNumber.Futex, slice, 3, [word, (long)FutexOperation.WaitBitset, expected, 0, 0, bitset]);
        return h == -(long)LinuxError.ETIMEDOUT && (deadline < 0 || Now() < deadline) ? KickWordWoken : h;
    }

    /// <summary><c>FUTEX_WAKE_BITSET</c> on a shared word: wakes up to <paramref name="count"/> waiters whose bitset
    /// meets <paramref name="bitset"/>, in any process.</summary>
    /// <param name="t">The waking task.</param>
    /// <param name="address">The word.</param>
    /// <param name="count">At most this many.</param>
    /// <param name="bitset">Non-zero.</param>
    /// <returns>The number woken, -EFAULT, or <see cref="NotShared"/>.</returns>
    internal static long Wake(Task t, ulong address, int count, uint bitset)
    {
        long r = MapWord(t, address, writable: false, out long page, out long word);
        if (r != 0)
        {
            return r;
        }

        try
        {
            return HostLinux.Syscall((long)SyscallNumber.Futex, word, (long)FutexOperation.WakeBitset, count, 0, 0, bitset);
        }
        finally
        {
            Unmap(page);
        }
    }

    /// <summary><c>FUTEX_REQUEUE</c>/<c>FUTEX_CMP_REQUEUE</c> between two shared words.</summary>
    /// <param name="t">The task.</param>
    /// <param name="address">The first word.</param>
    /// <param name="address2">The word waiters move to.</param>
    /// <param name="wake">Waiters to wake.</param>
    /// <param name="requeue">Waiters to move.</param>
    /// <param name="compare">For CMP_REQUEUE, the value the first word must hold.</param>
    /// <returns>The host's answer, or <see cref="NotShared"/> when either word is not in shared memory.</returns>
    internal static long Requeue(Task t, ulong address, ulong address2, int wake, int requeue, uint? compare) =>
        WithTwoWords(t, address, address2, secondWritable: false, (first, second) =>
            HostLinux.Syscall((long)SyscallNumber.Futex, first, (long)(compare is null ? FutexOperation.Requeue : FutexOperation.CompareRequeue), wake, requeue, second, compare ?? 0));

    /// <summary><c>FUTEX_WAKE_OP</c> between two shared words (the host applies the operation to the second word).</summary>
    /// <param name="t">The task.</param>
    /// <param name="address">The first word.</param>
    /// <param name="address2">The word the operation changes.</param>
    /// <param name="wake">Waiters to wake on the first word.</param>
    /// <param name="wake2">Waiters to wake on the second when the comparison holds.</param>
    /// <param name="encoded">The operation, as the guest encoded it.</param>
    /// <returns>The host's answer, or <see cref="NotShared"/> when either word is not in shared memory.</returns>
    internal static long WakeOp(Task t, ulong address, ulong address2, int wake, int wake2, uint encoded) =>
        WithTwoWords(t, address, address2, secondWritable: true, (first, second) =>
            HostLinux.Syscall((long)SyscallNumber.Futex, first, (long)FutexOperation.WakeOp, wake, wake2, second, encoded));

    /// <summary>Wakes a task's wait on its kick word (<see cref="Task.Wake"/> bumped the word first).</summary>
    /// <param name="kickWord">The host address of the task's kick word.</param>
    internal static void Kick(long kickWord) =>
        _ = HostLinux.Syscall((long)SyscallNumber.Futex, kickWord, (long)(FutexOperation.Wake | FutexOperation.Private), int.MaxValue);

    private static long WithTwoWords(Task t, ulong address, ulong address2, bool secondWritable, Func<long, long, long> operation)
    {
        if (!IsShared(t, address) || !IsShared(t, address2))
        {
            return NotShared; // both private, or a mix the process's table answers as best it can
        }

        long r = MapWord(t, address, writable: false, out long page, out long word);
        if (r != 0)
        {
            return r;
        }

        try
        {
            r = MapWord(t, address2, secondWritable, out long page2, out long word2);
            if (r != 0)
            {
                return r;
            }

            try
            {
                return operation(word, word2);
            }
            finally
            {
                Unmap(page2);
            }
        }
        finally
        {
            Unmap(page);
        }
    }

    private static bool IsShared(Task t, ulong address) =>
        t.Space.TryGetArea(new VirtAddr(address), out MemoryAreaInfo area) && area.Kind == MemoryAreaKind.Shared;

    /// <summary>Maps the page of the word at <paramref name="address"/> from its area's shared object.</summary>
    /// <returns>0 with the mapping's page and the word's host address; -EFAULT; or <see cref="NotShared"/>.</returns>
    private static long MapWord(Task t, ulong address, bool writable, out long page, out long word)
    {
        page = 0;
        word = 0;
        AddrSpace space = t.Space;
        using UserAccess access = UserAccess.Begin(space);
        if (!space.TryGetArea(new VirtAddr(address), out MemoryAreaInfo area) || area.Kind != MemoryAreaKind.Shared
            || area.SharedMemory is not { } memory)
        {
            return NotShared;
        }

        MappingFlags need = writable ? MappingFlags.Read | MappingFlags.Write : MappingFlags.Read;
        if ((area.Flags & need) != need)
        {
            return -(long)LinuxError.EFAULT;
        }

        ulong pageStart = Pages.AlignDown4K(address);
        ulong offset = area.SharedOffset + (pageStart - area.Range.Start.Value);
        Protection protection = writable ? Protection.Read | Protection.Write : Protection.Read;
        long mapped = HostLinux.Syscall((long)SyscallNumber.Mmap, 0, (long)Pages.Size4K, (long)protection, (long)MapFlags.Shared, memory.Fd, (long)offset);
        if (mapped < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        page = mapped;
        word = mapped + (long)(address - pageStart);
        return 0;
    }

    private static void Unmap(long page)
    {
        if (page != 0)
        {
            _ = HostLinux.Syscall((long)SyscallNumber.Munmap, page, (long)Pages.Size4K);
        }
    }

    private static bool GuestWordDiffers(Task t, ulong address, uint expected) =>
        !UserCopy.AtomicLoad32(t.Space, UserConstPtr<uint>.FromAddress(new VirtAddr(address))).TryGetValue(out uint value)
        || value != expected;

    private static long Now() => TimeSyscalls.ClockNow(ClockMonotonic);

    private static void WriteTimespec(Span<byte> timespec, long nanoseconds)
    {
        BinaryPrimitives.WriteInt64LittleEndian(timespec, nanoseconds / NanosecondsPerSecond);
        BinaryPrimitives.WriteInt64LittleEndian(timespec[sizeof(long)..], nanoseconds % NanosecondsPerSecond);
    }
}
