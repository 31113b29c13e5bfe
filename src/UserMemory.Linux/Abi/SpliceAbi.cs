namespace UserMemory.Linux.Abi;

/// <summary><c>splice</c>, <c>tee</c> and <c>vmsplice</c> flags (<c>SPLICE_F_*</c>) and the pipe facts they use.</summary>
internal static class SpliceAbi
{
    /// <summary><c>SPLICE_F_MOVE</c>: a hint to move pages.</summary>
    internal const long Move = 0x1;

    /// <summary><c>SPLICE_F_NONBLOCK</c>: do not wait on the pipes.</summary>
    internal const long NonBlock = 0x2;

    /// <summary><c>SPLICE_F_MORE</c>: more data follows.</summary>
    internal const long More = 0x4;

    /// <summary><c>SPLICE_F_GIFT</c>: vmsplice's pages are a gift to the kernel.</summary>
    internal const long Gift = 0x8;

    /// <summary><c>SPLICE_F_ALL</c>: every flag; another bit is EINVAL.</summary>
    internal const long All = Move | NonBlock | More | Gift;

    /// <summary><c>F_GETPIPE_SZ</c>: a pipe's capacity in bytes.</summary>
    internal const int GetPipeSize = 1032;

    /// <summary><c>RWF_NOWAIT</c>: a preadv2/pwritev2 that answers EAGAIN instead of waiting.</summary>
    internal const long ReadWriteNoWait = 0x8;
}
