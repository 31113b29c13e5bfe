using System;
using System.Buffers;
using System.Buffers.Binary;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;
using UserMemory.Linux.Signals;
using static UserMemory.Linux.Syscalls.SyscallSupport;

namespace UserMemory.Linux.Syscalls;

/// <summary>
/// Sockets: <c>AF_UNIX</c>, <c>AF_INET</c> and <c>AF_INET6</c> sockets are host sockets behind guest descriptors, as
/// under qemu-user, and so are route netlink sockets that can only read (<see cref="NetlinkRouteSocket"/>). The
/// network is the host's; other families answer EAFNOSUPPORT.
/// </summary>
/// <remarks>
/// <para><b>Guest memory.</b> Addresses, option values, message headers, vectors and ancillary data are copied in and
/// out through the core, each bounded (<see cref="SocketAbi.MaxAddressLength"/>, <see cref="MaxOptionLength"/>,
/// <see cref="MaxControlLength"/>, <see cref="MaxTransfer"/>); data moves through a pooled kernel buffer, so the host
/// never sees a guest address. A stream transfer larger than <see cref="MaxTransfer"/> is partial, as a signal
/// would make it on Linux.</para>
/// <para><b>What would reach past the guest.</b> Descriptors in <c>SCM_RIGHTS</c> are translated both ways (a
/// guest number never reaches the host as one). Socket options whose value is a pointer or a descriptor
/// (<c>SO_ATTACH_FILTER</c>, <c>SO_ATTACH_BPF</c>, the reuseport forms, <c>SO_PEERPIDFD</c>,
/// <c>TCP_ZEROCOPY_RECEIVE</c>) and levels other than socket, IP, IPv6, TCP and UDP answer ENOPROTOOPT. In a
/// sandbox confined to a root directory, <c>AF_UNIX</c> path names answer EACCES (they would resolve outside the
/// root); abstract names and unnamed sockets work.</para>
/// <para><b>Faults.</b> An unreadable send buffer answers what the host answers first for the same call (a bad
/// address, a socket that is not connected) and then EFAULT, as Linux orders them. A stream <c>recv</c>/<c>recvfrom</c>
/// whose buffer is not all writable takes the queued data only when it fits the writable prefix; otherwise the data
/// stays queued and the answer is EFAULT (Linux copies a queued chunk whole or not at all); a datagram, and recvmsg's
/// vectors, are consumed and then EFAULT.</para>
/// <para><b>Waiting.</b> Receives, sends and accepts wait for readiness through <see cref="InterruptibleWait"/>
/// (outside any access scope), so signals interrupt them (EINTR, or a restart under SA_RESTART). <c>connect</c> on a
/// blocking socket waits in the host.</para>
/// </remarks>
internal static class SocketSyscalls
{
    /// <summary>The most bytes one send or receive moves (a stream transfer beyond it is partial).</summary>
    internal const int MaxTransfer = 1 << 20;

    /// <summary>The longest option value copied (longer ones are cut to this length).</summary>
    internal const int MaxOptionLength = 1 << 16;

    /// <summary>The longest ancillary buffer (Linux's default <c>optmem_max</c> is 20 KiB; more is ENOBUFS).</summary>
    internal const int MaxControlLength = 1 << 16;

    /// <summary>A host page with no access (mapped once): a buffer address the host accepts as a user address and
    /// faults on at the first byte, so it reports every error it checks before the copy, and then EFAULT.</summary>
    private static readonly Lazy<long> UnreadableHostPage = new(static () =>
        Syscall(SyscallNumber.Mmap, 0, Environment.SystemPageSize, (long)Protection.None, (long)(MapFlags.Private | MapFlags.Anonymous), -1, 0));

    /// <summary>Registers this subsystem's syscalls.</summary>
    /// <param name="b">The table being built.</param>
    internal static void Register(SyscallTableBuilder b)
    {
        b.Add(SyscallNumber.Socket, SupportLevel.Partial, "AF_UNIX, AF_INET, AF_INET6, AF_NETLINK/NETLINK_ROUTE read-only (host sockets); others EAFNOSUPPORT", static (t, a) => Socket(t, (long)a[0], (long)a[1], (long)a[2]));
        b.Add(SyscallNumber.Socketpair, SupportLevel.Partial, "as socket", static (t, a) => SocketPair(t, (long)a[0], (long)a[1], (long)a[2], a[3]));
        b.Add(SyscallNumber.Bind, SupportLevel.Full, "", static (t, a) => AddressCall(t, SyscallNumber.Bind, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Connect, SupportLevel.Full, "", static (t, a) => AddressCall(t, SyscallNumber.Connect, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Listen, SupportLevel.Full, "", static (t, a) => SocketCall(t, SyscallNumber.Listen, a[0], (long)a[1]));
        b.Add(SyscallNumber.Shutdown, SupportLevel.Full, "", static (t, a) => SocketCall(t, SyscallNumber.Shutdown, a[0], (long)a[1]));
        b.Add(SyscallNumber.Accept, SupportLevel.Full, "", static (t, a) => Accept(t, a[0], a[1], a[2], 0));
        b.Add(SyscallNumber.Accept4, SupportLevel.Full, "", static (t, a) => Accept(t, a[0], a[1], a[2], (long)a[3]));
        b.Add(SyscallNumber.Getsockname, SupportLevel.Full, "", static (t, a) => NameCall(t, SyscallNumber.Getsockname, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Getpeername, SupportLevel.Full, "", static (t, a) => NameCall(t, SyscallNumber.Getpeername, a[0], a[1], a[2]));
        b.Add(SyscallNumber.Setsockopt, SupportLevel.Partial, "options holding pointers or descriptors: ENOPROTOOPT", static (t, a) => SetOption(t, a[0], (long)a[1], (long)a[2], a[3], (long)a[4]));
        b.Add(SyscallNumber.Getsockopt, SupportLevel.Partial, "as setsockopt", static (t, a) => GetOption(t, a[0], (long)a[1], (long)a[2], a[3], a[4]));
        b.Add(SyscallNumber.Sendto, SupportLevel.Full, "", static (t, a) => SendTo(t, a[0], a[1], a[2], (long)a[3], a[4], a[5]));
        b.Add(SyscallNumber.Recvfrom, SupportLevel.Full, "", static (t, a) => ReceiveFrom(t, a[0], a[1], a[2], (long)a[3], a[4], a[5]));
        b.Add(SyscallNumber.Sendmsg, SupportLevel.Partial, "ancillary data: SCM_RIGHTS translated, others passed", static (t, a) => SendMessage(t, a[0], a[1], (long)a[2], out _));
        b.Add(SyscallNumber.Recvmsg, SupportLevel.Partial, "as sendmsg", static (t, a) => ReceiveMessage(t, a[0], a[1], (long)a[2], out _));
    }

    private static long Socket(Task t, long domain, long type, long protocol)
    {
        bool netlinkRoute = NetlinkRouteSocket.IsRequested(domain, protocol);
        if (!IsSupportedFamily(domain) && !netlinkRoute)
        {
            return Errno(LinuxError.EAFNOSUPPORT);
        }

        long host = netlinkRoute
            ? NetlinkRouteSocket.Open(type & ~SocketAbi.TypeCloseOnExec)
            : Syscall(SyscallNumber.Socket, domain, type & ~SocketAbi.TypeCloseOnExec, protocol);
        return host < 0 ? host : AddDescriptor(t, host, (type & SocketAbi.TypeCloseOnExec) != 0);
    }

    private static long SocketPair(Task t, long domain, long type, long protocol, ulong pairAddr)
    {
        // A netlink socket has no pairs: the host answers its own error (the type's or EOPNOTSUPP) and creates none.
        if (!IsSupportedFamily(domain) && !NetlinkRouteSocket.IsRequested(domain, protocol))
        {
            return Errno(LinuxError.EAFNOSUPPORT);
        }

        Span<byte> hostPair = stackalloc byte[2 * sizeof(int)];
        long r = HostSpanCall(SyscallNumber.Socketpair, hostPair, 3, domain, type & ~SocketAbi.TypeCloseOnExec, protocol);
        if (r < 0)
        {
            return r;
        }

        bool closeOnExec = (type & SocketAbi.TypeCloseOnExec) != 0;
        long first = AddDescriptor(t, BinaryPrimitives.ReadInt32LittleEndian(hostPair), closeOnExec);
        long second = first < 0 ? Close(BinaryPrimitives.ReadInt32LittleEndian(hostPair[sizeof(int)..])) : AddDescriptor(t, BinaryPrimitives.ReadInt32LittleEndian(hostPair[sizeof(int)..]), closeOnExec);
        if (first < 0 || second < 0)
        {
            RemoveDescriptor(t, first);
            return first < 0 ? first : second;
        }

        Span<byte> guestPair = stackalloc byte[2 * sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(guestPair, (int)first);
        BinaryPrimitives.WriteInt32LittleEndian(guestPair[sizeof(int)..], (int)second);
        if (t.CopyOut(pairAddr, guestPair) < 0)
        {
            RemoveDescriptor(t, first);
            RemoveDescriptor(t, second);
            return Efault;
        }

        return 0;
    }

    /// <summary>bind and connect: the address is copied in (EINVAL above <see cref="SocketAbi.MaxAddressLength"/>,
    /// EFAULT when unreadable) after the descriptor is checked.</summary>
    private static long AddressCall(Task t, SyscallNumber nr, ulong fd, ulong addressAddr, ulong length)
    {
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        Span<byte> address = stackalloc byte[SocketAbi.MaxAddressLength];
        long copied = CopyAddressIn(t, addressAddr, length, address);
        return copied < 0 ? copied : HostSpanCall(nr, address[..(int)copied], 1, host, 0, copied);
    }

    private static long SocketCall(Task t, SyscallNumber nr, ulong fd, long argument)
    {
        long host = HostSocket(t, fd);
        return host < 0 ? host : Syscall(nr, host, argument);
    }

    private static long Accept(Task t, ulong fd, ulong addressAddr, ulong lengthAddr, long flags)
    {
        if ((flags & ~(long)(SocketAbi.TypeCloseOnExec | SocketAbi.TypeNonBlock)) != 0)
        {
            return Einval;
        }

        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        Span<byte> address = stackalloc byte[SocketAbi.MaxAddressLength];
        Span<byte> length = stackalloc byte[sizeof(int)];
        while (true)
        {
            long ready = InterruptibleWait.ForDescriptor(t, host, InterruptibleWait.PollIn, requireSocket: true);
            if (ready < 0)
            {
                return ready;
            }

            BinaryPrimitives.WriteInt32LittleEndian(length, address.Length);
            long accepted = HostSpanCall2(SyscallNumber.Accept4, address, 1, length, 2, host, 0, 0, flags & ~SocketAbi.TypeCloseOnExec);
            if (accepted == -(long)LinuxError.EAGAIN && !IsNonBlocking(host))
            {
                continue; // another process took the connection between the wait and the accept
            }

            if (accepted < 0)
            {
                return accepted;
            }

            long guest = AddDescriptor(t, accepted, (flags & SocketAbi.TypeCloseOnExec) != 0);
            if (guest < 0)
            {
                return guest;
            }

            long written = CopyAddressOut(t, addressAddr, lengthAddr, address, BinaryPrimitives.ReadInt32LittleEndian(length));
            if (written < 0)
            {
                RemoveDescriptor(t, guest);
                return written;
            }

            return guest;
        }
    }

    /// <summary>getsockname and getpeername.</summary>
    private static long NameCall(Task t, SyscallNumber nr, ulong fd, ulong addressAddr, ulong lengthAddr)
    {
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        Span<byte> address = stackalloc byte[SocketAbi.MaxAddressLength];
        Span<byte> length = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(length, address.Length);
        long r = HostSpanCall2(nr, address, 1, length, 2, host);
        return r < 0 ? r : CopyAddressOut(t, addressAddr, lengthAddr, address, BinaryPrimitives.ReadInt32LittleEndian(length), always: true);
    }

    private static long SetOption(Task t, ulong fd, long level, long name, ulong valueAddr, long length)
    {
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        if (!IsPassableOption(level, name))
        {
            return Errno(LinuxError.ENOPROTOOPT);
        }

        if ((int)length < 0)
        {
            return Einval;
        }

        int size = Math.Min((int)length, MaxOptionLength);
        byte[] value = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            Span<byte> span = value.AsSpan(0, size);
            if (size > 0 && t.CopyIn(valueAddr, span) < 0)
            {
                return Efault;
            }

            return HostSpanCall(SyscallNumber.Setsockopt, span, 3, host, level, name, 0, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(value);
        }
    }

    private static long GetOption(Task t, ulong fd, long level, long name, ulong valueAddr, ulong lengthAddr)
    {
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        if (!IsPassableOption(level, name))
        {
            return Errno(LinuxError.ENOPROTOOPT);
        }

        Span<byte> length = stackalloc byte[sizeof(int)];
        if (t.CopyIn(lengthAddr, length) < 0)
        {
            return Efault;
        }

        int guestLength = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (guestLength < 0)
        {
            return Einval;
        }

        int size = Math.Min(guestLength, MaxOptionLength);
        byte[] value = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, size);
            long r = HostSpanCall2(SyscallNumber.Getsockopt, value.AsSpan(0, size), 3, length, 4, host, level, name);
            if (r < 0)
            {
                return r;
            }

            int hostLength = Math.Clamp(BinaryPrimitives.ReadInt32LittleEndian(length), 0, size);
            return (hostLength > 0 && t.CopyOut(valueAddr, value.AsSpan(0, hostLength)) < 0) || t.CopyOut(lengthAddr, length) < 0 ? Efault : r;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(value);
        }
    }

    private static long SendTo(Task t, ulong fd, ulong buffer, ulong count, long flags, ulong addressAddr, ulong addressLength)
    {
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        Span<byte> address = stackalloc byte[SocketAbi.MaxAddressLength];
        int addressSize = 0;
        if (addressAddr != 0)
        {
            long copied = CopyAddressIn(t, addressAddr, addressLength, address);
            if (copied < 0)
            {
                return copied;
            }

            addressSize = (int)copied;
        }

        int size = (int)Math.Min(count, MaxTransfer);
        byte[] data = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            if (size > 0 && t.CopyIn(buffer, data.AsSpan(0, size)) < 0)
            {
                // Linux checks the address and the socket's state before it copies the data: ask the host with a
                // buffer it cannot read, so those errors come first, then EFAULT.
                long r0 = HostSpanCall(SyscallNumber.Sendto, addressSize == 0 ? default : address[..addressSize], 4, host, UnreadableHostPage.Value, size, flags | SocketAbi.MessageDontWait, 0, addressSize);
                return r0 < 0 && r0 != Efault && r0 != -(long)LinuxError.EAGAIN ? r0 : Efault;
            }

            long ready = WaitUnlessDontWait(t, host, InterruptibleWait.PollOut, flags);
            if (ready < 0)
            {
                return ready;
            }

            int dropped = NetlinkRouteSocket.BeforeAddressedSend(address[..addressSize]);
            long r;
            try
            {
                r = dropped < 0 ? Errno(LinuxError.EPERM) : HostSpanCall2(SyscallNumber.Sendto, data.AsSpan(0, size), 1, addressSize == 0 ? default : address[..addressSize], 4, host, 0, size, flags, 0, addressSize);
            }
            finally
            {
                NetlinkRouteSocket.AfterAddressedSend(dropped);
            }

            return (flags & SocketAbi.MessageNoSignal) != 0 ? r : IoSyscalls.CheckBrokenPipe(t, r);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    private static long ReceiveFrom(Task t, ulong fd, ulong buffer, ulong count, long flags, ulong addressAddr, ulong lengthAddr)
    {
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        int size = (int)Math.Min(count, MaxTransfer);
        byte[] data = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            long ready = WaitUnlessDontWait(t, host, InterruptibleWait.PollIn, flags);
            if (ready < 0)
            {
                return ready;
            }

            if (size > 0)
            {
                long storable = StorableReceiveSize(t, host, buffer, size);
                if (storable < size && storable < QueuedBytes(host))
                {
                    // Linux copies a queued chunk whole or not at all: a chunk that faults stays queued (EFAULT).
                    return PeekNothingStorable(host);
                }

                size = (int)storable;
            }

            Span<byte> address = stackalloc byte[SocketAbi.MaxAddressLength];
            Span<byte> length = stackalloc byte[sizeof(int)];
            BinaryPrimitives.WriteInt32LittleEndian(length, address.Length);
            long r = HostLinux.Syscall((long)SyscallNumber.Recvfrom, data.AsSpan(0, size), 1, address, 4, length, 5, [host, 0, size, flags, 0, 0]);
            if (r < 0)
            {
                return r;
            }

            int received = (int)Math.Min(r, size); // MSG_TRUNC reports a datagram's full length
            if (received > 0 && t.CopyOut(buffer, data.AsSpan(0, received)) < 0)
            {
                return Efault;
            }

            long written = addressAddr == 0 ? 0 : CopyAddressOut(t, addressAddr, lengthAddr, address, BinaryPrimitives.ReadInt32LittleEndian(length));
            return written < 0 ? written : r;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
        }
    }

    /// <summary>How much of a receive the guest's buffer can store. A stream socket keeps what a receive does not
    /// take (Linux copies up to the fault and leaves the rest queued), so the host is asked for no more than the
    /// buffer's writable prefix; a datagram is consumed whatever happens, as on Linux. Checked after the wait (the
    /// scope is not held across it).</summary>
    /// <returns>The size to receive (at most <paramref name="size"/>, which is above 0): the writable prefix for a
    /// stream socket.</returns>
    private static long StorableReceiveSize(Task t, long host, ulong buffer, int size)
    {
        ulong prefix;
        using (UserAccess access = UserAccess.Begin(t.Space))
        {
            if (t.Space.PrepareAccess(new VirtAddr(buffer), (ulong)size, MappingFlags.Write, out _) == LinuxError.None)
            {
                return size;
            }

            prefix = AccessiblePrefix(in access, buffer, (ulong)size, writable: true);
        }

        Span<byte> type = stackalloc byte[sizeof(int)];
        Span<byte> length = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(length, sizeof(int));
        bool stream = HostSpanCall2(SyscallNumber.Getsockopt, type, 3, length, 4, host, SocketAbi.LevelSocket, SocketPeekAbi.OptionType) == 0
            && BinaryPrimitives.ReadInt32LittleEndian(type) == SocketPeekAbi.TypeStream;
        return stream ? (long)prefix : size;
    }

    /// <summary>The bytes queued on a stream socket (FIONREAD), 0 when the host does not say.</summary>
    private static long QueuedBytes(long host)
    {
        Span<byte> queued = stackalloc byte[sizeof(int)];
        return HostSpanCall(SyscallNumber.Ioctl, queued, 2, host, (long)TerminalIoctl.BytesReadable) < 0 ? 0 : BinaryPrimitives.ReadInt32LittleEndian(queued);
    }

    /// <summary>A stream receive whose buffer cannot take the queued data: EFAULT when data waits (it stays queued),
    /// else what the socket answers (0 at end of stream, EAGAIN when empty).</summary>
    private static long PeekNothingStorable(long host)
    {
        Span<byte> bounce = stackalloc byte[1];
        long r = HostSpanCall(SyscallNumber.Recvfrom, bounce, 1, host, 0, bounce.Length, SocketPeekAbi.MessagePeek | SocketAbi.MessageDontWait, 0, 0);
        return r > 0 ? Efault : r;
    }

    /// <summary>sendmsg (and one message of sendmmsg).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="fd">The guest socket.</param>
    /// <param name="headerAddr">The guest <c>struct msghdr</c>.</param>
    /// <param name="flags">The MSG_* flags.</param>
    /// <param name="size">The bytes the message asked to send (capped at <see cref="MaxTransfer"/>), so a caller
    /// can tell a partial send.</param>
    /// <returns>The bytes sent or -errno.</returns>
    internal static long SendMessage(Task t, ulong fd, ulong headerAddr, long flags, out int size)
    {
        size = 0;
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        Span<byte> header = stackalloc byte[SocketAbi.MessageHeaderSize];
        if (t.CopyIn(headerAddr, header) < 0)
        {
            return Efault;
        }

        Span<byte> address = stackalloc byte[SocketAbi.MaxAddressLength];
        int addressSize = 0;
        ulong nameAddr = BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageNameOffset..]);
        int nameLength = BinaryPrimitives.ReadInt32LittleEndian(header[SocketAbi.MessageNameLengthOffset..]);
        if (nameAddr != 0 && nameLength < 0)
        {
            return Einval;
        }

        if (nameAddr != 0)
        {
            // Linux's __copy_msghdr: a name longer than any address is cut to sockaddr_storage's size, not refused
            // (sendto and connect refuse it).
            long copied = CopyAddressIn(t, nameAddr, (ulong)Math.Min(nameLength, SocketAbi.MaxAddressLength), address);
            if (copied < 0)
            {
                return copied;
            }

            addressSize = (int)copied;
        }

        ulong controlLength = BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageControlLengthOffset..]);
        if (controlLength > MaxControlLength)
        {
            return Errno(LinuxError.ENOBUFS);
        }

        byte[] control = ArrayPool<byte>.Shared.Rent(Math.Max((int)controlLength, 1));
        byte[]? data = null;
        try
        {
            Span<byte> controlSpan = control.AsSpan(0, (int)controlLength);
            if (controlLength > 0)
            {
                if (t.CopyIn(BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageControlOffset..]), controlSpan) < 0)
                {
                    return Efault;
                }

                long translated = TranslateRights(t, controlSpan, toHost: true, closeOnExec: false);
                if (translated < 0)
                {
                    return translated;
                }
            }

            long gathered = Gather(t, header, out data, out size);
            if (gathered < 0)
            {
                return gathered;
            }

            long ready = WaitUnlessDontWait(t, host, InterruptibleWait.PollOut, flags);
            if (ready < 0)
            {
                return ready;
            }

            int dropped = NetlinkRouteSocket.BeforeAddressedSend(address[..addressSize]);
            long r;
            try
            {
                r = dropped < 0 ? Errno(LinuxError.EPERM) : HostLinux.SocketMessage((long)SyscallNumber.Sendmsg, host, addressSize == 0 ? default : address[..addressSize], data.AsSpan(0, size), controlSpan, flags, out _, out _, out _);
            }
            finally
            {
                NetlinkRouteSocket.AfterAddressedSend(dropped);
            }

            return (flags & SocketAbi.MessageNoSignal) != 0 ? r : IoSyscalls.CheckBrokenPipe(t, r);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(control);
            if (data is not null)
            {
                ArrayPool<byte>.Shared.Return(data);
            }
        }
    }

    /// <summary>recvmsg (and one message of recvmmsg).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="fd">The guest socket.</param>
    /// <param name="headerAddr">The guest <c>struct msghdr</c> (its lengths and flags are written back).</param>
    /// <param name="flags">The MSG_* flags.</param>
    /// <param name="messageFlags">The flags the message came with (MSG_OOB, MSG_TRUNC...), 0 on failure.</param>
    /// <returns>The bytes received or -errno.</returns>
    internal static long ReceiveMessage(Task t, ulong fd, ulong headerAddr, long flags, out int messageFlags)
    {
        messageFlags = 0;
        long host = HostSocket(t, fd);
        if (host < 0)
        {
            return host;
        }

        Span<byte> header = stackalloc byte[SocketAbi.MessageHeaderSize];
        if (t.CopyIn(headerAddr, header) < 0)
        {
            return Efault;
        }

        // Linux's __copy_msghdr: a negative name length is EINVAL before the vector is looked at.
        if (BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageNameOffset..]) != 0
            && BinaryPrimitives.ReadInt32LittleEndian(header[SocketAbi.MessageNameLengthOffset..]) < 0)
        {
            return Einval;
        }

        long imported = ImportVectors(t, header, out IoVec[]? vectorArray, out int elements, out ulong total);
        if (imported < 0)
        {
            if (vectorArray is not null)
            {
                ArrayPool<IoVec>.Shared.Return(vectorArray);
            }

            return imported;
        }

        ReadOnlySpan<IoVec> vectors = vectorArray.AsSpan(0, elements);
        int size = (int)Math.Min(total, MaxTransfer);
        ulong controlAddr = BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageControlOffset..]);
        int controlRoom = (int)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageControlLengthOffset..]), MaxControlLength);
        ulong nameAddr = BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageNameOffset..]);
        int nameRoom = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[SocketAbi.MessageNameLengthOffset..]);
        byte[] data = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        byte[] control = ArrayPool<byte>.Shared.Rent(Math.Max(controlRoom, 1));
        try
        {
            long ready = WaitUnlessDontWait(t, host, InterruptibleWait.PollIn, flags);
            if (ready < 0)
            {
                return ready;
            }

            Span<byte> address = stackalloc byte[SocketAbi.MaxAddressLength];
            long r = HostLinux.SocketMessage((long)SyscallNumber.Recvmsg, host, nameAddr == 0 ? default : address, data.AsSpan(0, size), control.AsSpan(0, controlRoom), flags & ~SocketAbi.MessageControlCloseOnExec, out int nameLength, out int controlLength, out messageFlags);
            if (r < 0)
            {
                return r;
            }

            messageFlags |= (int)(flags & SocketAbi.MessageControlCloseOnExec); // Linux reports the flag it was given
            Span<byte> received = control.AsSpan(0, Math.Clamp(controlLength, 0, controlRoom));
            if (TranslateRights(t, received, toHost: false, (flags & SocketAbi.MessageControlCloseOnExec) != 0) < 0)
            {
                messageFlags |= SocketAbi.MessageControlTruncated;
            }

            long scattered = Scatter(t, vectors, data.AsSpan(0, (int)Math.Min(r, size)));
            if (scattered < 0)
            {
                return scattered;
            }

            if (nameAddr != 0)
            {
                int copy = Math.Clamp(Math.Min(nameLength, nameRoom), 0, address.Length);
                if (copy > 0 && t.CopyOut(nameAddr, address[..copy]) < 0)
                {
                    return Efault;
                }
            }

            BinaryPrimitives.WriteInt32LittleEndian(header[SocketAbi.MessageNameLengthOffset..], nameAddr == 0 ? 0 : nameLength);
            BinaryPrimitives.WriteUInt64LittleEndian(header[SocketAbi.MessageControlLengthOffset..], (ulong)received.Length);
            BinaryPrimitives.WriteInt32LittleEndian(header[SocketAbi.MessageFlagsOffset..], messageFlags);
            if ((received.Length > 0 && t.CopyOut(controlAddr, received) < 0) || t.CopyOut(headerAddr, header) < 0)
            {
                return Efault;
            }

            return r;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(data);
            ArrayPool<byte>.Shared.Return(control);
            if (vectorArray is not null)
            {
                ArrayPool<IoVec>.Shared.Return(vectorArray);
            }
        }
    }

    /// <summary>Imports the message's vector through the core (Linux's limits and answers), into a pooled array.</summary>
    private static long ImportVectors(Task t, ReadOnlySpan<byte> header, out IoVec[]? vectors, out int elements, out ulong total)
    {
        vectors = null;
        elements = 0;
        total = 0;
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageVectorLengthOffset..]);
        if (count > UserCopy.IovMax)
        {
            return Errno(LinuxError.EMSGSIZE);
        }

        vectors = ArrayPool<IoVec>.Shared.Rent(Math.Max((int)count, 1));
        using UserAccess access = UserAccess.Begin(t.Space);
        ulong iov = BinaryPrimitives.ReadUInt64LittleEndian(header[SocketAbi.MessageVectorOffset..]);
        LinuxError error = UserCopy.ImportIoVectors(in access, UserConstPtr<IoVec>.FromAddress(new VirtAddr(iov)), (long)count, vectors, out elements, out total);
        return error == LinuxError.None ? 0 : -(long)error;
    }

    /// <summary>Copies the message's vector into one pooled buffer (at most <see cref="MaxTransfer"/> bytes).</summary>
    private static long Gather(Task t, ReadOnlySpan<byte> header, out byte[] data, out int size)
    {
        long imported = ImportVectors(t, header, out IoVec[]? vectors, out int elements, out ulong total);
        size = (int)Math.Min(total, MaxTransfer);
        data = ArrayPool<byte>.Shared.Rent(Math.Max(size, 1));
        try
        {
            if (imported < 0)
            {
                return imported;
            }

            int at = 0;
            for (int i = 0; i < elements && at < size; i++)
            {
                int part = (int)Math.Min(vectors![i].Length, (ulong)(size - at));
                if (t.CopyIn(vectors[i].Base, data.AsSpan(at, part)) < 0)
                {
                    return Efault;
                }

                at += part;
            }

            return 0;
        }
        finally
        {
            if (vectors is not null)
            {
                ArrayPool<IoVec>.Shared.Return(vectors);
            }
        }
    }

    /// <summary>Copies received bytes into the guest's vector, element by element.</summary>
    private static long Scatter(Task t, ReadOnlySpan<IoVec> vectors, ReadOnlySpan<byte> bytes)
    {
        int at = 0;
        for (int i = 0; i < vectors.Length && at < bytes.Length; i++)
        {
            int part = (int)Math.Min(vectors[i].Length, (ulong)(bytes.Length - at));
            if (t.CopyOut(vectors[i].Base, bytes.Slice(at, part)) < 0)
            {
                return Efault;
            }

            at += part;
        }

        return 0;
    }

    /// <summary>Rewrites the descriptors of every <c>SCM_RIGHTS</c> message in place: guest numbers to host ones
    /// before a send (EBADF for one that is not open or has no host file), host ones to new guest descriptors after
    /// a receive (a host descriptor that finds no guest slot is closed, and the result is negative so the caller sets
    /// <c>MSG_CTRUNC</c>). Malformed headers end the walk (EINVAL before a send).</summary>
    private static long TranslateRights(Task t, Span<byte> control, bool toHost, bool closeOnExec)
    {
        long result = 0;
        int at = 0;
        while (control.Length - at >= SocketAbi.ControlHeaderSize)
        {
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(control[at..]);
            if (length < SocketAbi.ControlHeaderSize || length > (ulong)(control.Length - at))
            {
                return toHost ? Einval : result;
            }

            int level = BinaryPrimitives.ReadInt32LittleEndian(control[(at + SocketAbi.ControlLevelOffset)..]);
            int type = BinaryPrimitives.ReadInt32LittleEndian(control[(at + SocketAbi.ControlTypeOffset)..]);
            if (level == SocketAbi.LevelSocket && type == SocketAbi.ControlRights)
            {
                Span<byte> fds = control.Slice(at + SocketAbi.ControlHeaderSize, (int)length - SocketAbi.ControlHeaderSize);
                for (int i = 0; i + sizeof(int) <= fds.Length; i += sizeof(int))
                {
                    int value = BinaryPrimitives.ReadInt32LittleEndian(fds[i..]);
                    long mapped;
                    if (toHost)
                    {
                        mapped = t.Fds.HostOf(value);
                        if (mapped < 0)
                        {
                            return Ebadf;
                        }
                    }
                    else
                    {
                        mapped = AddDescriptor(t, value, closeOnExec);
                        if (mapped < 0)
                        {
                            result = mapped;
                        }
                    }

                    BinaryPrimitives.WriteInt32LittleEndian(fds[i..], (int)mapped);
                }
            }

            at += (int)((length + SocketAbi.ControlAlignment - 1) & ~(ulong)(SocketAbi.ControlAlignment - 1));
        }

        return result;
    }

    /// <summary>The host descriptor of a guest socket: EBADF when not open, ENOTSOCK for a synthetic file (the host
    /// answers ENOTSOCK itself for other non-sockets).</summary>
    /// <summary>The host socket behind a guest descriptor.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="fd">The guest descriptor.</param>
    /// <returns>The host descriptor, or -EBADF (closed) / -ENOTSOCK (synthetic).</returns>
    internal static long HostSocket(Task t, ulong fd)
    {
        OpenFile? file = t.Fds.Get((long)fd);
        return file is null ? Ebadf : file.HostFd < 0 ? Errno(LinuxError.ENOTSOCK) : file.HostFd;
    }

    /// <summary>Copies a socket address in and checks it: EINVAL when the length is above
    /// <see cref="SocketAbi.MaxAddressLength"/> (or negative as an int), EFAULT when unreadable, then
    /// <see cref="CheckAddress"/>.</summary>
    /// <returns>The length, or -errno.</returns>
    private static long CopyAddressIn(Task t, ulong addressAddr, ulong length, Span<byte> address)
    {
        int size = (int)length;
        if (size < 0 || size > SocketAbi.MaxAddressLength)
        {
            return Einval;
        }

        if (size > 0 && t.CopyIn(addressAddr, address[..size]) < 0)
        {
            return Efault;
        }

        long refused = CheckAddress(t, address[..size]);
        return refused < 0 ? refused : size;
    }

    /// <summary>Writes a returned address as Linux does (<c>move_addr_to_user</c>): the guest's length is read first
    /// (EINVAL when negative), at most that many bytes are written, and the full length is written back. A NULL address
    /// skips both for accept and recvfrom; getsockname and getpeername (<paramref name="always"/>) do not, so their NULL
    /// pointers fault.</summary>
    private static long CopyAddressOut(Task t, ulong addressAddr, ulong lengthAddr, ReadOnlySpan<byte> address, int hostLength, bool always = false)
    {
        if (addressAddr == 0 && !always)
        {
            return 0;
        }

        Span<byte> length = stackalloc byte[sizeof(int)];
        if (t.CopyIn(lengthAddr, length) < 0)
        {
            return Efault;
        }

        int room = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (room < 0)
        {
            return Einval;
        }

        int copy = Math.Clamp(Math.Min(room, hostLength), 0, address.Length);
        BinaryPrimitives.WriteInt32LittleEndian(length, hostLength);
        return (copy > 0 && t.CopyOut(addressAddr, address[..copy]) < 0) || t.CopyOut(lengthAddr, length) < 0 ? Efault : 0;
    }

    /// <summary>EACCES for an <c>AF_UNIX</c> path name in a sandbox confined to a root (the host would resolve it
    /// outside the root); 0 otherwise.</summary>
    private static long CheckAddress(Task t, ReadOnlySpan<byte> address)
    {
        bool unixPath = address.Length > SocketAbi.UnixPathOffset
            && BinaryPrimitives.ReadUInt16LittleEndian(address) == SocketAbi.FamilyUnix
            && address[SocketAbi.UnixPathOffset] != 0;
        return unixPath && t.Fs.IsConfined ? Errno(LinuxError.EACCES) : 0;
    }

    private static bool IsSupportedFamily(long domain) =>
        domain is SocketAbi.FamilyUnix or SocketAbi.FamilyInet or SocketAbi.FamilyInet6;

    private static bool IsPassableOption(long level, long name) => level switch
    {
        SocketAbi.LevelSocket => name is not (SocketAbi.OptionAttachFilter or SocketAbi.OptionAttachBpf
            or SocketAbi.OptionAttachReusePortClassicBpf or SocketAbi.OptionAttachReusePortBpf or SocketAbi.OptionPeerPidFd),
        SocketAbi.LevelTcp => name != SocketAbi.OptionTcpZeroCopyReceive,
        SocketAbi.LevelIp or SocketAbi.LevelIpv6 or SocketAbi.LevelUdp => true,
        _ => false,
    };

    private static long WaitUnlessDontWait(Task t, long host, short events, long flags) =>
        (flags & SocketAbi.MessageDontWait) != 0 ? 0 : InterruptibleWait.ForDescriptor(t, host, events, requireSocket: true);

    private static bool IsNonBlocking(long host)
    {
        long flags = Syscall(SyscallNumber.Fcntl, host, (long)FcntlCommand.GetFl);
        return flags >= 0 && (flags & (long)OpenFlags.NonBlock) != 0;
    }

    /// <summary>Puts a new host descriptor in the guest's table; closes it and answers EMFILE when the table is full.</summary>
    private static long AddDescriptor(Task t, long host, bool closeOnExec) => AddHostOrClose(t, host, closeOnExec);

    private static void RemoveDescriptor(Task t, long guest)
    {
        if (guest >= 0)
        {
            _ = Close(t.Fds.Remove(guest));
        }
    }

    private static long Close(long host) => Syscall(SyscallNumber.Close, host);
}
