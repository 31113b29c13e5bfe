using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Syscalls.I386;

/// <summary>The i386 calls with 16-bit user and group ids (<c>getuid</c>, <c>getgid</c>, <c>geteuid</c>,
/// <c>getegid</c>: Linux's <c>sys_getuid16</c> and friends): the 32-bit id, or the overflow id 65534 when it does not
/// fit in 16 bits (<c>high2lowuid</c>).</summary>
internal static class I386LegacyIds
{
    /// <summary>The id a 16-bit call reports for an id above 16 bits (<c>/proc/sys/kernel/overflowuid</c>'s default).</summary>
    private const long OverflowId = 65534;

    /// <summary>The largest id a 16-bit call can report.</summary>
    private const long Largest16BitId = ushort.MaxValue;

    /// <summary>A row for a 16-bit id call that reads the id through <paramref name="native"/>.</summary>
    /// <param name="number">The i386 call.</param>
    /// <param name="native">The x86-64 call that returns the 32-bit id.</param>
    /// <returns>The row.</returns>
    public static I386SyscallEntry Entry(I386SyscallNumber number, SyscallNumber native)
    {
        SyscallHandler read = SyscallTable.Lookup((long)native)!.Handler;
        return new I386SyscallEntry(number, native, SupportLevel.Full, "", (t, a) => Narrow(read(t, a)));
    }

    /// <summary><c>high2lowuid</c>; an error (negative) passes through.</summary>
    private static long Narrow(long id) => id > Largest16BitId ? OverflowId : id;
}
