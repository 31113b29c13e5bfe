using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace UserMemory.Linux.Process;

/// <summary>The runner process's own open host descriptors, as the host lists them in <c>/proc/self/fd</c> (the
/// runner's view of the host, never the guest's synthetic <c>/proc</c>).</summary>
internal static class OwnHostDescriptors
{
    private const string Directory = "/proc/self/fd";

    /// <summary>The numbers open now (the listing's own directory descriptor included, which carries close-on-exec);
    /// empty when the host has no <c>/proc</c>.</summary>
    /// <returns>The numbers.</returns>
    public static List<int> List()
    {
        var list = new List<int>();
        try
        {
            foreach (string entry in System.IO.Directory.EnumerateFileSystemEntries(Directory))
            {
                if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
                {
                    list.Add(fd);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (System.UnauthorizedAccessException)
        {
        }

        return list;
    }
}
