using System;
using System.Collections.Generic;
using UserMemory.AddressSpace;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>
/// <c>/proc/PID/mem</c>: the guest's memory by address, through the core only (<see cref="UserCopy"/>), never the
/// runner's. Linux's answers: an address outside every area (or outside the user range) ends the transfer, and a
/// transfer that moved nothing answers EIO. Like Linux's FOLL_FORCE, protections do not stop it: a write into
/// read-only private memory (for example the guest's own code) lands, by lifting the area's protection for the copy
/// and restoring it after (and dropping the CPU's translated code of the range); a shared mapping without write
/// permission refuses the write, as Linux does for a shared mapping that was never writable.
/// </summary>
internal static class ProcMemory
{
    /// <summary>Copies between guest memory at <paramref name="address"/> and <paramref name="buffer"/>.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="address">The guest address (the file offset).</param>
    /// <param name="buffer">The bytes to write, or where to read into.</param>
    /// <param name="write">True to write guest memory.</param>
    /// <returns>The bytes moved, or -EIO when none could be.</returns>
    internal static long Transfer(Task t, ulong address, Span<byte> buffer, bool write)
    {
        IReadOnlyList<MemoryAreaInfo>? areas = null;
        long done = 0;
        while (done < buffer.Length)
        {
            ulong at = address + (ulong)done;
            if (at < address)
            {
                break;
            }

            int chunk = (int)Math.Min((ulong)(buffer.Length - done), Pages.Size4K - (at & Pages.OffsetMask4K));
            Span<byte> part = buffer.Slice((int)done, chunk);
            if (!Copy(t, at, part, write))
            {
                areas ??= t.Space.GetAreas();
                if (!Forced(t, areas, at, part, write))
                {
                    break;
                }
            }

            done += chunk;
        }

        return done > 0 ? done : -(long)LinuxError.EIO;
    }

    private static bool Copy(Task t, ulong at, Span<byte> part, bool write) => write
        ? UserCopy.CopyOut(t.Space, UserPtr<byte>.FromAddress(new VirtAddr(at)), part).IsOk
        : UserCopy.CopyIn(t.Space, UserConstPtr<byte>.FromAddress(new VirtAddr(at)), part).IsOk;

    private static bool Forced(Task t, IReadOnlyList<MemoryAreaInfo> areas, ulong at, Span<byte> part, bool write)
    {
        foreach (MemoryAreaInfo a in areas)
        {
            if (at < a.Range.Start.Value || at >= a.Range.End.Value)
            {
                continue;
            }

            MappingFlags needed = write ? MappingFlags.Write | MappingFlags.Read : MappingFlags.Read;
            if (write && a.Kind == MemoryAreaKind.Shared)
            {
                return false;
            }

            ulong start = a.Range.Start.Value;
            ulong size = a.Range.Size;
            if (t.Space.Protect(new VirtAddr(start), size, a.Flags | needed) != LinuxError.None)
            {
                return false;
            }

            bool ok = Copy(t, at, part, write);
            t.Space.Protect(new VirtAddr(start), size, a.Flags);
            t.Cpu.MappingsChanged(start, start + size);
            if (ok && write)
            {
                t.Cpu.FlushCode(at, at + (ulong)part.Length);
            }

            return ok;
        }

        return false;
    }
}
