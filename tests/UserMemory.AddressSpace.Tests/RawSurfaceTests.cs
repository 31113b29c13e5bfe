using System;
using System.Linq;
using System.Reflection;
using UserMemory.AddressSpace.Tests.Support;
using UserMemory.UnsafeAccess;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>
/// The raw routes around validation (issue 15) are an explicitly marked surface: every one carries
/// <see cref="RequiresUnsafeUserMemoryAttribute"/> (which the shipped analyzer enforces), and the host views reach
/// implementers through <see cref="IHostMappedAddressSpace"/>. Also the validated windows a scope caches.
/// </summary>
public sealed class RawSurfaceTests
{
    public static TheoryData<string, string> RawRoutes => new()
    {
        { typeof(IUserAddressSpace).FullName!, nameof(IUserAddressSpace.GetKernelAddress) },
        { typeof(IUserAddressSpace).FullName!, nameof(IUserAddressSpace.PrepareAccess) },
        { typeof(IUserAddressSpace).FullName!, nameof(IUserAddressSpace.PrepareWindow) },
        { typeof(AddrSpace).FullName!, nameof(AddrSpace.GetKernelAddress) },
        { typeof(AddrSpace).FullName!, nameof(AddrSpace.PrepareAccess) },
        { typeof(AddrSpace).FullName!, nameof(AddrSpace.PrepareWindow) },
        { typeof(AddrSpace).FullName!, nameof(AddrSpace.KernelBase) },
        { typeof(AddrSpace).FullName!, nameof(AddrSpace.GuestViewBase) },
        { typeof(UserPtr<int>).FullName!, nameof(UserPtr<int>.AsPtr) },
        { typeof(UserConstPtr<int>).FullName!, nameof(UserConstPtr<int>.AsPtr) },
    };

    [Theory]
    [MemberData(nameof(RawRoutes))]
    public void EveryRawRouteIsMarked(string typeName, string member)
    {
        Type type = new[] { typeof(IUserAddressSpace), typeof(AddrSpace), typeof(UserPtr<int>), typeof(UserConstPtr<int>) }
            .Single(t => t.FullName == typeName);
        MemberInfo info = type.GetMember(member, BindingFlags.Public | BindingFlags.Instance).Single();
        Assert.NotNull(info.GetCustomAttribute<RequiresUnsafeUserMemoryAttribute>());
    }

    [Fact]
    public void TheHostViewsAreReachableThroughTheOptInInterface()
    {
        using AddrSpace space = Small();
        IHostMappedAddressSpace host = space;
        Assert.Equal(space.KernelBase, host.KernelViewBase);
        Assert.Equal(space.GuestViewBase, host.GuestViewBase);
        Assert.True(host.MemoryFileDescriptor >= 0);
        Assert.NotNull(typeof(IHostMappedAddressSpace).GetCustomAttribute<RequiresUnsafeUserMemoryAttribute>());
    }

    [Fact]
    public void PrepareWindowAnswersThePopulatedPageCoverWithTheAreaFlags()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, 4 * Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + (4 * Page), Page, RO, populate: false));
        space.EnterAccess();
        try
        {
            Assert.Equal(LinuxError.None, space.PrepareWindow(Base + Page + 8, 16, MappingFlags.Read, out ValidatedWindow w));
            Assert.Equal(Base + Page, w.First);
            Assert.Equal(Base + (2 * Page) - 1, w.Last);
            Assert.Equal(RW, w.Flags & RW);
            Assert.Equal((nuint)space.KernelBase, w.KernelDelta);
            Assert.True(space.IsPopulated(Base + Page));
            Assert.False(space.IsPopulated(Base));                 // only the request's pages were populated
            Assert.True(w.Covers(Base + Page, Page, MappingFlags.Write));
            Assert.False(w.Covers(Base + Page, Page + 1, MappingFlags.Read));
            Assert.False(w.Covers(Base + Page - 1, 1, MappingFlags.Read));

            // Spanning two areas: exactly the request, with the requested access.
            Assert.Equal(LinuxError.None, space.PrepareWindow(Base + (4 * Page) - 4, 8, MappingFlags.Read, out w));
            Assert.Equal(Base + (4 * Page) - 4, w.First);
            Assert.Equal(Base + (4 * Page) + 3, w.Last);
            Assert.Equal(MappingFlags.Read, w.Flags);

            Assert.Equal(LinuxError.EFAULT, space.PrepareWindow(Base + (4 * Page), 8, MappingFlags.Write, out w));
            Assert.Equal(MappingFlags.None, w.Flags);
            Assert.Equal(LinuxError.EFAULT, space.PrepareWindow(Base + (5 * Page), 8, MappingFlags.Read, out _));
            Assert.Equal(LinuxError.EFAULT, space.PrepareWindow(ulong.MaxValue, 2, MappingFlags.Read, out _));
        }
        finally
        {
            space.ExitAccess();
        }
    }

    [Fact]
    public void AScopeCachesAWindowButNeverAnswersOutsideIt()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, RW, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + Page, Page, RO, populate: false));
        using UserAccess access = UserAccess.Begin(space);
        Assert.True(UserPtr<long>.FromAddress(Base).Get(in access).IsOk);
        Assert.True(UserPtr<long>.FromAddress(Base + Page - 8).Get(in access).IsOk);                  // cached page
        Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(Base + Page - 4).Get(in access).Error); // misaligned
        Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(Base + Page).Get(in access).Error);     // read-only
        Assert.True(UserConstPtr<long>.FromAddress(Base + Page).Get(in access).IsOk);
        Assert.Equal(LinuxError.EFAULT, UserPtr<long>.FromAddress(Base + Page).Get(in access).Error);     // cache holds RO now
        Assert.Equal(LinuxError.EFAULT, UserPtr<byte>.FromAddress(Base + Page - 8).GetAsSlice(in access, 16).Error);
        Assert.Equal(LinuxError.EFAULT, UserConstPtr<long>.FromAddress(Base + (2 * Page)).Get(in access).Error);
    }
}
