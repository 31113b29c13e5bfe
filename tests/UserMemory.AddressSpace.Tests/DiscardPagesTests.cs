using System.Linq;
using UserMemory.AddressSpace.Tests.Support;

namespace UserMemory.AddressSpace.Tests;

/// <summary><see cref="AddrSpace.DiscardPages"/> (<c>MADV_DONTNEED</c>): lazy private pages read zero again and stop
/// counting; shared pages keep their contents; a range with a gap answers ENOMEM after discarding the mapped part;
/// bad ranges answer EINVAL.</summary>
public sealed class DiscardPagesTests
{
    private const ulong Page = 4096;
    private static readonly MappingFlags ReadWrite = MappingFlags.Read | MappingFlags.Write | MappingFlags.User;

    [Fact]
    public void Discarded_private_pages_read_zero_and_stop_counting()
    {
        using AddrSpace space = Spaces.Small();
        ulong at = Spaces.Base + (16 * Page);
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(at), 4 * Page, ReadWrite, populate: false));
        Assert.Equal(LinuxError.None, Guest.Write(space, at, Enumerable.Repeat((byte)0x11, (int)(4 * Page)).ToArray()));
        ulong before = space.CommittedBytes;

        Assert.Equal(LinuxError.None, space.DiscardPages(new VirtAddr(at + Page), 2 * Page, out bool freed));
        Assert.True(freed);

        Assert.Equal(before - (2 * Page), space.CommittedBytes);
        Assert.Equal(0x11, Guest.ReadByte(space, at).Value);
        Assert.Equal(0, Guest.ReadByte(space, at + Page).Value);
        Assert.Equal(0, Guest.ReadByte(space, at + (3 * Page) - 1).Value);
        Assert.Equal(0x11, Guest.ReadByte(space, at + (3 * Page)).Value);
    }

    [Fact]
    public void Shared_pages_keep_their_contents()
    {
        using AddrSpace space = Spaces.Small();
        using SharedMemory memory = SharedMemory.Create(Page);
        ulong at = Spaces.Base + (32 * Page);
        Assert.Equal(LinuxError.None, space.MapShared(new VirtAddr(at), Page, ReadWrite, memory, 0));
        Assert.Equal(LinuxError.None, Guest.Write(space, at, [0x55]));

        Assert.Equal(LinuxError.None, space.DiscardPages(new VirtAddr(at), Page, out bool freed));
        Assert.False(freed);

        Assert.Equal(0x55, Guest.ReadByte(space, at).Value);
    }

    [Fact]
    public void A_gap_answers_ENOMEM_after_the_mapped_part_is_discarded()
    {
        using AddrSpace space = Spaces.Small();
        ulong at = Spaces.Base + (48 * Page);
        Assert.Equal(LinuxError.None, space.MapAlloc(new VirtAddr(at), Page, ReadWrite, populate: false));
        Assert.Equal(LinuxError.None, Guest.Write(space, at, [0x66]));

        Assert.Equal(LinuxError.ENOMEM, space.DiscardPages(new VirtAddr(at), 2 * Page, out _));
        Assert.Equal(0, Guest.ReadByte(space, at).Value);
    }

    [Fact]
    public void Bad_ranges_answer_EINVAL()
    {
        using AddrSpace space = Spaces.Small();
        Assert.Equal(LinuxError.EINVAL, space.DiscardPages(new VirtAddr(Spaces.Base + 1), Page, out _));
        Assert.Equal(LinuxError.EINVAL, space.DiscardPages(new VirtAddr(Spaces.Base), 0, out _));
        Assert.Equal(LinuxError.EINVAL, space.DiscardPages(new VirtAddr(ulong.MaxValue & ~(Page - 1)), Page, out _));
    }
}
