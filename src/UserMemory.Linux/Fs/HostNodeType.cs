namespace UserMemory.Linux.Fs;

/// <summary>What a host path names, as the resolver needs to know it.</summary>
public enum HostNodeType
{
    /// <summary>Neither a directory nor a symbolic link.</summary>
    Other = 0,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link.</summary>
    Link,
}
