namespace UserMemory.Linux.Abi;

/// <summary>Socket constants and layouts of the x86-64 Linux ABI (<c>sys/socket.h</c>, <c>netinet/in.h</c>,
/// <c>linux/tcp.h</c>).</summary>
internal static class SocketAbi
{
    /// <summary><c>AF_UNIX</c>.</summary>
    public const int FamilyUnix = 1;

    /// <summary><c>AF_INET</c>.</summary>
    public const int FamilyInet = 2;

    /// <summary><c>AF_INET6</c>.</summary>
    public const int FamilyInet6 = 10;

    /// <summary><c>SOCK_NONBLOCK</c> in the type argument of <c>socket</c>, <c>socketpair</c> and the flags of
    /// <c>accept4</c>.</summary>
    public const int TypeNonBlock = 0x800;

    /// <summary><c>SOCK_CLOEXEC</c>, likewise.</summary>
    public const int TypeCloseOnExec = 0x80000;

    /// <summary><c>MSG_DONTWAIT</c>.</summary>
    public const int MessageDontWait = 0x40;

    /// <summary><c>MSG_CTRUNC</c>: ancillary data was cut short.</summary>
    public const int MessageControlTruncated = 0x8;

    /// <summary><c>MSG_NOSIGNAL</c>: no SIGPIPE on a broken connection.</summary>
    public const int MessageNoSignal = 0x4000;

    /// <summary><c>MSG_CMSG_CLOEXEC</c>: descriptors received with <c>SCM_RIGHTS</c> are close-on-exec.</summary>
    public const int MessageControlCloseOnExec = 0x40000000;

    /// <summary><c>sizeof(struct sockaddr_storage)</c>: the longest address a call accepts (longer is EINVAL).</summary>
    public const int MaxAddressLength = 128;

    /// <summary>The offset of <c>sun_path</c> in <c>struct sockaddr_un</c> (after the family).</summary>
    public const int UnixPathOffset = 2;

    /// <summary><c>SOL_SOCKET</c>.</summary>
    public const int LevelSocket = 1;

    /// <summary><c>IPPROTO_IP</c>.</summary>
    public const int LevelIp = 0;

    /// <summary><c>IPPROTO_TCP</c>.</summary>
    public const int LevelTcp = 6;

    /// <summary><c>IPPROTO_UDP</c>.</summary>
    public const int LevelUdp = 17;

    /// <summary><c>IPPROTO_IPV6</c>.</summary>
    public const int LevelIpv6 = 41;

    /// <summary><c>SCM_RIGHTS</c>: ancillary data carrying descriptors.</summary>
    public const int ControlRights = 1;

    /// <summary><c>SO_ATTACH_FILTER</c>: its value holds a pointer (<c>struct sock_fprog</c>).</summary>
    public const int OptionAttachFilter = 26;

    /// <summary><c>SO_ATTACH_BPF</c>: its value is a descriptor.</summary>
    public const int OptionAttachBpf = 50;

    /// <summary><c>SO_ATTACH_REUSEPORT_CBPF</c>: a pointer, as <see cref="OptionAttachFilter"/>.</summary>
    public const int OptionAttachReusePortClassicBpf = 51;

    /// <summary><c>SO_ATTACH_REUSEPORT_EBPF</c>: a descriptor.</summary>
    public const int OptionAttachReusePortBpf = 52;

    /// <summary><c>SO_PEERPIDFD</c>: creates a descriptor.</summary>
    public const int OptionPeerPidFd = 77;

    /// <summary><c>TCP_ZEROCOPY_RECEIVE</c>: its value holds addresses the kernel maps pages at.</summary>
    public const int OptionTcpZeroCopyReceive = 35;

    /// <summary><c>sizeof(struct msghdr)</c>.</summary>
    public const int MessageHeaderSize = 56;

    /// <summary>Offset of <c>msg_name</c>.</summary>
    public const int MessageNameOffset = 0;

    /// <summary>Offset of <c>msg_namelen</c> (an int).</summary>
    public const int MessageNameLengthOffset = 8;

    /// <summary>Offset of <c>msg_iov</c>.</summary>
    public const int MessageVectorOffset = 16;

    /// <summary>Offset of <c>msg_iovlen</c>.</summary>
    public const int MessageVectorLengthOffset = 24;

    /// <summary>Offset of <c>msg_control</c>.</summary>
    public const int MessageControlOffset = 32;

    /// <summary>Offset of <c>msg_controllen</c>.</summary>
    public const int MessageControlLengthOffset = 40;

    /// <summary>Offset of <c>msg_flags</c> (an int).</summary>
    public const int MessageFlagsOffset = 48;

    /// <summary><c>sizeof(struct cmsghdr)</c>: <c>cmsg_len</c> (size_t), <c>cmsg_level</c>, <c>cmsg_type</c>; the data
    /// follows.</summary>
    public const int ControlHeaderSize = 16;

    /// <summary>Offset of <c>cmsg_level</c>.</summary>
    public const int ControlLevelOffset = 8;

    /// <summary>Offset of <c>cmsg_type</c>.</summary>
    public const int ControlTypeOffset = 12;

    /// <summary>Ancillary messages start at multiples of this (<c>CMSG_ALIGN</c>).</summary>
    public const int ControlAlignment = 8;
}
