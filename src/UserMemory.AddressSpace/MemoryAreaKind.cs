namespace UserMemory.AddressSpace;

/// <summary>What backs a memory area.</summary>
public enum MemoryAreaKind
{
    /// <summary>Private anonymous memory (<c>MAP_PRIVATE | MAP_ANONYMOUS</c>, or loader contents): copied on fork.</summary>
    Private = 0,

    /// <summary>A <see cref="SharedMemory"/> object (<c>MAP_SHARED</c>): the same pages in every space mapping it.</summary>
    Shared = 1,
}
