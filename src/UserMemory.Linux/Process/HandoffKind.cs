namespace UserMemory.Linux.Process;

/// <summary>What a hand-off state carries to the next runner process.</summary>
public enum HandoffKind : uint
{
    /// <summary>A guest <c>execve</c>: load a new program (path, argv, envp) into a fresh process.</summary>
    Exec = 1,

    /// <summary>A guest <c>fork</c>: rebuild the parent's process (registers, areas, memory) and continue after the
    /// <c>fork</c> with RAX = 0.</summary>
    Fork = 2,
}
