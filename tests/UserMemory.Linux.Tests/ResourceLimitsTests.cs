using System;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Fs;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

public sealed class ResourceLimitsTests
{
    [Fact]
    public void First_guest_gets_host_limits_with_the_descriptor_table_size_as_soft_nofile()
    {
        ResourceLimits limits = ResourceLimits.FromHost();
        Assert.True(limits.TryGet(ResourceLimits.NoFile, out RLimit nofile));
        Assert.True(nofile.Current <= FdTable.Limit);
        Assert.True(nofile.Current <= nofile.Maximum);
    }

    [Theory]
    [InlineData(16UL)]
    [InlineData(999UL)]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 32)]
    public void Unknown_resources_are_EINVAL_never_an_exception(ulong resource)
    {
        ResourceLimits limits = ResourceLimits.FromHost();
        Assert.False(limits.TryGet(resource, out _));
        Assert.Equal(LinuxError.EINVAL, limits.TrySet(resource, new RLimit { Current = 1, Maximum = 2 }, privileged: true));
    }

    [Fact]
    public void Soft_above_hard_is_EINVAL_and_raising_hard_needs_privilege()
    {
        ResourceLimits limits = ResourceLimits.FromArray(new ulong[ResourceLimits.Count * 2])!;
        const ulong Core = 4;
        Assert.Equal(LinuxError.EINVAL, limits.TrySet(Core, new RLimit { Current = 100, Maximum = 10 }, privileged: true));
        Assert.Equal(LinuxError.EPERM, limits.TrySet(Core, new RLimit { Current = 0, Maximum = 10 }, privileged: false));
        Assert.Equal(LinuxError.None, limits.TrySet(Core, new RLimit { Current = 5, Maximum = 10 }, privileged: true));
        Assert.Equal(LinuxError.None, limits.TrySet(Core, new RLimit { Current = 1, Maximum = 5 }, privileged: false));
        Assert.True(limits.TryGet(Core, out RLimit now));
        Assert.Equal((1UL, 5UL), (now.Current, now.Maximum));
        Assert.Equal(LinuxError.EPERM, limits.TrySet(ResourceLimits.NoFile, new RLimit { Current = 0, Maximum = ulong.MaxValue }, privileged: true));
    }

    [Fact]
    public void Hand_off_values_round_trip_and_inverted_or_short_arrays_are_refused()
    {
        ResourceLimits limits = ResourceLimits.FromHost();
        ulong[] values = limits.ToArray();
        Assert.Equal(values, ResourceLimits.FromArray(values)!.ToArray());
        Assert.Null(ResourceLimits.FromArray(values.AsSpan(1)));
        values[0] = 10;
        values[1] = 9;
        Assert.Null(ResourceLimits.FromArray(values));
    }
}
