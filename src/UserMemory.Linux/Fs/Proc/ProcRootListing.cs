using System;
using System.Buffers.Binary;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>
/// <c>getdents64</c> on the host's <c>/proc</c> root: the directory is the host's (its non-process entries are host
/// facts the guest may read), but a process directory the guest could not open (a host process outside the sandbox,
/// a runner thread: <see cref="ProcFileSystem.Classify"/> answers ENOENT) is left out of the listing too, so the guest
/// never learns which host processes exist (stress-ng's procfs stressor walks every one it is shown).
/// </summary>
internal static class ProcRootListing
{
    /// <summary><c>PROC_SUPER_MAGIC</c>.</summary>
    private const long ProcSuperMagic = 0x9fa0;

    /// <summary><c>PROC_ROOT_INO</c>: the inode of a proc mount's root directory.</summary>
    private const ulong ProcRootInode = 1;

    private const int StatfsSize = 120;
    private const int StatSize = 144;
    private const int StatInodeOffset = 8;

    /// <summary><c>struct linux_dirent64</c>: ino, off, reclen, type, name.</summary>
    private const int RecordLengthOffset = 16;
    private const int NameOffset = 19;

    /// <summary>Whether a host descriptor is a proc mount's root directory.</summary>
    /// <param name="hostFd">The host descriptor.</param>
    /// <returns>Whether it is.</returns>
    internal static bool IsProcRoot(int hostFd)
    {
        Span<byte> statfs = stackalloc byte[StatfsSize];
        if (HostLinux.Syscall((long)SyscallNumber.Fstatfs, statfs, 1, [hostFd, 0, 0, 0, 0, 0]) < 0
            || BinaryPrimitives.ReadInt64LittleEndian(statfs) != ProcSuperMagic)
        {
            return false;
        }

        Span<byte> stat = stackalloc byte[StatSize];
        return HostLinux.Syscall((long)SyscallNumber.Fstat, stat, 1, [hostFd, 0, 0, 0, 0, 0]) >= 0
            && BinaryPrimitives.ReadUInt64LittleEndian(stat[StatInodeOffset..]) == ProcRootInode;
    }

    /// <summary>Removes, in place, the records of process directories the guest cannot see.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="records">The host's records.</param>
    /// <returns>The length of the records kept.</returns>
    internal static int Filter(Task t, Span<byte> records)
    {
        var scope = new TaskProcScope(t);
        int kept = 0;
        for (int at = 0; at + NameOffset < records.Length;)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(records[(at + RecordLengthOffset)..]);
            if (length <= NameOffset || at + length > records.Length)
            {
                break; // not a record the host writes: keep nothing past it
            }

            Span<byte> name = records.Slice(at + NameOffset, length - NameOffset);
            int end = name.IndexOf((byte)0);
            if (IsVisible(scope, end < 0 ? name : name[..end]))
            {
                records.Slice(at, length).CopyTo(records[kept..]);
                kept += length;
            }

            at += length;
        }

        return kept;
    }

    private static bool IsVisible(TaskProcScope scope, ReadOnlySpan<byte> name)
    {
        if (!ProcFileSystem.TryParseId(Encoding.ASCII.GetString(name), out int id) || id == scope.Pid)
        {
            return true;
        }

        return !scope.IsRunnerId(id) && (!Process.SandboxTable.IsAttached || Process.SandboxTable.Contains(id));
    }
}
