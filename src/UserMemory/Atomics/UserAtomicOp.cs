namespace UserMemory;

/// <summary>
/// The read-modify-write operations of the user atomics (<see cref="UserCopy.AtomicFetch32"/>,
/// <see cref="UserCopy.AtomicFetch64"/>). <see cref="Set"/> to <see cref="Xor"/> have the numbers of Linux's
/// <c>FUTEX_OP_SET</c> … <c>FUTEX_OP_XOR</c>, so a <c>FUTEX_WAKE_OP</c> decoder can cast the op field directly (after
/// applying <c>FUTEX_OP_OPARG_SHIFT</c> to the operand itself).
/// </summary>
public enum UserAtomicOp
{
    /// <summary><c>*word = operand</c> (an exchange).</summary>
    Set = 0,

    /// <summary><c>*word += operand</c> (wrapping).</summary>
    Add = 1,

    /// <summary><c>*word |= operand</c>.</summary>
    Or = 2,

    /// <summary><c>*word &amp;= ~operand</c> (futex's ANDN).</summary>
    AndNot = 3,

    /// <summary><c>*word ^= operand</c>.</summary>
    Xor = 4,

    /// <summary><c>*word &amp;= operand</c>.</summary>
    And = 5,
}
