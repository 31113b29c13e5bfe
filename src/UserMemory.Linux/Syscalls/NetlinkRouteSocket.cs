using System;
using System.Buffers.Binary;
using UserMemory.Linux.Abi;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// <c>AF_NETLINK</c> sockets of protocol <c>NETLINK_ROUTE</c>: host sockets that can read the host's links,
/// addresses and routes (what <c>getifaddrs</c>, Go's <c>net.Interfaces</c> and <c>ip addr</c> ask) and can change
/// nothing.
/// </summary>
/// <remarks>
/// Linux lets a route request other than a "get" through only when both the sender and the credentials the socket
/// was opened with hold <c>CAP_NET_ADMIN</c>. The host socket is opened while the calling host thread's effective
/// set lacks that capability (capabilities are per thread; it is restored right after), so every write path
/// without a destination (<c>write</c>, <c>writev</c>, <c>send</c>, a descriptor passed to another process) answers
/// EPERM for a change, as for an unprivileged host user. Linux skips the opener check when a message names its
/// destination, so <c>sendto</c>/<c>sendmsg</c>/<c>sendmmsg</c> with an <c>AF_NETLINK</c> address run with the
/// capability out of the thread's effective set (<see cref="BeforeAddressedSend"/>). Reads and multicast
/// notifications work. When the capability cannot be dropped, the socket is refused (EAFNOSUPPORT, as for other
/// families) and an addressed send answers EPERM.
/// </remarks>
internal static class NetlinkRouteSocket
{
    /// <summary><c>AF_NETLINK</c>.</summary>
    internal const int Family = 16;

    /// <summary><c>NETLINK_ROUTE</c>.</summary>
    internal const int ProtocolRoute = 0;

    /// <summary><c>_LINUX_CAPABILITY_VERSION_3</c>: two 32-bit words per set.</summary>
    private const uint CapabilityVersion3 = 0x20080522;

    /// <summary><c>CAP_NET_ADMIN</c>.</summary>
    private const int CapabilityNetAdmin = 12;

    /// <summary><c>CAP_NET_ADMIN</c>'s bit in the first word of a set.</summary>
    private const uint NetAdminBit = 1u << CapabilityNetAdmin;

    /// <summary><c>sizeof(struct __user_cap_header_struct)</c>: version, pid.</summary>
    private const int HeaderSize = 8;

    /// <summary><c>sizeof(struct __user_cap_data_struct)</c>: effective, permitted, inheritable.</summary>
    private const int DataSize = 12;

    /// <summary>The data words of version 3.</summary>
    private const int DataWords = 2;

    /// <summary>Whether a <c>socket</c> call asks for a route netlink socket.</summary>
    /// <param name="domain">The domain argument.</param>
    /// <param name="protocol">The protocol argument.</param>
    /// <returns>True for <c>AF_NETLINK</c> with <c>NETLINK_ROUTE</c>.</returns>
    internal static bool IsRequested(long domain, long protocol) => domain == Family && protocol == ProtocolRoute;

    /// <summary>Opens the host socket without <c>CAP_NET_ADMIN</c> in its credentials.</summary>
    /// <param name="type">The type argument without <c>SOCK_CLOEXEC</c>.</param>
    /// <returns>The host descriptor or -errno.</returns>
    internal static long Open(long type)
    {
        int dropped = DropNetAdmin();
        if (dropped < 0)
        {
            return Errno(LinuxError.EAFNOSUPPORT);
        }

        long host = Syscall(SyscallNumber.Socket, Family, type, ProtocolRoute);
        if (!RestoreNetAdmin(dropped) && host >= 0)
        {
            _ = Syscall(SyscallNumber.Close, host);
            return Errno(LinuxError.EAFNOSUPPORT);
        }

        return host;
    }

    /// <summary>Before a send with a destination address: Linux skips the opener's credentials when a netlink
    /// message names its destination, so a send addressed to a netlink socket runs with <c>CAP_NET_ADMIN</c> out
    /// of the host thread's effective set (a change is EPERM, as for an unprivileged sender; so is a send to a
    /// multicast group). Pair with <see cref="AfterAddressedSend"/> in a <c>finally</c>.</summary>
    /// <param name="address">The destination address as the guest gave it (a netlink socket accepts only
    /// <c>AF_NETLINK</c> ones).</param>
    /// <returns>-1 when the capability is held and could not be dropped (answer EPERM without sending); 1 when it
    /// was dropped; 0 when nothing changed.</returns>
    internal static int BeforeAddressedSend(ReadOnlySpan<byte> address) =>
        address.Length >= sizeof(ushort) && BinaryPrimitives.ReadUInt16LittleEndian(address) == Family ? DropNetAdmin() : 0;

    /// <summary>Restores what <see cref="BeforeAddressedSend"/> dropped.</summary>
    /// <param name="dropped">Its answer.</param>
    internal static void AfterAddressedSend(int dropped) => _ = RestoreNetAdmin(dropped);

    /// <summary>Drops <c>CAP_NET_ADMIN</c> from the calling host thread's effective set (it stays permitted).</summary>
    /// <returns>1 when dropped, 0 when it was not effective, -1 when it is and could not be dropped.</returns>
    private static int DropNetAdmin()
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        Span<byte> data = stackalloc byte[DataSize * DataWords];
        BinaryPrimitives.WriteUInt32LittleEndian(header, CapabilityVersion3);
        if (HostSpanCall2(SyscallNumber.Capget, header, 0, data, 1) < 0)
        {
            return -1;
        }

        uint effective = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if ((effective & NetAdminBit) == 0)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(data, effective & ~NetAdminBit);
        return HostSpanCall2(SyscallNumber.Capset, header, 0, data, 1) < 0 ? -1 : 1;
    }

    /// <summary>Makes <c>CAP_NET_ADMIN</c> effective again after <see cref="DropNetAdmin"/> answered 1.</summary>
    /// <returns>False when it could not be restored.</returns>
    private static bool RestoreNetAdmin(int dropped)
    {
        if (dropped <= 0)
        {
            return true;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        Span<byte> data = stackalloc byte[DataSize * DataWords];
        BinaryPrimitives.WriteUInt32LittleEndian(header, CapabilityVersion3);
        if (HostSpanCall2(SyscallNumber.Capget, header, 0, data, 1) < 0)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(data, BinaryPrimitives.ReadUInt32LittleEndian(data) | NetAdminBit);
        return HostSpanCall2(SyscallNumber.Capset, header, 0, data, 1) >= 0;
    }
}
