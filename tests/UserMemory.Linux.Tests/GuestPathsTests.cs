using UserMemory.Linux.Fs;

namespace UserMemory.Linux.Tests;

/// <summary>Which /proc paths name the guest's own executable.</summary>
public sealed class GuestPathsTests
{
    [Theory]
    [InlineData("/proc/self/exe", true)]
    [InlineData("/proc/1234/exe", true)]
    [InlineData("/proc/1235/exe", false)]
    [InlineData("/proc//exe", false)]
    [InlineData("/proc/exe", false)]
    [InlineData("/proc/self/exe/", false)]
    [InlineData("/proc/01234/exe", false)]
    [InlineData("proc/self/exe", false)]
    [InlineData("", false)]
    public void Own_executable_names(string path, bool expected) =>
        Assert.Equal(expected, GuestPaths.NamesOwnExecutable(System.Text.Encoding.ASCII.GetBytes(path), 1234));
}
