namespace UserMemory;

public static partial class UserCopy
{
    /// <summary>
    /// Atomically reads an aligned 32-bit word of user memory (the futex word read of <c>FUTEX_WAIT</c>).
    /// </summary>
    /// <param name="access">The open scope.</param>
    /// <param name="address">The user word; must be 4-byte aligned.</param>
    /// <returns>The value; EINVAL when misaligned (checked first, as futex does); EFAULT when not a readable user
    /// address (null included); ENOMEM when population fails. Nothing is read on failure.</returns>
    public static UserResult<uint> AtomicLoad32(ref readonly UserAccess access, UserConstPtr<uint> address)
    {
        LinuxError e = PrepareWord(in access, address.Address.Value, MappingFlags.Read, out nuint kernel);
        return e == LinuxError.None ? KernelMemory.AtomicLoad32(kernel) : e;
    }

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
        LinuxError e = PrepareWord(in access, address.Address.Value, MappingFlags.Read | MappingFlags.Write, out nuint kernel);
        return e == LinuxError.None ? KernelMemory.CompareExchange32(kernel, expected, desired) : e;
    }

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

    private static LinuxError PrepareWord(ref readonly UserAccess access, ulong address, MappingFlags flags, out nuint kernel)
    {
        kernel = 0;
        if ((address & (sizeof(uint) - 1)) != 0)
        {
            return LinuxError.EINVAL;
        }

        if (!CopyEngine.IsUserRange(in access, address, sizeof(uint)))
        {
            return LinuxError.EFAULT;
        }

        return UserAccess.Prepare(in access, address, sizeof(uint), flags, out kernel);
    }
}
