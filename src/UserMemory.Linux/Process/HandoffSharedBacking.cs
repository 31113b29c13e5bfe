namespace UserMemory.Linux.Process;

/// <summary>What a fork state's shared object (<c>MAP_SHARED</c>) is: the child maps the same object, inherited as a
/// host descriptor, instead of receiving a copy of its pages.</summary>
internal enum HandoffSharedBacking
{
    /// <summary>Shared anonymous memory: a memfd of page-aligned size.</summary>
    Memory = 0,

    /// <summary>A host file open for reading only.</summary>
    ReadOnlyFile = 1,

    /// <summary>A host file open for reading and writing.</summary>
    WritableFile = 2,
}
