namespace UserMemory.Linux.Abi;

/// <summary><c>futex</c> operations (<c>FUTEX_*</c>): the low bits of <c>futex_op</c> (<see cref="CommandMask"/>) plus the private and clock flags.</summary>
public enum FutexOperation : int
{
    /// <summary><c>FUTEX_WAIT</c>.</summary>
    Wait = 0,

    /// <summary><c>FUTEX_WAKE</c>.</summary>
    Wake = 1,

    /// <summary><c>FUTEX_FD</c> (removed).</summary>
    Fd = 2,

    /// <summary><c>FUTEX_REQUEUE</c>.</summary>
    Requeue = 3,

    /// <summary><c>FUTEX_CMP_REQUEUE</c>.</summary>
    CompareRequeue = 4,

    /// <summary><c>FUTEX_WAKE_OP</c>.</summary>
    WakeOp = 5,

    /// <summary><c>FUTEX_LOCK_PI</c>.</summary>
    LockPi = 6,

    /// <summary><c>FUTEX_UNLOCK_PI</c>.</summary>
    UnlockPi = 7,

    /// <summary><c>FUTEX_TRYLOCK_PI</c>.</summary>
    TryLockPi = 8,

    /// <summary><c>FUTEX_WAIT_BITSET</c>.</summary>
    WaitBitset = 9,

    /// <summary><c>FUTEX_WAKE_BITSET</c>.</summary>
    WakeBitset = 10,

    /// <summary><c>FUTEX_WAIT_REQUEUE_PI</c>.</summary>
    WaitRequeuePi = 11,

    /// <summary><c>FUTEX_CMP_REQUEUE_PI</c>.</summary>
    CompareRequeuePi = 12,

    /// <summary><c>FUTEX_LOCK_PI2</c>.</summary>
    LockPi2 = 13,

    /// <summary><c>FUTEX_CMD_MASK</c> is <c>~(PRIVATE|CLOCK_REALTIME)</c>; this is the command bits.</summary>
    CommandMask = 0x7f,

    /// <summary><c>FUTEX_PRIVATE_FLAG</c>.</summary>
    Private = 128,

    /// <summary><c>FUTEX_CLOCK_REALTIME</c>.</summary>
    ClockRealtime = 256,
}
