using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using UserMemory;

namespace OwnKernel;

/// <summary>
/// Five system calls served through UserMemory: every pointer a user program passes is a raw number, and the kernel
/// reaches user memory only through <see cref="UserCopy"/>, which answers an errno for anything hostile. Results
/// follow the syscall convention: a count or descriptor, or <c>-errno</c>.
/// </summary>
internal sealed class TinyKernel(IUserAddressSpace memory, TextWriter console)
{
    /// <summary>openat's "relative to the current directory".</summary>
    public const int AtFdCwd = -100;

    /// <summary>Standard output.</summary>
    public const int StdoutFd = 1;

    // Linux caps one read or write at MAX_RW_COUNT; the kernel never sizes a buffer by a user's count alone.
    private const int MaxTransfer = 64 * 1024;
    private const int FirstFileFd = 3;

    private readonly Dictionary<string, byte[]> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<int, OpenFile> _open = [];
    private int _nextFd = FirstFileFd;

    /// <summary>Adds a file to the kernel's in-memory file system.</summary>
    public void AddFile(string path, string contents) => _files[path] = Encoding.UTF8.GetBytes(contents);

    /// <summary>openat(dirfd, path, flags): the path is copied in once (bounded by PATH_MAX).</summary>
    public long OpenAt(int dirfd, ulong path, int flags)
    {
        _ = flags;
        UserResult<byte[]> name = UserCopy.CopyPathFromUser(memory, UserConstPtr<byte>.FromAddress(path));
        if (!name.IsOk)
        {
            return name.Error.ToSyscallReturn(); // EFAULT, ENAMETOOLONG, or ENOENT for ""
        }

        if (dirfd != AtFdCwd)
        {
            return LinuxError.EBADF.ToSyscallReturn();
        }

        if (!_files.TryGetValue(Encoding.UTF8.GetString(name.Value), out byte[]? contents))
        {
            return LinuxError.ENOENT.ToSyscallReturn();
        }

        int fd = _nextFd++;
        _open[fd] = new OpenFile(contents);
        return fd;
    }

    /// <summary>read(fd, buf, count): copies out what the file has; a partly bad buffer gives a short count.</summary>
    public long Read(int fd, ulong buf, ulong count)
    {
        if (!_open.TryGetValue(fd, out OpenFile? file))
        {
            return LinuxError.EBADF.ToSyscallReturn();
        }

        ReadOnlySpan<byte> available = file.Remaining(count);
        CopyResult copied = UserCopy.CopyOut(memory, UserPtr<byte>.FromAddress(buf), available);
        file.Advance(copied.BytesDone);
        return copied.ToTransferReturn(); // bytes copied, or -EFAULT when none were
    }

    /// <summary>write(fd, buf, count): copies in up to <see cref="MaxTransfer"/> bytes and prints them.</summary>
    public long Write(int fd, ulong buf, ulong count)
    {
        if (fd != StdoutFd)
        {
            return LinuxError.EBADF.ToSyscallReturn();
        }

        byte[] kernelBuffer = new byte[(int)Math.Min(count, MaxTransfer)];
        CopyResult copied = UserCopy.CopyIn(memory, UserConstPtr<byte>.FromAddress(buf), kernelBuffer.AsSpan());
        if (copied.BytesDone > 0)
        {
            console.WriteLine("  stdout> " + Encoding.UTF8.GetString(kernelBuffer, 0, (int)copied.BytesDone).ReplaceLineEndings("\\n"));
        }

        return copied.ToTransferReturn();
    }

    /// <summary>readv(fd, iov, iovcnt): the iovec array is imported once (IOV_MAX, total length), then filled in
    /// order, stopping at the first bad buffer.</summary>
    public long Readv(int fd, ulong iov, long iovcnt)
    {
        if (!_open.TryGetValue(fd, out OpenFile? file))
        {
            return LinuxError.EBADF.ToSyscallReturn();
        }

        UserResult<IoVec[]> vectors = UserCopy.ImportIoVectors(memory, UserConstPtr<IoVec>.FromAddress(iov), iovcnt);
        if (!vectors.IsOk)
        {
            return vectors.Error.ToSyscallReturn(); // EINVAL for a bad count, EFAULT for a bad array
        }

        ulong total = 0;
        foreach (IoVec v in vectors.Value)
        {
            total += v.Length;
        }

        CopyResult copied = UserCopy.CopyOutVector(memory, vectors.Value, file.Remaining(total));
        file.Advance(copied.BytesDone);
        return copied.ToTransferReturn();
    }

    /// <summary>execve(path, argv, envp): path, argument and environment strings are copied in with Linux's limits
    /// (E2BIG, EFAULT, ENAMETOOLONG). This kernel then only reports what it would run.</summary>
    public long Execve(ulong path, ulong argv, ulong envp)
    {
        UserResult<byte[]> program = UserCopy.CopyPathFromUser(memory, UserConstPtr<byte>.FromAddress(path));
        if (!program.IsOk)
        {
            return program.Error.ToSyscallReturn();
        }

        UserResult<ExecArguments> args = UserCopy.CopyExecArgumentsFromUser(
            memory, UserConstPtr<ulong>.FromAddress(argv), UserConstPtr<ulong>.FromAddress(envp));
        if (!args.IsOk)
        {
            return args.Error.ToSyscallReturn();
        }

        string name = Encoding.UTF8.GetString(program.Value);
        if (!_files.ContainsKey(name))
        {
            return LinuxError.ENOENT.ToSyscallReturn();
        }

        var shown = new List<string>();
        foreach (byte[] a in args.Value.Arguments)
        {
            shown.Add("\"" + Encoding.UTF8.GetString(a) + "\"");
        }

        console.WriteLine("  kernel> would run " + name + " with argv [" + string.Join(", ", shown) + "] and "
            + args.Value.Environment.Count + " environment strings");
        return 0;
    }

    /// <summary>An open file: contents and read position.</summary>
    private sealed class OpenFile(byte[] contents)
    {
        private int _position;

        public ReadOnlySpan<byte> Remaining(ulong max) =>
            contents.AsSpan(_position, (int)Math.Min((ulong)(contents.Length - _position), max));

        public void Advance(nuint bytes) => _position += (int)bytes;
    }
}
