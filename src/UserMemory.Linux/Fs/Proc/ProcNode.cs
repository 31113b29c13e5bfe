namespace UserMemory.Linux.Fs.Proc;

/// <summary>One synthetic node: its kind and the process, thread and descriptor it describes.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Pid">The process.</param>
/// <param name="Tid">The thread (the pid for process-level nodes).</param>
/// <param name="Fd">The guest descriptor for <see cref="ProcNodeKind.FdLink"/> and <see cref="ProcNodeKind.FdInfo"/>, else -1.</param>
public readonly record struct ProcNode(ProcNodeKind Kind, int Pid, int Tid, int Fd = -1)
{
    /// <summary>True for directories.</summary>
    public bool IsDirectory => Kind is ProcNodeKind.ProcessDirectory or ProcNodeKind.TaskList or ProcNodeKind.ThreadDirectory
        or ProcNodeKind.FdDirectory or ProcNodeKind.FdInfoDirectory;

    /// <summary>True for symbolic links (ordinary or magic).</summary>
    public bool IsLink => Kind is ProcNodeKind.SelfLink or ProcNodeKind.ThreadSelfLink or ProcNodeKind.DevFdLink
        or ProcNodeKind.FdLink or ProcNodeKind.Executable or ProcNodeKind.WorkingDirectory or ProcNodeKind.RootLink;
}
