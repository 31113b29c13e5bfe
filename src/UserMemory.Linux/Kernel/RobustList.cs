using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// What a thread's exit does to the robust futexes it still holds (<c>set_robust_list</c>), as Linux's
/// <c>exit_robust_list</c>: every lock on the list (and the one in <c>list_op_pending</c>) whose word names the exiting
/// thread gets <c>FUTEX_OWNER_DIED</c>, keeping <c>FUTEX_WAITERS</c>, and one waiter is woken, so the next locker sees
/// EOWNERDEAD. Every read and compare-exchange goes through the core; a bad list ends the walk silently.
/// </summary>
internal static class RobustList
{
    private const uint Waiters = 0x8000_0000;
    private const uint OwnerDied = 0x4000_0000;
    private const uint TidMask = 0x3fff_ffff;
    private const ulong PiBit = 1;
    private const int Limit = 2048;
    private const ulong FutexOffsetField = 8;
    private const ulong PendingField = 16;
    private const int RetryLimit = 16;

    /// <summary>Walks <paramref name="t"/>'s robust list (if any) at its exit.</summary>
    /// <param name="t">The exiting task.</param>
    internal static void ReleaseAtExit(Task t)
    {
        ulong head = t.RobustListHead;
        if (head == 0 || t.ReadU64(head, out ulong entry) < 0 || t.ReadU64(head + FutexOffsetField, out ulong offset) < 0
            || t.ReadU64(head + PendingField, out ulong pending) < 0)
        {
            return;
        }

        bool pendingPi = (pending & PiBit) != 0;
        pending &= ~PiBit;
        int limit = Limit;
        while (entry != head && limit-- > 0)
        {
            bool pi = (entry & PiBit) != 0;
            ulong current = entry & ~PiBit;
            long r = t.ReadU64(current, out entry);
            if (current != pending)
            {
                HandleDeath(t, current + offset, pi, pendingOp: false);
            }

            if (r < 0)
            {
                return;
            }
        }

        if (pending != 0)
        {
            HandleDeath(t, pending + offset, pendingPi, pendingOp: true);
        }
    }

    private static void HandleDeath(Task t, ulong word, bool pi, bool pendingOp)
    {
        if (word % sizeof(uint) != 0)
        {
            return;
        }

        var pointer = UserPtr<uint>.FromAddress(new VirtAddr(word));
        for (int attempt = 0; attempt < RetryLimit; attempt++)
        {
            if (!UserCopy.AtomicLoad32(t.Space, pointer).TryGetValue(out uint value))
            {
                return;
            }

            if (pendingOp && !pi && value == 0)
            {
                _ = t.Group.Futexes.Wake(t, word, 1, FutexTable.AnyBit);
                return;
            }

            if ((value & TidMask) != (uint)t.Tid)
            {
                return;
            }

            uint died = (value & Waiters) | OwnerDied;
            if (!UserCopy.CompareExchange32(t.Space, pointer, value, died).TryGetValue(out uint seen))
            {
                return;
            }

            if (seen != value)
            {
                continue; // changed under us: look again
            }

            if (!pi && (value & Waiters) != 0)
            {
                _ = t.Group.Futexes.Wake(t, word, 1, FutexTable.AnyBit);
            }

            return;
        }
    }
}
