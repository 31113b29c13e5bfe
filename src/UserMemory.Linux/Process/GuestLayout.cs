namespace UserMemory.Linux.Process;

/// <summary>Where things go in a guest address space. The user range is 64 GiB so that both host views of the
/// address space (kernel and guest) fit comfortably in the host's address space.</summary>
public static class GuestLayout
{
    /// <summary>The first user address (the first 64 KiB stay unmapped, like Linux's <c>mmap_min_addr</c>).</summary>
    public const ulong UserStart = 0x10000;

    /// <summary>The end of the user range.</summary>
    public const ulong UserEnd = 0x10_0000_0000;

    /// <summary>Where position-independent executables are loaded.</summary>
    public const ulong PieBase = 0x5555_0000;

    /// <summary>Where <c>mmap</c> without a hint starts looking (bottom-up).</summary>
    public const ulong MmapBase = 0x8_0000_0000;

    /// <summary>The end of the initial stack.</summary>
    public const ulong StackTop = UserEnd - 0x1000;

    /// <summary>The initial stack's size (lazily populated).</summary>
    public const ulong StackSize = 8UL << 20;

    /// <summary>The lowest address of the stack area.</summary>
    public const ulong StackBottom = StackTop - StackSize;
}
