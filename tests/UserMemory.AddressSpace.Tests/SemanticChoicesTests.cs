using UserMemory.AddressSpace.Tests.Support;
using static UserMemory.AddressSpace.Tests.Support.Spaces;

namespace UserMemory.AddressSpace.Tests;

/// <summary>The decision in <c>docs/articles/semantics-choices.md</c> §1: an area's <see cref="MappingFlags.User"/> flag
/// is not an access boundary; the user range is.</summary>
public sealed class SemanticChoicesTests
{
    private const MappingFlags KernelOnlyLooking = MappingFlags.Read | MappingFlags.Write; // no User flag

    [Fact]
    public void AnAreaWithoutTheUserFlagIsReachableThroughUserPointers()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, KernelOnlyLooking, populate: false));
        using UserAccess access = UserAccess.Begin(space);
        UserRef<long> r = UserPtr<long>.FromAddress(Base).Get(in access);
        Assert.True(r.IsOk);
        r.Value = 42;
        Assert.Equal(42, UserCopy.ReadValue(in access, UserConstPtr<long>.FromAddress(Base)).Value);
    }

    [Fact]
    public void AUserModeFaultOnAnAreaWithoutTheUserFlagIsResolvedByItsOtherFlags()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, MappingFlags.Read, populate: false));
        Assert.True(space.HandlePageFault(Base, MappingFlags.Read | MappingFlags.User));
        Assert.False(space.HandlePageFault(Base, MappingFlags.Write | MappingFlags.User));
    }

    [Fact]
    public void TheFlagIsKeptOnTheAreaForTheKernelsOwnBookkeeping()
    {
        using AddrSpace space = Small();
        Assert.Equal(LinuxError.None, space.MapAlloc(Base, Page, KernelOnlyLooking, populate: false));
        Assert.Equal(LinuxError.None, space.MapAlloc(Base + Page, Page, RW, populate: false));
        var areas = space.GetAreas();
        Assert.Equal(MappingFlags.None, areas[0].Flags & MappingFlags.User);
        Assert.Equal(MappingFlags.User, areas[1].Flags & MappingFlags.User);
    }
}
