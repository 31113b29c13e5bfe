namespace UserMemory.Linux.Abi;

/// <summary>inotify flags (<c>IN_*</c>) the layer checks before the host sees a request.</summary>
internal static class InotifyAbi
{
    /// <summary><c>ALL_INOTIFY_BITS</c>: every event and control bit; a mask with none of them is EINVAL.</summary>
    internal const uint AllBits = 0x00000fff | 0x00002000 | 0x00004000 | 0x00008000 | 0x01000000 | 0x02000000
        | 0x04000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80000000;

    /// <summary><c>IN_DONT_FOLLOW</c>: do not follow a final symbolic link.</summary>
    internal const uint DontFollow = 0x02000000;

    /// <summary><c>IN_MASK_CREATE</c>: only create a new watch.</summary>
    internal const uint MaskCreate = 0x10000000;

    /// <summary><c>IN_MASK_ADD</c>: add to an existing watch's mask.</summary>
    internal const uint MaskAdd = 0x20000000;

    /// <summary><c>IN_CLOEXEC</c> and <c>IN_NONBLOCK</c>: the flags inotify_init1 accepts.</summary>
    internal const long InitFlags = (long)(OpenFlags.CloseOnExec | OpenFlags.NonBlock);
}
