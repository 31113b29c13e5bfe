using System.IO;
using System.Linq;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>The runner's listing of its own host descriptors (raw <c>getdents64</c> over <c>/proc/self/fd</c>) agrees
/// with the host's listing, and includes a descriptor just opened.</summary>
public sealed class OwnHostDescriptorsTests
{
    [Fact]
    public void Lists_what_the_host_lists()
    {
        string path = Path.GetTempFileName();
        try
        {
            int opened;
            using (FileStream file = File.OpenRead(path))
            {
                opened = (int)file.SafeFileHandle.DangerousGetHandle();
                int[] ours = [.. OwnHostDescriptors.List().Order()];
                int[] host = [.. Directory.EnumerateFileSystemEntries("/proc/self/fd").Select(e => int.Parse(Path.GetFileName(e), System.Globalization.CultureInfo.InvariantCulture)).Order()];
                Assert.Contains(opened, ours);
                Assert.Contains(0, ours);
                // Each listing includes its own directory descriptor, which the other does not see open.
                Assert.True(ours.Except(host).Count() <= 1 && host.Except(ours).Count() <= 1, string.Join(",", ours) + " vs " + string.Join(",", host));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
