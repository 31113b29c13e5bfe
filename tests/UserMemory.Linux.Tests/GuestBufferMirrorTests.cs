using System;
using UserMemory.AddressSpace;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Tests;

/// <summary>The transient host mirror of guest buffers: host syscalls on it reach exactly the pages the guest may
/// reach with the access asked for, see the guest's bytes (private and shared), and fault (EFAULT) elsewhere.</summary>
public sealed class GuestBufferMirrorTests
{
    private const ulong Page = 4096;
    private const ulong Base = 0x10000;

    // Guest layout: [0] read-write 'a', [1] hole, [2] read-only 'b', [3] shared read-write 'c', [4] lazy read-write.
    private static AddrSpace CreateSpace(SharedMemory shared)
    {
        AddrSpace space = AddrSpace.Create(new VirtAddr(0), 1UL << 30);
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(Base), Page, MappingFlags.Read | MappingFlags.Write, true));
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(Base + (2 * Page)), Page, MappingFlags.Read | MappingFlags.Write, true));
        Assert.Equal(LinuxError.None, space.MapShared(new VirtAddr(Base + (3 * Page)), Page, MappingFlags.Read | MappingFlags.Write, shared, 0));
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(Base + (4 * Page)), Page, MappingFlags.Read | MappingFlags.Write, false));
        Fill(space, Base, (byte)'a');
        Fill(space, Base + (2 * Page), (byte)'b');
        Fill(space, Base + (3 * Page), (byte)'c');
        Assert.Equal(LinuxError.None, space.Protect(new VirtAddr(Base + (2 * Page)), Page, MappingFlags.Read));
        return space;
    }

    private static void Fill(AddrSpace space, ulong address, byte value)
    {
        byte[] bytes = new byte[Page];
        Array.Fill(bytes, value);
        Assert.True(UserCopy.CopyOut(space, UserPtr<byte>.FromAddress(new VirtAddr(address)), bytes).IsOk);
    }

    private static (long Read, long Write) Pipe()
    {
        byte[] fds = new byte[8];
        Assert.Equal(0, HostLinux.Syscall((long)SyscallNumber.Pipe2, fds, 0, [0, (long)OpenFlags.NonBlock, 0, 0, 0, 0]));
        return (BitConverter.ToInt32(fds, 0), BitConverter.ToInt32(fds, 4));
    }

    private static void Close((long Read, long Write) pipe)
    {
        HostLinux.Syscall((long)SyscallNumber.Close, pipe.Read);
        HostLinux.Syscall((long)SyscallNumber.Close, pipe.Write);
    }

    /// <summary>Writes <paramref name="length"/> bytes from host address <paramref name="from"/> into a pipe and returns
    /// the result and what arrived.</summary>
    private static (long Result, byte[] Bytes) HostWriteFrom(long from, int length)
    {
        var pipe = Pipe();
        try
        {
            long r = HostLinux.Syscall((long)SyscallNumber.Write, pipe.Write, from, length);
            byte[] got = new byte[Math.Max(0, r)];
            if (r > 0)
            {
                Assert.Equal(r, HostLinux.Syscall((long)SyscallNumber.Read, got, 1, [pipe.Read, 0, got.Length, 0, 0, 0]));
            }

            return (r, got);
        }
        finally
        {
            Close(pipe);
        }
    }

    [Fact]
    public void Read_mirror_exposes_readable_pages_with_their_bytes_and_faults_on_the_hole()
    {
        using var shared = SharedMemory.Create(Page);
        using AddrSpace space = CreateSpace(shared);
        using (UserAccess access = UserAccess.Begin(space))
        {
            Assert.Equal(0, GuestBufferMirror.Reserve(GuestBufferMirror.SpanOf(Base, 5 * Page), out GuestBufferMirror mirror));
            try
            {
                Assert.Equal(0, mirror.Add(space, Base, 5 * Page, MappingFlags.Read, out long at));
                Assert.Equal(((long)1, "a"), Summary(HostWriteFrom(at, 1)));
                Assert.Equal(-(long)LinuxError.EFAULT, HostWriteFrom(at + (long)Page, 1).Result);
                Assert.Equal(((long)1, "b"), Summary(HostWriteFrom(at + (2 * (long)Page), 1)));
                Assert.Equal(((long)1, "c"), Summary(HostWriteFrom(at + (3 * (long)Page), 1)));
                Assert.Equal(((long)1, "\0"), Summary(HostWriteFrom(at + (4 * (long)Page), 1)));
            }
            finally
            {
                mirror.Dispose();
            }
        }
    }

    [Fact]
    public void Write_mirror_leaves_read_only_pages_inaccessible_and_host_writes_reach_the_guest()
    {
        using var shared = SharedMemory.Create(Page);
        using AddrSpace space = CreateSpace(shared);
        long resident = space.ResidentPages;
        var pipe = Pipe();
        try
        {
            using (UserAccess access = UserAccess.Begin(space))
            {
                Assert.Equal(0, GuestBufferMirror.Reserve(GuestBufferMirror.SpanOf(Base + 10, 5 * Page), out GuestBufferMirror mirror));
                try
                {
                    Assert.Equal(0, mirror.Add(space, Base + 10, (5 * Page) - 10, MappingFlags.Write, out long at));
                    long pageStart = at - 10;
                    Assert.Equal(3, WriteText(pipe.Write, "xyz"));
                    Assert.Equal(3, HostLinux.Syscall((long)SyscallNumber.Read, pipe.Read, at, 3));
                    Assert.Equal(2, WriteText(pipe.Write, "pq"));
                    Assert.Equal(-(long)LinuxError.EFAULT, HostLinux.Syscall((long)SyscallNumber.Read, pipe.Read, pageStart + (2 * (long)Page), 2));
                    Assert.Equal(2, HostLinux.Syscall((long)SyscallNumber.Read, pipe.Read, pageStart + (3 * (long)Page), 2));
                    Assert.Equal(1, WriteText(pipe.Write, "z"));
                    Assert.Equal(1, HostLinux.Syscall((long)SyscallNumber.Read, pipe.Read, pageStart + (4 * (long)Page), 1));
                }
                finally
                {
                    mirror.Dispose();
                }
            }
        }
        finally
        {
            Close(pipe);
        }

        Assert.Equal("xyz", Text(space, Base + 10, 3));
        Assert.Equal("bb", Text(space, Base + (2 * Page), 2));
        Assert.Equal("pq", Text(space, Base + (3 * Page), 2));
        byte[] inShared = new byte[2];
        Assert.Equal(2, HostLinux.Syscall((long)SyscallNumber.Pread64, inShared, 1, [shared.Fd, 0, inShared.Length, 0, 0, 0]));
        Assert.Equal("pq"u8.ToArray(), inShared);
        Assert.Equal("z", Text(space, Base + (4 * Page), 1));
        Assert.Equal(resident + 1, space.ResidentPages); // the lazy page was populated before the host touched it
    }

    [Fact]
    public void A_mirror_of_a_striped_buffer_maps_at_most_MaxRuns_runs()
    {
        const int pages = (2 * GuestBufferMirror.MaxRuns) + 20;
        using AddrSpace space = AddrSpace.Create(new VirtAddr(0), 1UL << 30);
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(Base), pages * Page, MappingFlags.Read | MappingFlags.Write, true));
        for (int i = 1; i < pages; i += 2)
        {
            Assert.Equal(LinuxError.None, space.Protect(new VirtAddr(Base + ((ulong)i * Page)), Page, MappingFlags.None));
        }

        using (UserAccess access = UserAccess.Begin(space))
        {
            Assert.Equal(0, GuestBufferMirror.Reserve(GuestBufferMirror.SpanOf(Base, pages * Page), out GuestBufferMirror mirror));
            try
            {
                Assert.Equal(0, mirror.Add(space, Base, pages * Page, MappingFlags.Read, out long at));
                Assert.Equal(1, HostWriteFrom(at, 1).Result);
                Assert.Equal(-(long)LinuxError.EFAULT, HostWriteFrom(at + (long)Page, 1).Result);
                Assert.Equal(1, HostWriteFrom(at + (2 * (GuestBufferMirror.MaxRuns - 1) * (long)Page), 1).Result);
                Assert.Equal(-(long)LinuxError.EFAULT, HostWriteFrom(at + (2 * GuestBufferMirror.MaxRuns * (long)Page), 1).Result);
            }
            finally
            {
                mirror.Dispose();
            }
        }
    }

    [Fact]
    public void Adding_more_than_the_reservation_holds_is_ENOMEM_and_maps_nothing()
    {
        using var shared = SharedMemory.Create(Page);
        using AddrSpace space = CreateSpace(shared);
        using (UserAccess access = UserAccess.Begin(space))
        {
            Assert.Equal(0, GuestBufferMirror.Reserve(Page, out GuestBufferMirror mirror));
            try
            {
                Assert.Equal(-(long)LinuxError.ENOMEM, mirror.Add(space, Base + 100, Page, MappingFlags.Read, out _));
                Assert.Equal(0, mirror.Add(space, Base + 100, 10, MappingFlags.Read, out long at));
                Assert.Equal(((long)1, "a"), Summary(HostWriteFrom(at, 1)));
            }
            finally
            {
                mirror.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(0UL, 0UL, 0UL)]
    [InlineData(0x1000UL, 1UL, 0x1000UL)]
    [InlineData(0x1FFFUL, 2UL, 0x2000UL)]
    [InlineData(0x1000UL, 0x1000UL, 0x1000UL)]
    [InlineData(0x1001UL, 0x1000UL, 0x2000UL)]
    public void SpanOf_counts_the_pages_touched(ulong start, ulong length, ulong expected) =>
        Assert.Equal(expected, GuestBufferMirror.SpanOf(start, length));

    private static (long, string) Summary((long Result, byte[] Bytes) r) => (r.Result, System.Text.Encoding.Latin1.GetString(r.Bytes));

    private static long WriteText(long fd, string text)
    {
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(text);
        return HostLinux.Syscall((long)SyscallNumber.Write, bytes, 1, [fd, 0, bytes.Length, 0, 0, 0]);
    }

    private static string Text(AddrSpace space, ulong address, int length)
    {
        byte[] bytes = new byte[length];
        Assert.True(UserCopy.CopyIn(space, UserConstPtr<byte>.FromAddress(new VirtAddr(address)), bytes.AsSpan()).IsOk);
        return System.Text.Encoding.Latin1.GetString(bytes);
    }
}
