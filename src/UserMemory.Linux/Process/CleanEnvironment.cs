using System;
using System.Collections.Generic;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>
/// The fixed, minimal host environment every runner after the first starts with. Nothing of the guest's envp is in it
/// (the guest's environment travels as bytes inside the hand-off state), so no <c>LD_PRELOAD</c>, <c>LD_AUDIT</c>,
/// <c>LD_LIBRARY_PATH</c>, <c>DOTNET_*</c> or <c>CORECLR_*</c> value a guest chooses can reach the host loader or
/// runtime. It keeps only where the .NET runtime is installed (the first runner's own <c>DOTNET_ROOT</c>, set by whoever
/// started it, never by a guest) and turns the runtime's diagnostic IPC socket off, so no guest can connect to a
/// runner's diagnostic port to attach a profiler or read its memory.
/// </summary>
public static class CleanEnvironment
{
    /// <summary>The runner-chosen setting every next runner gets: no diagnostic server socket.</summary>
    public const string DisableDiagnostics = "DOTNET_EnableDiagnostics=0";

    /// <summary>Variables copied from this runner's own host environment (never from the guest's).</summary>
    private static readonly string[] Kept = ["DOTNET_ROOT=", "DOTNET_ROOT_X64="];

    /// <summary>The environment for the next runner, NUL-terminated entries.</summary>
    /// <returns>The entries.</returns>
    public static byte[][] ForNextRunner() => Build(HostLinux.ReadEnvironment());

    /// <summary>The environment for the next runner given this runner's own environment.</summary>
    /// <param name="own">This runner's host environment entries (without NUL).</param>
    /// <returns>NUL-terminated entries: the kept variables, then <see cref="DisableDiagnostics"/>.</returns>
    public static byte[][] Build(IReadOnlyList<byte[]> own)
    {
        ArgumentNullException.ThrowIfNull(own);
        var result = new List<byte[]>();
        foreach (string prefix in Kept)
        {
            byte[] name = System.Text.Encoding.ASCII.GetBytes(prefix);
            foreach (byte[] entry in own)
            {
                if (entry.AsSpan().StartsWith(name))
                {
                    result.Add([.. entry, 0]);
                    break;
                }
            }
        }

        result.Add([.. System.Text.Encoding.ASCII.GetBytes(DisableDiagnostics), 0]);
        return result.ToArray();
    }
}
