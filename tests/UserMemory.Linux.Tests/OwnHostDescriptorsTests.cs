using System.IO;
using System.Linq;
using UserMemory.Linux.Process;

namespace UserMemory.Linux.Tests;

/// <summary>The runner's listing of its own host descriptors (raw <c>getdents64</c> over <c>/proc/self/fd</c>) agrees
/// with the host's listing, and includes a descriptor just opened.</summary>
public sealed class OwnHostDescriptorsTests
{
    private const int Attempts = 20;

    /// <summary>Each listing includes its own directory descriptor, which the other does not see open.</summary>
    private static bool Agree(int[] ours, int[] host) => ours.Except(host).Count() <= 1 && host.Except(ours).Count() <= 1;

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
                // Other tests of this process open and close descriptors meanwhile: a few attempts find two listings
                // taken close enough together to agree.
                int[] ours = [];
                int[] host = [];
                for (int attempt = 0; attempt < Attempts; attempt++)
                {
                    ours = [.. OwnHostDescriptors.List().Order()];
                    host = [.. Directory.EnumerateFileSystemEntries("/proc/self/fd").Select(e => int.Parse(Path.GetFileName(e), System.Globalization.CultureInfo.InvariantCulture)).Order()];
                    if (Agree(ours, host))
                    {
                        break;
                    }
                }

                Assert.Contains(opened, ours);
                Assert.Contains(0, ours);
                Assert.True(Agree(ours, host), string.Join(",", ours) + " vs " + string.Join(",", host));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
