namespace UserMemory.Linux.Fs.Proc;

/// <summary>The kinds of synthetic file-system node under <c>/proc/PID</c> (and the <c>/dev/fd</c> link).</summary>
public enum ProcNodeKind
{
    /// <summary>Not a synthetic node.</summary>
    None = 0,

    /// <summary><c>/proc/self</c>: a link to <c>PID</c>.</summary>
    SelfLink,

    /// <summary><c>/proc/thread-self</c>: a link to <c>PID/task/TID</c>.</summary>
    ThreadSelfLink,

    /// <summary><c>/dev/fd</c>: a link to <c>/proc/self/fd</c>.</summary>
    DevFdLink,

    /// <summary><c>/proc/PID</c>.</summary>
    ProcessDirectory,

    /// <summary><c>/proc/PID/task</c>.</summary>
    TaskList,

    /// <summary><c>/proc/PID/task/TID</c>.</summary>
    ThreadDirectory,

    /// <summary><c>fd/</c>.</summary>
    FdDirectory,

    /// <summary><c>fdinfo/</c>.</summary>
    FdInfoDirectory,

    /// <summary><c>fd/N</c>: a magic link to the open description itself.</summary>
    FdLink,

    /// <summary><c>fdinfo/N</c>.</summary>
    FdInfo,

    /// <summary><c>maps</c>.</summary>
    Maps,

    /// <summary><c>mem</c>: the guest's memory, by address.</summary>
    Memory,

    /// <summary><c>exe</c>: a link to the guest program.</summary>
    Executable,

    /// <summary><c>cwd</c>: a link to the guest's working directory.</summary>
    WorkingDirectory,

    /// <summary><c>root</c>: a link to the guest's root.</summary>
    RootLink,

    /// <summary><c>cmdline</c>.</summary>
    CommandLine,

    /// <summary><c>environ</c>.</summary>
    Environment,

    /// <summary><c>comm</c>.</summary>
    Command,

    /// <summary><c>status</c>.</summary>
    Status,

    /// <summary><c>stat</c>.</summary>
    Stat,

    /// <summary><c>statm</c>.</summary>
    StatM,

    /// <summary><c>auxv</c>.</summary>
    AuxiliaryVector,
}
