using System.Text;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>The start time that tells a live sandbox member from a process that reused its pid.</summary>
public sealed class HostProcessIdentityTests
{
    [Theory]
    [InlineData("123 (sh) S 1 123 123 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 100 18446744073709551615", 98765)]
    [InlineData("7 (a b) c)) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0", 42)] // a name with spaces and parentheses
    [InlineData("7 (x) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0", 0)] // cut short
    [InlineData("7 (x) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 12x 0", 0)] // not a number
    [InlineData("no parenthesis at all", 0)]
    [InlineData("", 0)]
    public void Start_time_is_field_22_counted_after_the_name(string line, long expected) =>
        Assert.Equal(expected, HostProcessIdentity.Parse(Encoding.ASCII.GetBytes(line)));

    [Fact]
    public void This_process_has_a_start_time_and_a_missing_pid_has_none()
    {
        Assert.True(HostProcessIdentity.StartTime(System.Environment.ProcessId) > 0);
        Assert.Equal(0, HostProcessIdentity.StartTime(int.MaxValue));
        Assert.Equal(0, HostProcessIdentity.StartTime(0));
        Assert.Equal(0, HostProcessIdentity.StartTime(-1));
    }
}
