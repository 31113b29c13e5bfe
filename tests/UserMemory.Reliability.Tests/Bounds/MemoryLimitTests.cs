using System;
using System.Diagnostics;
using UserMemory.AddressSpace;

namespace UserMemory.Reliability.Tests.Bounds;

/// <summary>
/// Part 4: kernel code (or a guest through it) that maps and touches memory past the address space's memory limit gets
/// ENOMEM, with exact accounting, and the host never runs out of memory.
/// </summary>
public sealed class MemoryLimitTests
{
    private const ulong Base = 0x100000;
    private const ulong Limit = 64 * 1024; // 16 pages
    private const MappingFlags RW = MappingFlags.Read | MappingFlags.Write;

    [Fact]
    public void EagerMappingsPastTheLimitAreEnomemAndChangeNothing()
    {
        using AddrSpace space = AddrSpace.Create(Base, 1UL << 30, new AddrSpaceOptions { MemoryLimit = Limit });
        Assert.Equal(LinuxError.ENOMEM, space.MapAlloc(Base, Limit + Pages.Size4K, RW, populate: true));
        Assert.Equal(0UL, space.CommittedBytes);
        Assert.Equal(0, space.AreaCount);
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Limit, RW, populate: true));
        Assert.Equal(LinuxError.ENOMEM, space.MapAlloc(Base + Limit, Pages.Size4K, RW, populate: true));
        Assert.Equal(LinuxError.ENOMEM, space.MapLinear(Base + Limit, Pages.Size4K, RW, [1, 2, 3]));
        Assert.Equal(Limit, space.CommittedBytes);
    }

    [Fact]
    public void CopiesIntoLazyMemoryStopAtTheLimitWithEnomemAndExactCounts()
    {
        using AddrSpace space = AddrSpace.Create(Base, 1UL << 30, new AddrSpaceOptions { MemoryLimit = Limit });
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 1UL << 20, RW, populate: false));
        byte[] data = new byte[1 << 20];
        Array.Fill(data, (byte)7);
        using (UserAccess access = UserAccess.Begin(space))
        {
            // Starting 100 bytes into the first page: exactly the 16 pages up to the limit are written.
            CopyResult r = UserCopy.CopyOut(in access, (UserPtr<byte>)(Base + 100), (ReadOnlySpan<byte>)data.AsSpan(0, (int)(Limit * 2)));
            Assert.Equal(LinuxError.ENOMEM, r.Error);
            Assert.Equal((nuint)(Limit - 100), r.BytesDone);
            Assert.Equal(Limit, space.CommittedBytes);

            // Every other path into a new page answers ENOMEM (or "not resolved" for a fault), never more memory.
            Assert.Equal(LinuxError.ENOMEM, UserCopy.ZeroOut(in access, (UserPtr<byte>)(Base + Limit), 10).Error);
            Assert.Equal(LinuxError.ENOMEM, ((UserPtr<byte>)(Base + Limit)).Get(in access).Error);
            Assert.Equal(LinuxError.ENOMEM, ((UserConstPtr<ulong>)(Base + Limit)).GetAsSlice(in access, 4).Error);
            Assert.Equal(LinuxError.ENOMEM, UserCopy.ReadValue(in access, (UserConstPtr<int>)(Base + Limit)).Error);
            Assert.Equal(LinuxError.ENOMEM, UserCopy.StrnlenUser(in access, (UserConstPtr<byte>)(Base + Limit - 8), 100).Error);
            Assert.Equal(LinuxError.ENOMEM, ((UserConstPtr<byte>)(Base + Limit - 8)).GetAsNullTerminated(in access).Error);
            Assert.False(space.HandlePageFault(Base + Limit, MappingFlags.Write | MappingFlags.User));
            Assert.Equal(LinuxError.ENOMEM, space.PopulateArea(VirtAddrRange.FromStartSize(Base + Limit, Pages.Size4K)));

            // Reads of what fit still work.
            Assert.Equal(7, UserCopy.ReadValue(in access, (UserConstPtr<byte>)(Base + Limit - 1)).Value);
        }

        Assert.Equal(Limit, space.CommittedBytes);

        // Unmapping gives the budget back.
        Assert.Equal(LinuxError.None, space.Unmap(Base, Pages.Size4K));
        Assert.Equal(Limit - Pages.Size4K, space.CommittedBytes);
        using (UserAccess access = UserAccess.Begin(space))
        {
            Assert.Equal(LinuxError.None, UserCopy.WriteValue(in access, (UserPtr<int>)(Base + Limit), 1));
        }
    }

    /// <summary>A guest-sized attempt: a 256 GiB lazy mapping touched page after page across its whole span under a
    /// 64 MiB limit. ENOMEM arrives after exactly 64 MiB of pages, and the process grew by about that, not more.</summary>
    [Fact]
    public void TouchingAHugeLazyMappingEndsInEnomemAtTheLimitNotAHostOom()
    {
        const ulong limit = 64UL << 20;
        const ulong huge = 256UL << 30;
        using AddrSpace space = AddrSpace.Create(Base, huge + Pages.Size4K, new AddrSpaceOptions { MemoryLimit = limit });
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, huge, RW, populate: false));
        long rssBefore = Process.GetCurrentProcess().WorkingSet64;
        ulong stride = huge / (2 * (limit / Pages.Size4K)); // spread the touches over the whole mapping
        ulong touched = 0;
        LinuxError last = LinuxError.None;
        using (UserAccess access = UserAccess.Begin(space))
        {
            for (ulong address = Base; address < Base + huge; address += stride)
            {
                last = UserCopy.WriteValue(in access, (UserPtr<ulong>)address, address);
                if (last != LinuxError.None)
                {
                    break;
                }

                touched++;
            }
        }

        long grown = Process.GetCurrentProcess().WorkingSet64 - rssBefore;
        Assert.Equal(LinuxError.ENOMEM, last);
        Assert.Equal(limit / Pages.Size4K, touched);
        Assert.Equal(limit, space.CommittedBytes);
        Assert.True(grown < (long)(4 * limit), $"the process grew by {grown} bytes for a {limit}-byte limit");
    }
}
