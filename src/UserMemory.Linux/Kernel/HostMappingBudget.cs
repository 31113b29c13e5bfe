using System;
using System.Globalization;
using System.IO;
using UserMemory.AddressSpace;

namespace UserMemory.Linux.Kernel;

/// <summary>
/// How many host mappings a guest address space may use (<see cref="AddrSpaceOptions.MaxHostMappings"/>): the host's
/// <c>vm.max_map_count</c> less a reserve for the runner itself (the .NET runtime, its heaps and thread stacks use a
/// few hundred; the reserve leaves room for thousands of guest threads' stacks), and never less than
/// <see cref="AddrSpaceOptions.DefaultMaxHostMappings"/>. Each shared area costs one host mapping, so a guest mapping
/// one file tens of thousands of times (as Linux allows up to <c>vm.max_map_count</c>) needs more than the default
/// quarter of the count.
/// </summary>
internal static class HostMappingBudget
{
    /// <summary>Host mappings kept for the runner process itself.</summary>
    private const int RunnerReserve = 8192;

    private const string MaxMapCountPath = "/proc/sys/vm/max_map_count";

    private static readonly Lazy<int> s_guestLimit = new(Compute);

    /// <summary>The most host mappings one guest address space may use.</summary>
    internal static int GuestLimit => s_guestLimit.Value;

    private static int Compute()
    {
        try
        {
            string text = File.ReadAllText(MaxMapCountPath).Trim();
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                return Math.Max(AddrSpaceOptions.DefaultMaxHostMappings, count - RunnerReserve);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return AddrSpaceOptions.DefaultMaxHostMappings;
    }
}
