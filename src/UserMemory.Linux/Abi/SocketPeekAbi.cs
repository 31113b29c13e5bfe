namespace UserMemory.Linux.Abi;

/// <summary>What a receive needs to tell a stream socket and to look at its queue without taking from it.</summary>
internal static class SocketPeekAbi
{
    /// <summary><c>SO_TYPE</c> (level SOL_SOCKET): the socket's type.</summary>
    internal const int OptionType = 3;

    /// <summary><c>SOCK_STREAM</c>.</summary>
    internal const int TypeStream = 1;

    /// <summary><c>MSG_PEEK</c>: look at queued data without taking it.</summary>
    internal const int MessagePeek = 0x2;
}
