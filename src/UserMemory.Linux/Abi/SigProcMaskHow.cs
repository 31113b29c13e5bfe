namespace UserMemory.Linux.Abi;

/// <summary><c>rt_sigprocmask</c>'s <c>how</c>.</summary>
public enum SigProcMaskHow : int
{
    /// <summary><c>SIG_BLOCK</c>.</summary>
    Block = 0,

    /// <summary><c>SIG_UNBLOCK</c>.</summary>
    Unblock = 1,

    /// <summary><c>SIG_SETMASK</c>.</summary>
    SetMask = 2,
}
