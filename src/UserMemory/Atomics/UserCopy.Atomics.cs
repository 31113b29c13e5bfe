using System.Threading;

namespace UserMemory;

/// <summary>
/// User atomics: single atomic instructions on an aligned 32- or 64-bit word of user memory, the building blocks of
/// futexes, robust lists and <c>FUTEX_WAKE_OP</c>.
/// </summary>
/// <remarks>
/// <para>Every member checks in this order, and touches memory only when all pass: alignment (EINVAL for a word not
/// aligned to its size, checked first, as Linux's futex code does: <c>../shared/semantics.md</c> keeps EINVAL for
/// misaligned atomics while the copy API accepts misaligned data); then the word lies in user space and its area allows
/// the access (EFAULT; null included; a read-only word is EFAULT for every member that writes); then population (ENOMEM).
/// Loads need <see cref="MappingFlags.Read"/>; everything else needs read and write.</para>
/// <para>Each operation is one hardware atomic on the shared page (or a compare-exchange loop for XOR on 32 bits and on 64
/// bits, which has no single instruction in .NET), so another thread or a guest CPU touching the word concurrently sees
/// either the old or the new value, never a mix.</para>
/// </remarks>
public static partial class UserCopy
{
    private const ulong Word32Size = sizeof(uint);
    private const ulong Word64Size = sizeof(ulong);

    /// <summary>
    /// Atomically reads an aligned 32-bit word of user memory (the futex word read of <c>FUTEX_WAIT</c>).
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 4-byte aligned.</param>
    /// <returns>The value; EINVAL when misaligned (checked first, as futex does); EFAULT when not a readable user
    /// address (null included); ENOMEM when population fails. Nothing is read on failure.</returns>
    public static UserResult<uint> AtomicLoad32(ref readonly UserAccess access, UserConstPtr<uint> address)
    {
        LinuxError e = PrepareWord(in access, address.Address.Value, Word32Size, MappingFlags.Read, out nuint kernel);
        return e == LinuxError.None ? Volatile.Read(ref KernelMemory.AsRef<uint>(kernel)) : e;
    }

    /// <summary>Atomically reads an aligned 64-bit word of user memory.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 8-byte aligned.</param>
    /// <returns>The value; EINVAL when misaligned; EFAULT when not a readable user address; ENOMEM when population fails.</returns>
    public static UserResult<ulong> AtomicLoad64(ref readonly UserAccess access, UserConstPtr<ulong> address)
    {
        LinuxError e = PrepareWord(in access, address.Address.Value, Word64Size, MappingFlags.Read, out nuint kernel);
        return e == LinuxError.None ? Volatile.Read(ref KernelMemory.AsRef<ulong>(kernel)) : e;
    }

    /// <summary>Atomically writes an aligned 32-bit word of user memory (with release ordering).</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 4-byte aligned.</param>
    /// <param name="value">The value to store.</param>
    /// <returns><see cref="LinuxError.None"/>; EINVAL when misaligned; EFAULT when not a readable and writable user address;
    /// ENOMEM when population fails. Memory is untouched on failure.</returns>
    public static LinuxError AtomicStore32(ref readonly UserAccess access, UserPtr<uint> address, uint value)
    {
        LinuxError e = PrepareWord(in access, address.Address.Value, Word32Size, MappingFlags.Read | MappingFlags.Write, out nuint kernel);
        if (e == LinuxError.None)
        {
            Volatile.Write(ref KernelMemory.AsRef<uint>(kernel), value);
        }

        return e;
    }

    /// <summary>Atomically writes an aligned 64-bit word of user memory (with release ordering).</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 8-byte aligned.</param>
    /// <param name="value">The value to store.</param>
    /// <returns>As <see cref="AtomicStore32"/>.</returns>
    public static LinuxError AtomicStore64(ref readonly UserAccess access, UserPtr<ulong> address, ulong value)
    {
        LinuxError e = PrepareWord(in access, address.Address.Value, Word64Size, MappingFlags.Read | MappingFlags.Write, out nuint kernel);
        if (e == LinuxError.None)
        {
            Volatile.Write(ref KernelMemory.AsRef<ulong>(kernel), value);
        }

        return e;
    }

    /// <summary>Atomically replaces an aligned 32-bit word and answers what it held.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 4-byte aligned.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The previous value; EINVAL, EFAULT or ENOMEM as for <see cref="AtomicStore32"/> (memory untouched).</returns>
    public static UserResult<uint> AtomicExchange32(ref readonly UserAccess access, UserPtr<uint> address, uint value) =>
        AtomicFetch32(in access, address, UserAtomicOp.Set, value);

    /// <summary>Atomically replaces an aligned 64-bit word and answers what it held.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 8-byte aligned.</param>
    /// <param name="value">The new value.</param>
    /// <returns>The previous value; EINVAL, EFAULT or ENOMEM (memory untouched).</returns>
    public static UserResult<ulong> AtomicExchange64(ref readonly UserAccess access, UserPtr<ulong> address, ulong value) =>
        AtomicFetch64(in access, address, UserAtomicOp.Set, value);

    /// <summary>
    /// Atomically replaces an aligned 32-bit word of user memory with <paramref name="desired"/> if it holds
    /// <paramref name="expected"/> (Linux's <c>futex_atomic_cmpxchg_inatomic</c>).
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 4-byte aligned.</param>
    /// <param name="expected">The value the word must hold.</param>
    /// <param name="desired">The value to store.</param>
    /// <returns>The value the word held before: equal to <paramref name="expected"/> exactly when the exchange
    /// happened. EINVAL when misaligned; EFAULT when not a readable and writable user address; ENOMEM when population
    /// fails. Memory is untouched on failure.</returns>
    public static UserResult<uint> CompareExchange32(ref readonly UserAccess access, UserPtr<uint> address, uint expected, uint desired)
    {
        LinuxError e = PrepareWord(in access, address.Address.Value, Word32Size, MappingFlags.Read | MappingFlags.Write, out nuint kernel);
        return e == LinuxError.None ? Interlocked.CompareExchange(ref KernelMemory.AsRef<uint>(kernel), desired, expected) : e;
    }

    /// <summary>The 64-bit form of <see cref="CompareExchange32(ref readonly UserAccess, UserPtr{uint}, uint, uint)"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 8-byte aligned.</param>
    /// <param name="expected">The value the word must hold.</param>
    /// <param name="desired">The value to store.</param>
    /// <returns>The previous value (equal to <paramref name="expected"/> exactly when exchanged); EINVAL, EFAULT or ENOMEM.</returns>
    public static UserResult<ulong> CompareExchange64(ref readonly UserAccess access, UserPtr<ulong> address, ulong expected, ulong desired)
    {
        LinuxError e = PrepareWord(in access, address.Address.Value, Word64Size, MappingFlags.Read | MappingFlags.Write, out nuint kernel);
        return e == LinuxError.None ? Interlocked.CompareExchange(ref KernelMemory.AsRef<ulong>(kernel), desired, expected) : e;
    }

    /// <summary>
    /// Atomically applies <paramref name="op"/> with <paramref name="operand"/> to an aligned 32-bit word and answers
    /// the value it held before (the fetch-and-op of <c>FUTEX_WAKE_OP</c>, <c>arch_futex_atomic_op_inuser</c>).
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 4-byte aligned.</param>
    /// <param name="op">The operation.</param>
    /// <param name="operand">The operand.</param>
    /// <returns>The previous value; ENOSYS for an undefined <paramref name="op"/> (as futex answers an unknown op,
    /// checked before anything else); EINVAL, EFAULT or ENOMEM as for <see cref="AtomicStore32"/>. Memory is untouched
    /// on failure.</returns>
    public static UserResult<uint> AtomicFetch32(ref readonly UserAccess access, UserPtr<uint> address, UserAtomicOp op, uint operand)
    {
        if ((uint)op > (uint)UserAtomicOp.And)
        {
            return LinuxError.ENOSYS;
        }

        LinuxError e = PrepareWord(in access, address.Address.Value, Word32Size, MappingFlags.Read | MappingFlags.Write, out nuint kernel);
        if (e != LinuxError.None)
        {
            return e;
        }

        ref uint word = ref KernelMemory.AsRef<uint>(kernel);
        switch (op)
        {
            case UserAtomicOp.Set:
                return Interlocked.Exchange(ref word, operand);
            case UserAtomicOp.Add:
                return Interlocked.Add(ref word, operand) - operand;
            case UserAtomicOp.Or:
                return Interlocked.Or(ref word, operand);
            case UserAtomicOp.AndNot:
                return Interlocked.And(ref word, ~operand);
            case UserAtomicOp.And:
                return Interlocked.And(ref word, operand);
            default:
                uint seen = Volatile.Read(ref word);
                while (true)
                {
                    uint before = Interlocked.CompareExchange(ref word, seen ^ operand, seen);
                    if (before == seen)
                    {
                        return before;
                    }

                    seen = before;
                }
        }
    }

    /// <summary>The 64-bit form of <see cref="AtomicFetch32"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 8-byte aligned.</param>
    /// <param name="op">The operation.</param>
    /// <param name="operand">The operand.</param>
    /// <returns>The previous value; ENOSYS, EINVAL, EFAULT or ENOMEM as for <see cref="AtomicFetch32"/>.</returns>
    public static UserResult<ulong> AtomicFetch64(ref readonly UserAccess access, UserPtr<ulong> address, UserAtomicOp op, ulong operand)
    {
        if ((uint)op > (uint)UserAtomicOp.And)
        {
            return LinuxError.ENOSYS;
        }

        LinuxError e = PrepareWord(in access, address.Address.Value, Word64Size, MappingFlags.Read | MappingFlags.Write, out nuint kernel);
        if (e != LinuxError.None)
        {
            return e;
        }

        ref ulong word = ref KernelMemory.AsRef<ulong>(kernel);
        switch (op)
        {
            case UserAtomicOp.Set:
                return Interlocked.Exchange(ref word, operand);
            case UserAtomicOp.Add:
                return Interlocked.Add(ref word, operand) - operand;
            case UserAtomicOp.Or:
                return Interlocked.Or(ref word, operand);
            case UserAtomicOp.AndNot:
                return Interlocked.And(ref word, ~operand);
            case UserAtomicOp.And:
                return Interlocked.And(ref word, operand);
            default:
                ulong seen = Volatile.Read(ref word);
                while (true)
                {
                    ulong before = Interlocked.CompareExchange(ref word, seen ^ operand, seen);
                    if (before == seen)
                    {
                        return before;
                    }

                    seen = before;
                }
        }
    }

    /// <summary>Atomic <c>*word += operand</c>; answers the previous value. See <see cref="AtomicFetch32"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 4-byte aligned.</param>
    /// <param name="operand">The addend.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<uint> FetchAdd32(ref readonly UserAccess access, UserPtr<uint> address, uint operand) =>
        AtomicFetch32(in access, address, UserAtomicOp.Add, operand);

    /// <summary>Atomic <c>*word |= operand</c>; answers the previous value. See <see cref="AtomicFetch32"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 4-byte aligned.</param>
    /// <param name="operand">The bits to set.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<uint> FetchOr32(ref readonly UserAccess access, UserPtr<uint> address, uint operand) =>
        AtomicFetch32(in access, address, UserAtomicOp.Or, operand);

    /// <summary>Atomic <c>*word &amp;= operand</c>; answers the previous value. See <see cref="AtomicFetch32"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 4-byte aligned.</param>
    /// <param name="operand">The bits to keep.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<uint> FetchAnd32(ref readonly UserAccess access, UserPtr<uint> address, uint operand) =>
        AtomicFetch32(in access, address, UserAtomicOp.And, operand);

    /// <summary>Atomic <c>*word ^= operand</c>; answers the previous value. See <see cref="AtomicFetch32"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 4-byte aligned.</param>
    /// <param name="operand">The bits to flip.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<uint> FetchXor32(ref readonly UserAccess access, UserPtr<uint> address, uint operand) =>
        AtomicFetch32(in access, address, UserAtomicOp.Xor, operand);

    /// <summary>Atomic 64-bit <c>*word += operand</c>; answers the previous value. See <see cref="AtomicFetch64"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 8-byte aligned.</param>
    /// <param name="operand">The addend.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<ulong> FetchAdd64(ref readonly UserAccess access, UserPtr<ulong> address, ulong operand) =>
        AtomicFetch64(in access, address, UserAtomicOp.Add, operand);

    /// <summary>Atomic 64-bit <c>*word |= operand</c>; answers the previous value. See <see cref="AtomicFetch64"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 8-byte aligned.</param>
    /// <param name="operand">The bits to set.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<ulong> FetchOr64(ref readonly UserAccess access, UserPtr<ulong> address, ulong operand) =>
        AtomicFetch64(in access, address, UserAtomicOp.Or, operand);

    /// <summary>Atomic 64-bit <c>*word &amp;= operand</c>; answers the previous value. See <see cref="AtomicFetch64"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 8-byte aligned.</param>
    /// <param name="operand">The bits to keep.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<ulong> FetchAnd64(ref readonly UserAccess access, UserPtr<ulong> address, ulong operand) =>
        AtomicFetch64(in access, address, UserAtomicOp.And, operand);

    /// <summary>Atomic 64-bit <c>*word ^= operand</c>; answers the previous value. See <see cref="AtomicFetch64"/>.</summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; 8-byte aligned.</param>
    /// <param name="operand">The bits to flip.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<ulong> FetchXor64(ref readonly UserAccess access, UserPtr<ulong> address, ulong operand) =>
        AtomicFetch64(in access, address, UserAtomicOp.Xor, operand);

    /// <summary>Reads a futex word in a scope of its own. See <see cref="AtomicLoad32(ref readonly UserAccess, UserConstPtr{uint})"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="address">The user word.</param>
    /// <returns>The value, or EINVAL/EFAULT/ENOMEM.</returns>
    public static UserResult<uint> AtomicLoad32(IAddrSpaceProvider provider, UserConstPtr<uint> address)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return AtomicLoad32(in access, address);
    }

    /// <summary>Compare-and-exchanges a futex word in a scope of its own. See
    /// <see cref="CompareExchange32(ref readonly UserAccess, UserPtr{uint}, uint, uint)"/>.</summary>
    /// <param name="provider">Gives the address space.</param>
    /// <param name="address">The user word.</param>
    /// <param name="expected">The value the word must hold.</param>
    /// <param name="desired">The value to store.</param>
    /// <returns>The previous value, or EINVAL/EFAULT/ENOMEM (memory untouched).</returns>
    public static UserResult<uint> CompareExchange32(IAddrSpaceProvider provider, UserPtr<uint> address, uint expected, uint desired)
    {
        using UserAccess access = UserAccess.Begin(provider);
        return CompareExchange32(in access, address, expected, desired);
    }

    private static LinuxError PrepareWord(ref readonly UserAccess access, ulong address, ulong size, MappingFlags flags, out nuint kernel)
    {
        kernel = 0;
        if ((address & (size - 1)) != 0)
        {
            return LinuxError.EINVAL;
        }

        if (!CopyEngine.IsUserRange(in access, address, size))
        {
            return LinuxError.EFAULT;
        }

        return UserAccess.Prepare(in access, address, size, flags, out kernel);
    }
}
