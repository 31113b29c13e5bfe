namespace UserMemory.Linux.Abi;

/// <summary><c>sendmmsg</c>/<c>recvmmsg</c>: <c>struct mmsghdr</c> and the flags only these calls read.</summary>
internal static class MultiMessageAbi
{
    /// <summary>The size of <c>struct mmsghdr</c>: a <c>struct msghdr</c>, the <c>msg_len</c> and padding.</summary>
    internal const int EntrySize = 64;

    /// <summary>The offset of <c>msg_len</c> (unsigned int) in <c>struct mmsghdr</c>.</summary>
    internal const int LengthOffset = SocketAbi.MessageHeaderSize;

    /// <summary>UIO_MAXIOV: sendmmsg sends at most this many messages per call.</summary>
    internal const uint MaxMessages = 1024;

    /// <summary><c>MSG_OOB</c>: a message of out-of-band data ends recvmmsg's batch.</summary>
    internal const int OutOfBand = 0x1;

    /// <summary><c>MSG_WAITFORONE</c>: recvmmsg turns on MSG_DONTWAIT after the first message.</summary>
    internal const long WaitForOne = 0x10000;

    /// <summary><c>MSG_CMSG_COMPAT</c>: a kernel-internal flag; from user space it is EINVAL.</summary>
    internal const long ControlCompat = 0x80000000;
}
