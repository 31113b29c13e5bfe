using System;
using System.IO;
using System.Linq;
using CsCheck;
using Microsoft.Win32.SafeHandles;
using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>MAP_SHARED mappings of host files (<see cref="SharedMemory.ForFile"/>): stores reach the file, pages past
/// the file's end are never host-mapped (they fault, and report <see cref="AddrSpace.IsPastEndOfFile"/>), growth maps
/// them, truncation through <see cref="AddrSpace.DropPagesPastEndOfFile"/> unmaps them.</summary>
public sealed class FileMappingTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "usermem-filemap-" + Guid.NewGuid().ToString("N"));
    private readonly SafeFileHandle _file;

    public FileMappingTests()
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

    private byte[] FileBytes(long offset, int length)
    {
        byte[] b = new byte[length];
        int n = RandomAccess.Read(_file, b, offset);
        return b[..n];
    }

    private AddrSpace MapFile(ulong pages, MappingFlags flags, bool writable = true, ulong offset = 0)
    {
        AddrSpace space = Small();
        using SharedMemory file = SharedMemory.ForFile(Fd, writable);
        Assert.Equal(LinuxError.None, space.MapShared(P(0), pages * Page, flags, file, offset));
        return space;
    }

    [Fact]
    public void Stores_reach_the_file_and_file_writes_show_in_the_mapping()
    {
        RandomAccess.SetLength(_file, 2 * (long)Page);
        using AddrSpace space = MapFile(2, RW);
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1) + 10, "abc"u8));
        Assert.Equal("abc"u8.ToArray(), FileBytes((long)Page + 10, 3));
        RandomAccess.Write(_file, "xyz"u8, 100);
        Assert.Equal("xyz"u8.ToArray(), Guest.Read(space, P(0) + 100, 3).Value);
        Assert.Equal(LinuxError.None, space.SyncToFiles(VirtAddrRange.FromStartSize(P(0), 2 * Page), wait: true));
        Assert.Equal(LinuxError.None, space.Unmap(P(0), 2 * Page));
        Assert.Equal("abc"u8.ToArray(), FileBytes((long)Page + 10, 3));
    }

    [Fact]
    public void Pages_past_the_end_fault_and_the_partial_last_page_does_not()
    {
        RandomAccess.SetLength(_file, (long)Page + 100);
        using AddrSpace space = MapFile(4, RW);
        Assert.True(space.IsPopulated(P(1)));
        Assert.False(space.IsPopulated(P(2)));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1) + 200, [7])); // past EOF inside the last page: zero-filled, kept out of the file
        Assert.Equal((long)Page + 100, RandomAccess.GetLength(_file));
        Assert.Equal(LinuxError.EFAULT, Guest.Write(space, P(2), [1]));
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(1) + Page - 2, 4).Error); // spans into the page past the end
        Assert.False(space.HandlePageFault(P(3), MappingFlags.Read | MappingFlags.User));
        Assert.True(space.IsPastEndOfFile(P(3), MappingFlags.Read | MappingFlags.User));
        Assert.False(space.IsPastEndOfFile(P(1), MappingFlags.Read | MappingFlags.User));
        Assert.False(space.IsPastEndOfFile(P(3), MappingFlags.Execute | MappingFlags.User)); // not allowed at all: SIGSEGV
        Assert.False(space.IsPastEndOfFile(P(8), MappingFlags.Read | MappingFlags.User)); // unmapped
    }

    [Fact]
    public void A_grown_file_maps_on_the_next_fault_and_a_truncated_one_is_dropped()
    {
        using AddrSpace space = MapFile(4, RW);
        Assert.Equal(0, space.ResidentPages);
        Assert.True(space.IsPastEndOfFile(P(0), MappingFlags.Read));
        RandomAccess.SetLength(_file, 3 * (long)Page);
        Assert.True(space.HandlePageFault(P(2), MappingFlags.Write | MappingFlags.User));
        Assert.Equal(3, space.ResidentPages); // the whole prefix up to the file's end
        Assert.Equal(LinuxError.None, Guest.Write(space, P(2) + 1, [42]));
        Assert.Equal(new byte[] { 42 }, FileBytes(2 * (long)Page + 1, 1));
        int mappingsBefore = SpaceMappings(space);

        RandomAccess.SetLength(_file, (long)Page);
        VirtAddrRange dropped = Assert.Single(space.DropPagesPastEndOfFile());
        Assert.Equal(VirtAddrRange.FromStartSize(P(1), 2 * Page), dropped);
        Assert.False(space.IsPopulated(P(1)));
        Assert.True(space.IsPastEndOfFile(P(1), MappingFlags.Read));
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(1), 1).Error);
        Assert.Equal(LinuxError.None, Guest.Read(space, P(0), 1).Error);
        Assert.Empty(space.DropPagesPastEndOfFile());
        Assert.True(SpaceMappings(space) <= mappingsBefore);
    }

    /// <summary>The host mappings of this space's two views only (other tests map and unmap in parallel).</summary>
    private static int SpaceMappings(AddrSpace space) =>
        HostMaps.Within(space.KernelBase, space.UserRange.End.Value).Count + HostMaps.Within(space.GuestViewBase, space.UserRange.End.Value).Count;

    [Fact]
    public void An_offset_mapping_sees_the_file_from_its_offset()
    {
        RandomAccess.SetLength(_file, 3 * (long)Page);
        RandomAccess.Write(_file, "off"u8, 2 * (long)Page);
        using AddrSpace space = MapFile(2, RW, offset: 2 * Page);
        Assert.Equal("off"u8.ToArray(), Guest.Read(space, P(0), 3).Value);
        Assert.True(space.IsPastEndOfFile(P(1), MappingFlags.Read));
    }

    [Fact]
    public void A_read_only_descriptor_maps_read_only()
    {
        RandomAccess.SetLength(_file, (long)Page);
        RandomAccess.Write(_file, "ro"u8, 0);
        using AddrSpace space = MapFile(1, RO, writable: false);
        Assert.Equal("ro"u8.ToArray(), Guest.Read(space, P(0), 2).Value);
        Assert.Equal(LinuxError.EFAULT, Guest.Write(space, P(0), [1]));
    }

    [Fact]
    public void Splitting_a_file_area_keeps_each_piece_on_its_file_offsets()
    {
        RandomAccess.SetLength(_file, 4 * (long)Page);
        using AddrSpace space = MapFile(4, RW);
        Assert.Equal(LinuxError.None, space.Unmap(P(1), Page));
        Assert.Equal(LinuxError.None, space.Protect(P(3), Page, RO));
        Assert.Equal(LinuxError.None, Guest.Write(space, P(2), [2]));
        Assert.Equal(new byte[] { 2 }, FileBytes(2 * (long)Page, 1));
        RandomAccess.SetLength(_file, 2 * (long)Page + 1);
        Assert.Equal(VirtAddrRange.FromStartSize(P(3), Page), Assert.Single(space.DropPagesPastEndOfFile()));
        Assert.Equal(new byte[] { 2 }, Guest.Read(space, P(2), 1).Value);
    }

    /// <summary>Another process shrinking the file under a view: the next host access to a page now past the end would
    /// be a host SIGBUS; the guard maps a zero page there instead, counts the event, and the truncation hook then moves
    /// the page out so the guest sees it as past the end.</summary>
    [Fact]
    public void A_file_shrunk_behind_the_space_does_not_crash_the_host()
    {
        RandomAccess.SetLength(_file, 3 * (long)Page);
        using AddrSpace space = MapFile(3, RW);
        Assert.Equal(LinuxError.None, Guest.Write(space, P(2), [5]));
        RandomAccess.SetLength(_file, (long)Page); // as another process would: no hook runs
        long before = AddrSpace.HostFaultEvents;
        Assert.Equal(new byte[] { 0 }, Guest.Read(space, P(2), 1).Value); // a host SIGBUS, repaired
        Assert.Equal(LinuxError.None, Guest.Write(space, P(1) + 3, [9])); // another one, on a store
        Assert.Equal(before + 2, AddrSpace.HostFaultEvents);
        Assert.Equal(VirtAddrRange.FromStartSize(P(1), 2 * Page), Assert.Single(space.DropPagesPastEndOfFile()));
        Assert.Equal(LinuxError.EFAULT, Guest.Read(space, P(2), 1).Error);
        Assert.Equal((long)Page, RandomAccess.GetLength(_file));
        RandomAccess.SetLength(_file, 3 * (long)Page);
        Assert.Equal(new byte[] { 0 }, Guest.Read(space, P(2), 1).Value); // the file's own (zero) bytes again
        Assert.Equal(LinuxError.None, Guest.Write(space, P(2), [6]));
        Assert.Equal(new byte[] { 6 }, FileBytes(2 * (long)Page, 1));
    }

    /// <summary>Against a model (the file's bytes): any sequence of resizes (each followed by the truncation hook),
    /// stores and loads answers as Linux would: a page is usable exactly when part of it lies below the file's end, and
    /// the mapping and the file agree byte for byte.</summary>
    [Fact]
    public void Resizes_stores_and_loads_agree_with_a_model()
    {
        const int Pages = 6;
        Gen<(int Kind, int Value, int Offset)> op = Gen.Select(Gen.Int[0, 2], Gen.Int[0, (Pages * (int)Page) + 10], Gen.Int[0, 255]);
        op.Array[1, 30].Sample(ops =>
        {
            string path = Path.Combine(Path.GetTempPath(), "usermem-filemap-" + Guid.NewGuid().ToString("N"));
            using SafeFileHandle file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite);
            try
            {
                using AddrSpace space = Small();
                using (SharedMemory shared = SharedMemory.ForFile((int)file.DangerousGetHandle(), writable: true))
                {
                    Assert.Equal(LinuxError.None, space.MapShared(P(0), Pages * Page, RW, shared, 0));
                }

                byte[] model = [];
                foreach ((int kind, int value, int b) in ops)
                {
                    ulong at = (ulong)Math.Min(value, (Pages * (int)Page) - 1);
                    bool usable = at < (((ulong)model.Length + Page - 1) & ~(Page - 1));
                    switch (kind)
                    {
                        case 0: // resize
                            RandomAccess.SetLength(file, value);
                            Array.Resize(ref model, value);
                            _ = space.DropPagesPastEndOfFile();
                            break;
                        case 1: // store (not into the zero tail past the end of a partial last page: Linux leaves what it holds there to the file system)
                            if (usable && at >= (ulong)model.Length)
                            {
                                break;
                            }

                            LinuxError e = Guest.Write(space, P(0) + at, [(byte)b]);
                            Assert.Equal(usable ? LinuxError.None : LinuxError.EFAULT, e);
                            if (usable && at < (ulong)model.Length)
                            {
                                model[at] = (byte)b;
                            }

                            break;
                        default: // load
                            UserResult<byte> r = Guest.ReadByte(space, P(0) + at);
                            Assert.Equal(usable, r.IsOk);
                            Assert.Equal(!usable, space.IsPastEndOfFile(P(0) + at, MappingFlags.Read));
                            if (usable && at < (ulong)model.Length)
                            {
                                Assert.Equal(model[at], r.Value);
                            }

                            break;
                    }
                }

                byte[] onDisk = new byte[model.Length];
                Assert.Equal(model.Length, RandomAccess.Read(file, onDisk, 0));
                Assert.Equal(model, onDisk);
            }
            finally
            {
                File.Delete(path);
            }
        }, iter: 200);
    }
}
