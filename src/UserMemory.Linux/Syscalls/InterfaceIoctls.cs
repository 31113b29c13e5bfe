using System;
using System.Buffers.Binary;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// The network-interface requests of <c>ioctl</c> on a socket (<c>SIOCGIF*</c>, <c>SIOCSIF*</c>, routes, ARP): what
/// <c>if_nametoindex</c>, <c>if_indextoname</c>, <c>ifconfig</c> and <c>getifaddrs</c>-style code ask. Guest sockets
/// are host sockets, so a query goes to the host with its <c>struct ifreq</c> copied in and out through the core;
/// the guest reads the host's interfaces, as it does through route netlink. Every request that would change the host's
/// network (an address, flags, MTU, a route, an ARP entry...) answers EPERM, as for a process without
/// <c>CAP_NET_ADMIN</c>: the runner runs as root, and a guest must never reach the host's configuration. A request
/// naming an interface that does not exist gets ENODEV where Linux looks the name up before acting (Go's net tests
/// skip on "No such device" for a missing <c>gre0</c>); see <see cref="Refuse"/>. On a
/// descriptor that is not a socket every one answers ENOTTY, as on Linux.
/// </summary>
internal static class InterfaceIoctls
{
    /// <summary><c>sizeof(struct ifreq)</c> on x86-64: a 16-byte name and a 24-byte union.</summary>
    private const int InterfaceRequestSize = 40;

    /// <summary><c>sizeof(struct ifconf)</c>: <c>int ifc_len</c>, padding, <c>char *ifc_buf</c>.</summary>
    private const int InterfaceConfigurationSize = 16;
    private const int BufferPointerOffset = 8;

    /// <summary>The most <c>SIOCGIFCONF</c> answers at once (1 638 records): the guest chooses the length, so the kernel
    /// buffer is capped; a larger buffer receives what fits here, as a smaller one receives what fits in it.</summary>
    private const int MaxConfigurationBytes = 64 * 1024;

    private const ulong GetName = 0x8910;
    private const ulong GetConfiguration = 0x8912;
    private const ulong GetFlags = 0x8913;
    private const ulong GetAddress = 0x8915;
    private const ulong GetDestinationAddress = 0x8917;
    private const ulong GetBroadcastAddress = 0x8919;
    private const ulong GetNetmask = 0x891B;
    private const ulong GetMetric = 0x891D;
    private const ulong GetMtu = 0x8921;
    private const ulong GetHardwareAddress = 0x8927;
    private const ulong GetIndex = 0x8933;
    private const ulong GetPrivateFlags = 0x8935;
    private const ulong GetTransmitQueueLength = 0x8942;
    private const ulong GetMap = 0x8970;

    /// <summary><c>IFNAMSIZ</c>: the name's bytes at the start of <c>struct ifreq</c>.</summary>
    private const int InterfaceNameSize = 16;

    /// <summary><c>CAP_NET_ADMIN</c>.</summary>
    private const int NetworkAdministration = 12;

    private const ulong SetFlags = 0x8914;
    private const ulong SetMetric = 0x891E;
    private const ulong SetMtu = 0x8922;
    private const ulong SetName = 0x8923;
    private const ulong SetHardwareAddress = 0x8924;
    private const ulong AddMulticast = 0x8931;
    private const ulong DeleteMulticast = 0x8932;
    private const ulong SetHardwareBroadcast = 0x8937;
    private const ulong SetTransmitQueueLength = 0x8943;
    private const ulong WanDevice = 0x894A;
    private const ulong SetMap = 0x8971;

    /// <summary><c>SIOCDEVPRIVATE</c> to <c>SIOCDEVPRIVATE + 15</c> (tunnels: <c>SIOCADDTUNNEL</c> is the second).</summary>
    private const ulong DevicePrivateFirst = 0x89F0;

    private const ulong DevicePrivateLast = 0x89FF;

    /// <summary>The routing, interface, ARP, bridge and device requests of <c>linux/sockios.h</c> (from <c>SIOCADDRT</c>
    /// to the end of the device-private range): everything in it that is not a query above, or
    /// <see cref="UnsentBytes"/>, changes something or reaches past the guest (<c>SIOCGSKNS</c> opens the host's
    /// network namespace). The requests below it (<c>SIOCGSTAMP</c>, <c>SIOCATMARK</c>, owners) are about the socket
    /// itself and are not handled here.</summary>
    private const ulong SocketConfigurationFirst = 0x890B;
    private const ulong SocketConfigurationLast = 0x89FF;

    /// <summary><c>SIOCOUTQNSD</c>: a query about the socket itself, in the middle of the range; not handled here.</summary>
    private const ulong UnsentBytes = 0x894B;

    /// <summary>Handles <paramref name="request"/> when it is a socket-configuration request.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="hostFd">The descriptor's host descriptor (negative for a synthetic file).</param>
    /// <param name="request">The ioctl request.</param>
    /// <param name="arg">The guest pointer argument.</param>
    /// <param name="result">The syscall result when handled.</param>
    /// <returns>False when <paramref name="request"/> is not a socket-configuration request.</returns>
    internal static bool TryHandle(Task t, long hostFd, ulong request, ulong arg, out long result)
    {
        if (request is < SocketConfigurationFirst or > SocketConfigurationLast or UnsentBytes)
        {
            result = 0;
            return false;
        }

        if (hostFd < 0 || !HostLinux.IsSocket(hostFd))
        {
            result = -(long)LinuxError.ENOTTY;
            return true;
        }

        result = request switch
        {
            GetConfiguration => Configuration(t, hostFd, arg),
            GetName or GetFlags or GetAddress or GetDestinationAddress or GetBroadcastAddress or GetNetmask or GetMetric
                or GetMtu or GetHardwareAddress or GetIndex or GetPrivateFlags or GetTransmitQueueLength or GetMap
                => Query(t, hostFd, request, arg),
            _ => Refuse(t, hostFd, request, arg),
        };
        return true;
    }

    /// <summary>One <c>struct ifreq</c> in, the host's answer out.</summary>
    /// <summary>A request that would change the host's network: EPERM, except where Linux looks the named interface
    /// up first and answers ENODEV (or EFAULT for an unreadable request) for a missing one: the device-private and
    /// WAN requests always, the other interface changes for a caller holding <c>CAP_NET_ADMIN</c> (Linux checks the
    /// capability, then the name).</summary>
    private static long Refuse(Task t, long hostFd, ulong request, ulong arg)
    {
        bool lookedUp = IsDeviceRequest(request)
            || (ChangesInterface(request) && CapabilitySyscalls.HasEffective(NetworkAdministration));
        if (!lookedUp)
        {
            return -(long)LinuxError.EPERM;
        }

        Span<byte> ifreq = stackalloc byte[InterfaceRequestSize];
        if (t.CopyIn(arg, ifreq) < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        ifreq[InterfaceNameSize - 1] = 0; // Linux ends the name at IFNAMSIZ - 1 whatever the guest wrote
        ifreq[InterfaceNameSize..].Clear();
        long r = HostLinux.Syscall((long)Abi.SyscallNumber.Ioctl, ifreq, 2, [hostFd, (long)GetIndex, 0, 0, 0, 0]);
        return r == -(long)LinuxError.ENODEV ? r : -(long)LinuxError.EPERM;
    }

    /// <summary>True for the requests Linux passes to the named device without a capability check of its own
    /// (<c>SIOCDEVPRIVATE</c>..+15, tunnels among them, and <c>SIOCWANDEV</c>): a missing name is ENODEV for
    /// anyone.</summary>
    private static bool IsDeviceRequest(ulong request) =>
        request is WanDevice or (>= DevicePrivateFirst and <= DevicePrivateLast);

    /// <summary>True for the interface changes whose <c>struct ifreq</c> name Linux looks up right after the
    /// capability check. The address requests are left out: Linux checks the address family before the name, so
    /// they stay EPERM.</summary>
    private static bool ChangesInterface(ulong request) =>
        request is SetFlags or SetMetric or SetMtu or SetName or SetHardwareAddress or AddMulticast or DeleteMulticast
            or SetHardwareBroadcast or SetTransmitQueueLength or SetMap;

    private static long Query(Task t, long hostFd, ulong request, ulong arg)
    {
        Span<byte> request40 = stackalloc byte[InterfaceRequestSize];
        if (t.CopyIn(arg, request40) < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        long r = HostLinux.Syscall((long)Abi.SyscallNumber.Ioctl, request40, 2, [hostFd, (long)request, 0, 0, 0, 0]);
        if (r < 0)
        {
            return r;
        }

        return t.CopyOut(arg, request40) < 0 ? -(long)LinuxError.EFAULT : r;
    }

    /// <summary><c>SIOCGIFCONF</c>: with a NULL buffer the length all records need, else as many whole records as fit
    /// (at most <see cref="MaxConfigurationBytes"/>), and <c>ifc_len</c> set to the bytes written.</summary>
    private static long Configuration(Task t, long hostFd, ulong arg)
    {
        Span<byte> ifconf = stackalloc byte[InterfaceConfigurationSize];
        if (t.CopyIn(arg, ifconf) < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        int length = BinaryPrimitives.ReadInt32LittleEndian(ifconf);
        ulong buffer = BinaryPrimitives.ReadUInt64LittleEndian(ifconf[BufferPointerOffset..]);
        int room = Math.Clamp(length, 0, MaxConfigurationBytes);
        int written = 0;
        byte[] records = buffer == 0 || room == 0 ? [] : new byte[room];
        if (buffer == 0 || room > 0)
        {
            // A NULL buffer asks for the size; a buffer with no room gets nothing (an empty span would pin as NULL).
            long r = HostLinux.InterfaceConfiguration(hostFd, records, sizeOnly: buffer == 0, out written);
            if (r < 0)
            {
                return r;
            }
        }

        if (buffer != 0 && written > 0 && t.CopyOut(buffer, records.AsSpan(0, Math.Min(written, records.Length))) < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        BinaryPrimitives.WriteInt32LittleEndian(ifconf, written);
        return t.CopyOut(arg, ifconf[..sizeof(int)]) < 0 ? -(long)LinuxError.EFAULT : 0;
    }
}
