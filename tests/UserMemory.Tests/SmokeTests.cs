using UserMemory.Tests.Support;

namespace UserMemory.Tests;

public class SmokeTests
{
    [Fact]
    public void GetReadsAndWritesMappedMemory()
    {
        using var space = new TestAddressSpace(0x10000, 0x10000);
        space.Map(0x10000, 0x1000, MappingFlags.Read | MappingFlags.Write);
        using var access = UserAccess.Begin(space);
        UserRef<int> r = UserPtr<int>.FromAddress(0x10010).Get(in access);
        Assert.True(r.IsOk);
        r.Value = 42;
        Assert.Equal(42, System.BitConverter.ToInt32(space.Raw(0x10010, 4)));
    }
}
