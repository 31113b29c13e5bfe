using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;
using UserMemory.Linux.Kernel;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>The file operations of a synthetic open file description: read/pread (rendered bytes, or guest memory
/// for mem), write/pwrite (mem only), lseek, fstat and getdents64 (directories).</summary>
internal static class SyntheticFiles
{
    private const uint DirectoryMode = 0x4000 | 0x16D; // S_IFDIR | 0555
    private const uint LinkMode = 0xA000 | 0x1FF; // S_IFLNK | 0777
    private const uint RegularReadable = 0x8000 | 0x124; // S_IFREG | 0444
    private const uint RegularPrivate = 0x8000 | 0x100; // S_IFREG | 0400
    private const uint RegularOwnerWritable = 0x8000 | 0x1A4; // S_IFREG | 0644
    private const uint MemoryMode = 0x8000 | 0x180; // S_IFREG | 0600
    private const ulong ProcDevice = 0x16; // the device number Linux's procfs usually gets
    private const long BlockSize = 1024;
    private const int SeekSet = 0;
    private const long FirstFdPosition = 2; // after "." and ".."
    private const int SeekCur = 1;
    private const int SeekEnd = 2;
    private const byte TypeDirectory = 4;
    private const byte TypeRegular = 8;
    private const byte TypeLink = 10;
    private const int DirentHeader = 19; // d_ino, d_off, d_reclen, d_type

    /// <summary>Reads at <paramref name="offset"/> (or the file offset, advancing it, when null).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="f">The description.</param>
    /// <param name="destination">Where the bytes go (a host staging buffer).</param>
    /// <param name="offset">The position, or null for the file offset.</param>
    /// <returns>The count or -errno.</returns>
    internal static long Read(Task t, SyntheticFile f, Span<byte> destination, long? offset)
    {
        if (f.Node.IsDirectory)
        {
            return -(long)LinuxError.EISDIR;
        }

        if ((f.StatusFlags & (int)OpenFlags.AccessMode) == (int)OpenFlags.WriteOnly)
        {
            return -(long)LinuxError.EBADF;
        }

        long position = offset ?? f.Offset;
        long n;
        if (f.Node.Kind == ProcNodeKind.Memory)
        {
            n = destination.IsEmpty ? 0 : ProcMemory.Transfer(t, (ulong)position, destination, write: false);
        }
        else
        {
            if (f.Content is null || position == 0)
            {
                byte[]? rendered = ProcRenderer.Render(t, f.Node);
                if (rendered is null)
                {
                    return -(long)LinuxError.ESRCH; // the thread it describes has exited
                }

                f.Content = rendered;
            }

            // A position at or past the end (a pread far beyond it, an lseek past it) reads nothing: it is never
            // used to slice the content.
            byte[] content = f.Content;
            n = position < 0 || position >= content.Length ? 0 : Math.Min(destination.Length, content.Length - position);
            if (n > 0)
            {
                content.AsSpan((int)position, (int)n).CopyTo(destination);
            }
        }

        if (offset is null && n > 0)
        {
            f.Offset = position + n;
        }

        return n;
    }

    /// <summary>Writes (mem only; comm has <see cref="WriteCommandName"/>; every other synthetic file answers EINVAL,
    /// or EBADF when opened read-only).</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="f">The description.</param>
    /// <param name="source">The bytes.</param>
    /// <param name="offset">The position, or null for the file offset.</param>
    /// <returns>The count or -errno.</returns>
    internal static long Write(Task t, SyntheticFile f, ReadOnlySpan<byte> source, long? offset)
    {
        if ((f.StatusFlags & (int)OpenFlags.AccessMode) == (int)OpenFlags.ReadOnly)
        {
            return -(long)LinuxError.EBADF;
        }

        if (f.Node.Kind != ProcNodeKind.Memory)
        {
            return -(long)LinuxError.EINVAL;
        }

        long position = offset ?? f.Offset;
        byte[] copy = source.ToArray();
        long n = copy.Length == 0 ? 0 : ProcMemory.Transfer(t, (ulong)position, copy, write: true);
        if (offset is null && n > 0)
        {
            f.Offset = position + n;
        }

        return n;
    }

    /// <summary>write/pwrite on <c>comm</c>, as Linux's comm_write: the thread it names takes the first
    /// min(count, 15) bytes of the guest's buffer (up to a NUL) as its name, whatever the position, and the whole
    /// count is reported written; a fault within those bytes is EFAULT (the name unchanged), a thread that ended
    /// ESRCH, pwrite ESPIPE (a seq_file has no positional write). Only threads of the calling process have a
    /// synthetic comm, so Linux's other-process EINVAL never arises.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="f">The description (a <see cref="ProcNodeKind.Command"/> node).</param>
    /// <param name="buffer">The guest's buffer.</param>
    /// <param name="count">The count (already clamped to the largest transfer).</param>
    /// <param name="positional">True for pwrite64.</param>
    /// <returns>The count or -errno.</returns>
    internal static long WriteCommandName(Task t, SyntheticFile f, ulong buffer, ulong count, bool positional)
    {
        if (positional)
        {
            return -(long)LinuxError.ESPIPE;
        }

        if ((f.StatusFlags & (int)OpenFlags.AccessMode) == (int)OpenFlags.ReadOnly)
        {
            return -(long)LinuxError.EBADF;
        }

        Span<byte> name = stackalloc byte[ProcessCommandName.MaxLength];
        name = name[..(int)Math.Min(count, (ulong)ProcessCommandName.MaxLength)];
        if (t.CopyIn(buffer, name) < 0)
        {
            return -(long)LinuxError.EFAULT;
        }

        ProcNode node = f.Node;
        (Task? target, bool live) = node.Pid != t.Group.Pid && t.Group.FindTask(node.Pid) is null
            ? (null, false)
            : ProcRenderer.TaskOf(t.Group, node.Tid);
        if (target is null || !live)
        {
            return -(long)LinuxError.ESRCH;
        }

        target.CommandName = ProcessCommandName.Truncate(name);
        return (long)count;
    }

    /// <summary>lseek: SEEK_SET/SEEK_CUR anywhere at or above 0 (mem takes any address), SEEK_END on a rendered file.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="f">The description.</param>
    /// <param name="offset">The offset.</param>
    /// <param name="whence">SEEK_SET, SEEK_CUR or SEEK_END.</param>
    /// <returns>The new position or -EINVAL.</returns>
    internal static long Seek(Task t, SyntheticFile f, long offset, int whence)
    {
        long basis;
        switch (whence)
        {
            case SeekSet:
                basis = 0;
                break;
            case SeekCur:
                basis = f.Offset;
                break;
            case SeekEnd when f.Node.Kind != ProcNodeKind.Memory && !f.Node.IsDirectory:
                f.Content ??= ProcRenderer.Render(t, f.Node) ?? [];
                basis = f.Content.Length;
                break;
            default:
                return -(long)LinuxError.EINVAL;
        }

        long target = basis + offset;
        if ((offset > 0 && target < basis) || (target < 0 && f.Node.Kind != ProcNodeKind.Memory))
        {
            return -(long)LinuxError.EINVAL;
        }

        f.Offset = target;
        if (f.Node.IsDirectory && target == 0)
        {
            f.Content = null;
        }

        return target;
    }

    /// <summary>The <c>struct stat</c> of a synthetic node.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The stat.</returns>
    internal static Stat StatOf(ProcNode node)
    {
        uint mode = node.IsDirectory ? DirectoryMode
            : node.IsLink ? LinkMode
            : node.Kind == ProcNodeKind.Memory ? MemoryMode
            : node.Kind is ProcNodeKind.Environment or ProcNodeKind.AuxiliaryVector ? RegularPrivate
            : node.Kind == ProcNodeKind.Command ? RegularOwnerWritable
            : RegularReadable;
        return new Stat
        {
            Device = ProcDevice,
            Inode = InodeOf(node),
            LinkCount = node.IsDirectory ? 2UL : 1UL,
            Mode = mode,
            Uid = (uint)HostLinux.Syscall((long)SyscallNumber.Geteuid),
            Gid = (uint)HostLinux.Syscall((long)SyscallNumber.Getegid),
            BlockSize = BlockSize,
        };
    }

    /// <summary>The stat bytes of a node.</summary>
    /// <param name="node">The node.</param>
    /// <returns>The bytes of <c>struct stat</c>.</returns>
    internal static byte[] StatBytes(ProcNode node)
    {
        Stat s = StatOf(node);
        return MemoryMarshal.AsBytes(new ReadOnlySpan<Stat>(in s)).ToArray();
    }

    /// <summary>getdents64 on a synthetic directory: fills <paramref name="destination"/> with whole records from
    /// the description's offset (a directory position) on. As in Linux's <c>/proc</c>, an entry of <c>fd/</c> or
    /// <c>fdinfo/</c> sits at position <c>fd + 2</c> (after <c>.</c> and <c>..</c>), so a reader that closes
    /// descriptors between two calls (CPython's <c>close_fds</c> walk) still sees every later one; other directories
    /// number their entries in order.</summary>
    /// <param name="t">The calling task.</param>
    /// <param name="f">The description.</param>
    /// <param name="destination">The staging buffer.</param>
    /// <returns>The bytes filled, 0 at the end, -EINVAL when the first record does not fit, -ENOTDIR for a file.</returns>
    internal static long ReadDirectory(Task t, SyntheticFile f, Span<byte> destination)
    {
        if (!f.Node.IsDirectory)
        {
            return -(long)LinuxError.ENOTDIR;
        }

        int at = 0;
        if (f.Offset < 0)
        {
            return at;
        }

        foreach ((string name, byte type, ulong inode, long position) in Entries(t, f.Node))
        {
            if (position < f.Offset)
            {
                continue;
            }

            byte[] nameBytes = Encoding.ASCII.GetBytes(name);
            int length = (DirentHeader + nameBytes.Length + 1 + 7) & ~7;
            if (at + length > destination.Length)
            {
                return at == 0 ? -(long)LinuxError.EINVAL : at;
            }

            Span<byte> record = destination.Slice(at, length);
            record.Clear();
            BinaryPrimitives.WriteUInt64LittleEndian(record, inode);
            BinaryPrimitives.WriteInt64LittleEndian(record[8..], position + 1);
            BinaryPrimitives.WriteUInt16LittleEndian(record[16..], (ushort)length);
            record[18] = type;
            nameBytes.CopyTo(record[DirentHeader..]);
            at += length;
            f.Offset = position + 1;
        }

        return at;
    }

    /// <summary>A directory's entries with their positions, ascending.</summary>
    private static List<(string Name, byte Type, ulong Inode, long Position)> Entries(Task t, ProcNode dir)
    {
        var list = new List<(string, byte, ulong, long)>
        {
            (".", TypeDirectory, InodeOf(dir), 0),
            ("..", TypeDirectory, 1, 1),
        };
        switch (dir.Kind)
        {
            case ProcNodeKind.ProcessDirectory:
            case ProcNodeKind.ThreadDirectory:
                foreach (KeyValuePair<string, ProcNodeKind> e in ProcFileSystem.ProcessDirectoryEntries(dir.Kind == ProcNodeKind.ThreadDirectory))
                {
                    var child = new ProcNode(e.Value, dir.Pid, dir.Tid);
                    list.Add((e.Key, child.IsDirectory ? TypeDirectory : child.IsLink ? TypeLink : TypeRegular, InodeOf(child), list.Count));
                }

                break;
            case ProcNodeKind.TaskList:
                foreach (int tid in ProcRenderer.ThreadIds(t.Group))
                {
                    list.Add((tid.ToString(CultureInfo.InvariantCulture), TypeDirectory, InodeOf(new ProcNode(ProcNodeKind.ThreadDirectory, dir.Pid, tid)), list.Count));
                }

                break;
            case ProcNodeKind.FdDirectory:
            case ProcNodeKind.FdInfoDirectory:
                bool links = dir.Kind == ProcNodeKind.FdDirectory;
                foreach (int fd in t.Fds.GuestDescriptors())
                {
                    var child = new ProcNode(links ? ProcNodeKind.FdLink : ProcNodeKind.FdInfo, dir.Pid, dir.Tid, fd);
                    list.Add((fd.ToString(CultureInfo.InvariantCulture), links ? TypeLink : TypeRegular, InodeOf(child), (long)fd + FirstFdPosition));
                }

                break;
        }

        return list;
    }

    private static ulong InodeOf(ProcNode node) =>
        ((ulong)(uint)node.Pid << 24) ^ ((ulong)node.Kind << 16) ^ (ulong)(uint)(node.Fd + 1) ^ ((ulong)(uint)node.Tid << 40);
}
