using UserMemory.Linux.Fs.Proc;

namespace UserMemory.Linux.Fs;

/// <summary>An open file description of a synthetic file (<c>/proc/PID/...</c>): the node it names, its file offset
/// and the rendered bytes (rendered on the first read at offset 0 and again whenever the guest reads from offset 0,
/// like Linux's seq_file). Shared between duplicated descriptors, like any open file description.</summary>
/// <param name="node">The node.</param>
/// <param name="statusFlags">The open flags the guest gave (access mode, O_NONBLOCK...).</param>
public sealed class SyntheticFile(ProcNode node, int statusFlags) : OpenFile
{
    /// <inheritdoc/>
    public override int HostFd => -1;

    /// <summary>The node this description reads.</summary>
    public ProcNode Node { get; } = node;

    /// <summary>The open flags the guest gave.</summary>
    public int StatusFlags { get; set; } = statusFlags;

    /// <summary>The file offset (a directory's offset counts entries).</summary>
    public long Offset { get; set; }

    /// <summary>The rendered contents, or null before the first read.</summary>
    internal byte[]? Content { get; set; }
}
