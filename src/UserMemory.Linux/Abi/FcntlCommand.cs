namespace UserMemory.Linux.Abi;

/// <summary><c>fcntl</c> commands (<c>F_*</c>).</summary>
public enum FcntlCommand : int
{
    /// <summary><c>F_DUPFD</c>.</summary>
    DupFd = 0,

    /// <summary><c>F_GETFD</c>.</summary>
    GetFd = 1,

    /// <summary><c>F_SETFD</c>.</summary>
    SetFd = 2,

    /// <summary><c>F_GETFL</c>.</summary>
    GetFl = 3,

    /// <summary><c>F_SETFL</c>.</summary>
    SetFl = 4,

    /// <summary><c>F_GETLK</c>.</summary>
    GetLk = 5,

    /// <summary><c>F_SETLK</c>.</summary>
    SetLk = 6,

    /// <summary><c>F_SETLKW</c>.</summary>
    SetLkWait = 7,

    /// <summary><c>F_DUPFD_CLOEXEC</c>.</summary>
    DupFdCloseOnExec = 1030,

    /// <summary><c>F_ADD_SEALS</c> (memfd seals, <see cref="MemfdSeals"/>).</summary>
    AddSeals = 1033,

    /// <summary><c>F_GET_SEALS</c>.</summary>
    GetSeals = 1034,
}
