using System;
using System.IO;
using System.Linq;
using CsCheck;
using Microsoft.Win32.SafeHandles;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>MAP_PRIVATE mappings of host files read in on first touch (<see cref="AddrSpace.MapPrivateFile"/>): a page
/// is a snapshot of the file when first populated, the tail of the last page past the file's end is zero, pages wholly
/// past the end fault as past the end of the file (SIGBUS), splitting and snapshots keep working, and the space's own
/// descriptor is closed with the last area reading from it.</summary>
public sealed class PrivateFileMappingTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "usermem-privfile-" + Guid.NewGuid().ToString("N"));
    private readonly SafeFileHandle _file;

    public PrivateFileMappingTests()
    {
        _file = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite);
    }

    public void Dispose()
    {
        _file.Dispose();
        File.Delete(_path);
    }

    private int Fd => (int)_file.DangerousGetHandle();

    private static ulong P(ulong page) => Base + (page * Page);

    /// <summary>The byte the test file holds at <paramref name="offset"/> (see <see cref="FillFile"/>).</summary>
    private static byte Pattern(long offset) => (byte)((offset / (long)Page * 31) + (offset % 251) + 1);

    /// <summary>Makes the file <paramref name="length"/> bytes of <see cref="Pattern"/>.</summary>
    private void FillFile(long length)
    {
        byte[] bytes = new byte[length];
        for (long i = 0; i < length; i++)
        {
            bytes[i] = Pattern(i);
        }

        RandomAccess.SetLength(_file, length);
        RandomAccess.Write(_file, bytes, 0);
    }

    /// <summary>Descriptors of this process open on the test file, besides the test's own.</summary>
    private int OtherDescriptorsOnFile() =>
        Directory.GetFiles("/proc/self/fd").Count(link =>
        {
            try
            {
                return new FileInfo(link).LinkTarget == _path;
            }
            catch (IOException)
            {
                return false; // closed meanwhile
            }
        }) - 1;

    private AddrSpace MapFile(ulong pages, MappingFlags flags, ulong offset = 0, AddrSpaceOptions? options = null)
    {
        AddrSpace space = Small(options);
        Assert.Equal(LinuxError.None, space.MapPrivateFile(P(0), pages * Page, flags, Fd, offset));
        return space;
    }

    [Fact]
    public void Nothing_is_read_or_committed_until_touched_and_a_fault_reads_a_window()
    {
        FillFile(40 * (long)Page);
        using AddrSpace space = MapFile(40, RO);
        Assert.Equal(0, space.ResidentPages);
        Assert.Equal(0UL, space.CommittedBytes);

        Assert.True(space.HandlePageFault(P(18), MappingFlags.Read | MappingFlags.User));
        Assert.Equal(16, space.ResidentPages); // the aligned 16-page window around the fault: pages 16..31
        Assert.Equal(16 * Page, space.CommittedBytes);
        Assert.False(space.IsPopulated(P(15)));
        Assert.True(space.IsPopulated(P(16)));
        Assert.True(space.IsPopulated(P(31)));
        Assert.False(space.IsPopulated(P(32)));
        Assert.Equal(Pattern((18 * (long)Page) + 7), Guest.PeekKernel(space, P(18) + 7));
        Assert.Equal(Pattern((31 * (long)Page) + 4095), Guest.PeekKernel(space, P(31) + 4095));
    }

    [Fact]
    public void A_kernel_access_populates_exactly_its_pages_from_the_file()
    {
        FillFile(4 * (long)Page);
        using AddrSpace space = MapFile(4, RW, offset: Page);
        byte[] read = Guest.Read(space, P(1) + 4000, 200).Value;
        Assert.Equal(Enumerable.Range(0, 200).Select(i => Pattern((2 * (long)Page) + 4000 + i)), read);
        Assert.Equal(2, space.ResidentPages);
        Assert.False(space.IsPopulated(P(0)));
        Assert.Equal(2 * Page, space.CommittedBytes);
    }

    [Fact]
    public void Stores_stay_private_and_a_page_is_a_snapshot_of_the_file_when_first_populated()
    {
        FillFile(2 * (long)Page);
        using AddrSpace space = MapFile(2, RW);
        RandomAccess.Write(_file, "before"u8, (long)Page); // before population: seen
        Assert.Equal(LinuxError.None, Guest.Write(space, P(0) + 1, "guest"u8));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1) + 100, "x"u8));
        Assert.Equal("before"u8.ToArray(), Guest.Read(space, P(1), 6).Value);
        RandomAccess.Write(_file, "after"u8, 0); // after population: not seen
        Assert.Equal(Pattern(0), Guest.ReadByte(space, P(0)).Value);
        Assert.Equal("guest"u8.ToArray(), Guest.Read(space, P(0) + 1, 5).Value);
        byte[] onDisk = new byte[6];
        _ = RandomAccess.Read(_file, onDisk, 1);
        Assert.Equal("fter"u8.ToArray(), onDisk[..4]); // the guest's store never reached the file
    }

    [Fact]
    public void The_last_page_has_a_zero_tail_and_pages_wholly_past_the_end_fault_as_past_the_end_of_the_file()
    {
        FillFile((long)Page + 100);
        using AddrSpace space = MapFile(4, RW);
        Assert.Equal(Pattern((long)Page + 99), Guest.ReadByte(space, P(1) + 99).Value);
        Assert.All(Guest.Read(space, P(1) + 100, (int)Page - 100).Value, b => Assert.Equal(0, b));
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(2), 1).Error);
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(1) + Page - 2, 4).Error); // spans into the page past the end
        Assert.False(space.HandlePageFault(P(3), MappingFlags.Read | MappingFlags.User));
        Assert.False(space.IsPopulated(P(2)));
        Assert.True(space.IsPastEndOfFile(P(3), MappingFlags.Read | MappingFlags.User));
        Assert.True(space.IsPastEndOfFile(P(2) + 17, MappingFlags.Write | MappingFlags.User));
        Assert.False(space.IsPastEndOfFile(P(1), MappingFlags.Read | MappingFlags.User));
        Assert.False(space.IsPastEndOfFile(P(3), MappingFlags.Execute | MappingFlags.User)); // not allowed at all: SIGSEGV
        Assert.False(space.IsPastEndOfFile(P(9), MappingFlags.Read | MappingFlags.User)); // unmapped
        Assert.Equal(Page, space.CommittedBytes); // only the page read
    }

    [Fact]
    public void A_fault_window_stops_at_the_file_s_end()
    {
        FillFile(3 * (long)Page);
        using AddrSpace space = MapFile(16, RO);
        Assert.True(space.HandlePageFault(P(0), MappingFlags.Read | MappingFlags.User));
        Assert.Equal(3, space.ResidentPages);
        Assert.True(space.IsPastEndOfFile(P(3), MappingFlags.Read));
    }

    [Fact]
    public void A_file_truncated_after_the_mmap_faults_past_its_new_end_and_keeps_populated_pages()
    {
        FillFile(3 * (long)Page);
        using AddrSpace space = MapFile(3, RO);
        Assert.Equal(Pattern(5), Guest.ReadByte(space, P(0) + 5).Value);
        RandomAccess.SetLength(_file, 10);
        Assert.Equal(Pattern(5), Guest.ReadByte(space, P(0) + 5).Value); // populated before: a snapshot
        Assert.False(space.HandlePageFault(P(1), MappingFlags.Read | MappingFlags.User)); // wholly past the new end
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(2), 1).Error);
        Assert.True(space.IsPastEndOfFile(P(2), MappingFlags.Read));
        RandomAccess.SetLength(_file, 3 * (long)Page); // grown again (zeros): readable again
        Assert.Equal(0, Guest.ReadByte(space, P(2)).Value);
    }

    [Fact]
    public void A_truncation_through_this_process_drops_populated_pages_past_the_new_end_even_written_ones()
    {
        FillFile(4 * (long)Page);
        using AddrSpace space = MapFile(4, RW);
        Assert.True(space.HandlePageFault(P(0), MappingFlags.Write | MappingFlags.User)); // all four, by fault-around
        Assert.Equal(LinuxError.None, Guest.Write(space, P(3), "mine"u8));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(0), "keep"u8));
        RandomAccess.SetLength(_file, (long)Page + 1);
        VirtAddrRange dropped = Assert.Single(space.DropPagesPastEndOfFile());
        Assert.Equal(VirtAddrRange.FromStartSize(P(2), 2 * Page), dropped);
        Assert.Equal(2 * Page, space.CommittedBytes);
        Assert.Equal("keep"u8.ToArray(), Guest.Read(space, P(0), 4).Value);
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(3), 4).Error);
        Assert.True(space.IsPastEndOfFile(P(2), MappingFlags.Read));
        Assert.Empty(space.DropPagesPastEndOfFile());
        RandomAccess.SetLength(_file, 4 * (long)Page); // grown again: the file's (zero) bytes, not the old store
        Assert.Equal(new byte[4], Guest.Read(space, P(3), 4).Value);
    }

    [Fact]
    public void Split_pieces_read_their_own_file_offsets_and_the_descriptor_goes_with_the_last_piece()
    {
        FillFile(6 * (long)Page);
        AddrSpace space = MapFile(6, RW);
        Assert.Equal(1, OtherDescriptorsOnFile());
        Assert.Equal(LinuxError.None, space.Protect(P(3), 1 * Page, RO));
        Assert.Equal(3, space.PrivateFileAreaCount);
        Assert.Equal(LinuxError.None, space.Unmap(P(1), Page)); // a hole in the first piece: [0,1) [2,3) [3,4) [4,6)
        Assert.Equal(4, space.PrivateFileAreaCount);
        for (ulong page = 0; page < 6; page++)
        {
            UserResult<byte> b = Guest.ReadByte(space, P(page) + 9);
            if (page == 1)
            {
                Assert.Equal(LinuxError.EFAULT, b.Error);
            }
            else
            {
                Assert.Equal(Pattern(((long)page * (long)Page) + 9), b.Value);
            }
        }

        Assert.Equal(LinuxError.None, space.Unmap(P(0), Page));
        Assert.Equal(LinuxError.None, space.Unmap(P(2), 3 * Page));
        Assert.Equal(1, space.PrivateFileAreaCount); // [5,6)
        Assert.Equal(1, OtherDescriptorsOnFile());
        Assert.Equal(LinuxError.None, space.Unmap(P(5), Page));
        Assert.Equal(0, space.PrivateFileAreaCount);
        Assert.Equal(0, OtherDescriptorsOnFile());
        Assert.Equal(0UL, space.CommittedBytes);

        Assert.Equal(LinuxError.None, space.MapPrivateFile(P(0), Page, RO, Fd, 0));
        Assert.Equal(1, OtherDescriptorsOnFile());
        space.Dispose();
        Assert.Equal(0, OtherDescriptorsOnFile());
    }

    [Fact]
    public void Mappings_of_one_file_share_one_descriptor_and_too_many_files_answer_EMFILE()
    {
        FillFile(2 * (long)Page);
        using AddrSpace space = MapFile(1, RO);
        using (SafeFileHandle again = File.OpenHandle(_path, FileMode.Open, FileAccess.Read))
        {
            Assert.Equal(LinuxError.None, space.MapPrivateFile(P(4), Page, RO, (int)again.DangerousGetHandle(), Page));
        }

        Assert.Equal(1, OtherDescriptorsOnFile());
        Assert.Equal(Pattern((long)Page + 2), Guest.ReadByte(space, P(4) + 2).Value);

        string directory = Directory.CreateTempSubdirectory("usermem-privfiles-").FullName;
        try
        {
            LinuxError last = LinuxError.None;
            for (int i = 0; i < AddrSpace.MaxFileSources; i++)
            {
                using SafeFileHandle other = File.OpenHandle(Path.Combine(directory, i.ToString(System.Globalization.CultureInfo.InvariantCulture)), FileMode.CreateNew, FileAccess.ReadWrite);
                last = space.MapPrivateFile(P(100) + ((ulong)i * Page), Page, RO, (int)other.DangerousGetHandle(), 0);
                if (last != LinuxError.None)
                {
                    Assert.Equal(AddrSpace.MaxFileSources - 1, i); // the test file holds one source already
                    break;
                }
            }

            Assert.Equal(LinuxError.EMFILE, last);
            Assert.Equal(LinuxError.None, space.Unmap(P(100), Page)); // one file's last area gone: room for another
            using SafeFileHandle extra = File.OpenHandle(Path.Combine(directory, "extra"), FileMode.CreateNew, FileAccess.ReadWrite);
            Assert.Equal(LinuxError.None, space.MapPrivateFile(P(100), Page, RO, (int)extra.DangerousGetHandle(), 0));
        }
        finally
        {
            space.Clear();
            Directory.Delete(directory, recursive: true);
        }

        Assert.Equal(0, OtherDescriptorsOnFile());
    }

    [Fact]
    public void Clear_and_a_refused_mapping_release_the_descriptor()
    {
        FillFile((long)Page);
        using AddrSpace space = MapFile(2, RW);
        Assert.Equal(LinuxError.EEXIST, space.MapPrivateFile(P(1), Page, RO, Fd, 0));
        Assert.Equal(LinuxError.EINVAL, space.MapPrivateFile(P(4), Page, RO, Fd, 1));
        Assert.Equal(LinuxError.EBADF, space.MapPrivateFile(P(4), Page, RO, -1, 0));
        Assert.Equal(1, OtherDescriptorsOnFile());
        space.Clear();
        Assert.Equal(0, OtherDescriptorsOnFile());
    }

    [Fact]
    public void A_clone_shares_the_file_and_reads_the_pages_nobody_touched_from_it_when_first_touched()
    {
        FillFile((2 * (long)Page) + 10);
        using AddrSpace space = MapFile(4, RW);
        Assert.Equal(LinuxError.None, Guest.Write(space, P(0), "parent"u8));
        using AddrSpace copy = space.Clone();
        Assert.Equal(1, copy.PrivateFileAreaCount);
        Assert.Equal(1, OtherDescriptorsOnFile()); // one source, shared in this process
        Assert.Equal(Page, copy.CommittedBytes); // nothing read in for the copy
        Assert.Equal(1, copy.ResidentPages);
        RandomAccess.Write(_file, "later"u8, (long)Page); // after the snapshot, before either touched page 1
        Assert.Equal("parent"u8.ToArray(), Guest.Read(copy, P(0), 6).Value);
        Assert.Equal("later"u8.ToArray(), Guest.Read(copy, P(1), 5).Value);
        Assert.Equal("later"u8.ToArray(), Guest.Read(space, P(1), 5).Value);
        Assert.Equal(Pattern((2 * (long)Page) + 9), Guest.ReadByte(copy, P(2) + 9).Value);
        Assert.Equal(0, Guest.ReadByte(copy, P(2) + 10).Value);
        Assert.Equal(LinuxError.EFAULT, Guest.ReadByte(copy, P(3)).Error); // past the end: SIGBUS in the copy too
        Assert.True(copy.IsPastEndOfFile(P(3), MappingFlags.Read));
        Assert.False(copy.HandlePageFault(P(3), MappingFlags.Read | MappingFlags.User));
        Assert.True(space.IsPastEndOfFile(P(3), MappingFlags.Read));

        // Stores stay private on each side, and never reach the file.
        Assert.Equal(LinuxError.None, Guest.Write(copy, P(2), "child"u8));
        Assert.Equal(Pattern(2 * (long)Page), Guest.ReadByte(space, P(2)).Value);
        byte[] onDisk = new byte[5];
        RandomAccess.Read(_file, onDisk, 2 * (long)Page);
        Assert.Equal(Pattern(2 * (long)Page), onDisk[0]);

        // The file grows: both read the new page.
        RandomAccess.Write(_file, "grown"u8, 3 * (long)Page);
        Assert.Equal("grown"u8.ToArray(), Guest.Read(copy, P(3), 5).Value);
        copy.Dispose();
        Assert.Equal(1, OtherDescriptorsOnFile());
        Assert.Equal("parent"u8.ToArray(), Guest.Read(space, P(0), 6).Value);
    }

    [Fact]
    public void A_snapshot_restored_from_descriptors_reads_the_file_through_a_descriptor_of_its_own()
    {
        FillFile(3 * (long)Page);
        using AddrSpace space = MapFile(4, RW);
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1) + 1, "x"u8));
        using AddrSpaceSnapshot snapshot = space.CreateSnapshot();
        Assert.Single(snapshot.FileDescriptors);
        Assert.Empty(snapshot.SharedMemories);
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories));
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, [-1], null));
        Assert.Throws<ArgumentException>(() => AddrSpace.RestoreSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, [Fd, Fd], null));
        Assert.Equal(1, OtherDescriptorsOnFile());
        using (AddrSpace restored = AddrSpace.RestoreSnapshot(snapshot.MemoryFd, snapshot.AreaTable, snapshot.SharedMemories, snapshot.FileDescriptors, null))
        {
            Assert.Equal(2, OtherDescriptorsOnFile());
            Assert.Equal((byte)'x', Guest.ReadByte(restored, P(1) + 1).Value);
            Assert.Equal(Pattern((2 * (long)Page) + 7), Guest.ReadByte(restored, P(2) + 7).Value);
            Assert.True(restored.IsPastEndOfFile(P(3), MappingFlags.Write));
            Assert.Equal(LinuxError.EFAULT, Guest.Write(restored, P(3), "y"u8));

            // A new mapping of the same file shares the restored source.
            Assert.Equal(LinuxError.None, restored.MapPrivateFile(P(8), Page, RO, Fd, 0));
            Assert.Equal(2, OtherDescriptorsOnFile());
        }

        Assert.Equal(1, OtherDescriptorsOnFile());
    }

    [Fact]
    public void A_lending_snapshot_carries_the_file()
    {
        FillFile(2 * (long)Page);
        using AddrSpace space = MapFile(3, RO, options: new AddrSpaceOptions { GuestView = false });
        using AddrSpaceSnapshot snapshot = space.CreateLendingSnapshot();
        using AddrSpace borrower = AddrSpace.RestoreSnapshot(snapshot);
        Assert.Equal(Pattern((long)Page + 1), Guest.ReadByte(borrower, P(1) + 1).Value);
        Assert.True(borrower.IsPastEndOfFile(P(2), MappingFlags.Read));
        Assert.Equal(0, space.ResidentPages);
        borrower.ReleaseBorrowedMemory();
        Assert.Equal(Pattern((long)Page + 1), Guest.ReadByte(borrower, P(1) + 1).Value);
        Assert.Equal(Pattern(3), Guest.ReadByte(borrower, P(0) + 3).Value);
    }

    [Fact]
    public void The_memory_limit_counts_populated_pages_and_a_fault_window_shrinks_to_fit()
    {
        FillFile(64 * (long)Page);
        using AddrSpace space = MapFile(64, RO, options: new AddrSpaceOptions { MemoryLimit = 18 * Page });
        Assert.True(space.HandlePageFault(P(0), MappingFlags.Read | MappingFlags.User));
        Assert.Equal(16 * Page, space.CommittedBytes);
        Assert.True(space.HandlePageFault(P(20), MappingFlags.Read | MappingFlags.User)); // the window does not fit, the page does
        Assert.True(space.HandlePageFault(P(40), MappingFlags.Read | MappingFlags.User));
        Assert.Equal(18 * Page, space.CommittedBytes);
        Assert.False(space.HandlePageFault(P(50), MappingFlags.Read | MappingFlags.User));
        Assert.False(space.IsPastEndOfFile(P(50), MappingFlags.Read)); // out of memory, not past the end: SIGSEGV
        Assert.Equal(LinuxError.ENOMEM, Guest.Read(space, P(50), 1).Error);
        Assert.Equal(Pattern((40 * (long)Page) + 1), Guest.ReadByte(space, P(40) + 1).Value);
    }

    [Fact]
    public void A_snapshot_reads_nothing_in_and_the_copy_counts_the_pages_it_reads_against_its_own_limit()
    {
        FillFile(8 * (long)Page);
        var options = new AddrSpaceOptions { MemoryLimit = 4 * Page };
        using AddrSpace space = MapFile(8, RO, options: options);
        Assert.Equal(Pattern(1), Guest.ReadByte(space, P(0) + 1).Value);
        using AddrSpace copy = space.Clone();
        Assert.Equal(Page, space.CommittedBytes);
        Assert.Equal(Page, copy.CommittedBytes);
        Assert.Equal(Pattern((2 * (long)Page) + 1), Guest.ReadByte(copy, P(2) + 1).Value);
        Assert.Equal(LinuxError.ENOMEM, Guest.Read(copy, P(3), 3 * (int)Page).Error); // 1 + 1 + 3 pages > 4
        Assert.Equal(2 * Page, copy.CommittedBytes);
        Assert.Equal(Page, space.CommittedBytes);
    }

    [Fact]
    public void A_sparse_file_larger_than_the_old_cap_maps_lazily_and_a_snapshot_keeps_its_holes()
    {
        const long Size = 300L << 20;
        RandomAccess.SetLength(_file, Size);
        RandomAccess.Write(_file, "far"u8, Size - 100);
        RandomAccess.Write(_file, "near"u8, 5 * (long)Page);
        using AddrSpace space = AddrSpace.Create(Base, 1UL << 30);
        Assert.Equal(LinuxError.None, space.MapPrivateFile(P(0), (ulong)Size + Page, RO, Fd, 0));
        Assert.Equal("far"u8.ToArray(), Guest.Read(space, P(0) + (ulong)Size - 100, 3).Value);
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(0) + (ulong)Size, 1).Error);
        Assert.True(space.ResidentPages <= 16);
        using AddrSpace copy = space.Clone();
        Assert.InRange(space.CommittedBytes, Page, 1UL << 20); // nothing more was read or committed
        Assert.Equal(space.CommittedBytes, copy.CommittedBytes);
        Assert.Equal("near"u8.ToArray(), Guest.Read(copy, P(5), 4).Value);
        Assert.Equal("far"u8.ToArray(), Guest.Read(copy, P(0) + (ulong)Size - 100, 3).Value);
        Assert.Equal(0, Guest.ReadByte(copy, P(1000)).Value);
        using AddrSpaceSnapshot snapshot = space.CreateSnapshot();
        ulong dataBytes = 0;
        ulong offset = 0;
        while (UserMemory.AddressSpace.Interop.HostMemory.TryFindDataExtent(snapshot.MemoryFd, offset, space.UserRange.End.Value, out ulong start, out ulong end))
        {
            dataBytes += end - start;
            offset = end;
        }

        Assert.InRange(dataBytes, Page, 1UL << 20); // only the populated pages: a few pages of data, not 300 MiB
    }

    private enum ModelOp
    {
        Read,
        Write,
        FileWrite,
        Resize,
        Unmap,
        Protect,
    }

    private const int ModelPages = 6;

    /// <summary>Random reads and writes through the core, writes and resizes of the file, unmaps and protects, against
    /// a model: a page holds what the file held (zero past its end) when first touched, pages wholly past the file's
    /// end fault, and a clone at the end holds the same pages and faults past the end as well.</summary>
    [Fact]
    public void Matches_a_snapshot_on_first_touch_model()
    {
        Gen<(ModelOp Op, int Page, int Offset, byte Value)> genOp = Gen.Select(
            Gen.Enum<ModelOp>(), Gen.Int[0, ModelPages - 1], Gen.Int[0, (int)Page - 1], Gen.Byte);
        genOp.Array[1, 25].Sample(ops => RunModel(ops), iter: 150, threads: 1);
    }

    private bool RunModel((ModelOp Op, int Page, int Offset, byte Value)[] ops)
    {
        byte[] file = new byte[ModelPages * (int)Page];
        for (int i = 0; i < file.Length; i++)
        {
            file[i] = Pattern(i);
        }

        RandomAccess.SetLength(_file, 0);
        RandomAccess.SetLength(_file, file.Length);
        RandomAccess.Write(_file, file, 0);
        byte[]?[] pages = new byte[ModelPages][]; // populated pages' contents
        bool[] mapped = Enumerable.Repeat(true, ModelPages).ToArray();
        bool[] writable = Enumerable.Repeat(true, ModelPages).ToArray();
        using (AddrSpace space = MapFile(ModelPages, RW))
        {
            foreach ((ModelOp op, int page, int offset, byte value) in ops)
            {
                ulong address = P((ulong)page) + (ulong)offset;
                switch (op)
                {
                    case ModelOp.Read:
                    {
                        UserResult<byte> real = Guest.ReadByte(space, address);
                        byte[]? contents = mapped[page] ? Touch(pages, file, page) : null;
                        Assert.Equal(contents is null ? LinuxError.EFAULT : LinuxError.None, real.Error);
                        if (contents is not null)
                        {
                            Assert.Equal(contents[offset], real.Value);
                        }

                        break;
                    }

                    case ModelOp.Write:
                    {
                        LinuxError real = Guest.Write(space, address, [value]);
                        byte[]? contents = mapped[page] && writable[page] ? Touch(pages, file, page) : null;
                        Assert.Equal(contents is null ? LinuxError.EFAULT : LinuxError.None, real);
                        if (contents is not null)
                        {
                            contents[offset] = value;
                        }

                        break;
                    }

                    case ModelOp.FileWrite:
                        if (page * (int)Page + offset < file.Length)
                        {
                            file[page * (int)Page + offset] = value;
                            RandomAccess.Write(_file, new[] { value }, page * (long)Page + offset);
                        }

                        break;
                    case ModelOp.Resize:
                        int length = page * (int)Page + (value % 2 == 0 ? 0 : offset);
                        Array.Resize(ref file, length);
                        RandomAccess.SetLength(_file, length);
                        break;
                    case ModelOp.Unmap:
                        Assert.Equal(LinuxError.None, space.Unmap(P((ulong)page), Page));
                        mapped[page] = false;
                        pages[page] = null;
                        break;
                    case ModelOp.Protect:
                        if (mapped[page])
                        {
                            writable[page] = value % 2 == 0;
                            Assert.Equal(LinuxError.None, space.Protect(P((ulong)page), Page, writable[page] ? RW : RO));
                        }

                        break;
                }

                Assert.Equal(pages.Count(p => p is not null) * (long)Page, (long)space.CommittedBytes);
            }

            using AddrSpace copy = space.Clone();
            for (int page = 0; page < ModelPages; page++)
            {
                UserResult<byte[]> real = Guest.Read(copy, P((ulong)page), (int)Page);
                if (!mapped[page])
                {
                    Assert.Equal(LinuxError.EFAULT, real.Error);
                    continue;
                }

                byte[]? expected = Touch(pages, file, page);
                Assert.Equal(expected is null ? LinuxError.EFAULT : LinuxError.None, real.Error);
                if (expected is not null)
                {
                    Assert.Equal(expected, real.Value);
                }
            }
        }

        Assert.Equal(0, OtherDescriptorsOnFile());
        return true;
    }

    /// <summary>The model's contents of a mapped page, populating it from the file; null when it lies wholly past
    /// the file's end.</summary>
    private static byte[]? Touch(byte[]?[] pages, byte[] file, int page)
    {
        if (pages[page] is null)
        {
            int from = page * (int)Page;
            if (from >= file.Length)
            {
                return null;
            }

            byte[] contents = new byte[Page];
            file.AsSpan(from, Math.Min((int)Page, file.Length - from)).CopyTo(contents);
            pages[page] = contents;
        }

        return pages[page];
    }
}
