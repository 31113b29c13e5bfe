using System;
using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Loader;

/// <summary>What execve checks on the host before giving up the old program: the file exists and is executable, and
/// is an x86-64 ELF executable (static, or dynamic with a readable dynamic linker) or a <c>#!</c> script whose
/// interpreter is one.</summary>
public static class ExecutableCheck
{
    private const long AtFdCwd = -100;
    private const long ExecuteOk = 1;

    /// <summary>How many <c>#!</c> scripts one execve follows (a script whose interpreter is a script...); one more is
    /// ELOOP, as Linux's <c>exec_binprm</c> answers.</summary>
    private const int MaxScriptDepth = 5;

    /// <summary>Resolves <paramref name="program"/> (a host path without NUL), following <c>#!</c> lines (up to
    /// <see cref="MaxScriptDepth"/> nested scripts, then ELOOP), each of which rewrites <paramref name="argv"/> the way
    /// Linux does.</summary>
    /// <param name="program">The path; replaced by the interpreter's for a script.</param>
    /// <param name="argv">The arguments; a script's get the interpreter (and its argument) and the script path first.</param>
    /// <returns>0, or <c>-errno</c> (ENOENT, EACCES, ENOEXEC...).</returns>
    public static long Resolve(ref byte[] program, List<byte[]> argv) => Resolve(ref program, argv, out _);

    /// <summary>Resolves <paramref name="program"/> as <see cref="Resolve(ref byte[], List{byte[]})"/> does and also
    /// gives the resolved program's contents, so a loader need not read the file again.</summary>
    /// <param name="program">The path; replaced by the interpreter's for a script.</param>
    /// <param name="argv">The arguments, rewritten for a script.</param>
    /// <param name="file">The resolved program's contents (meaningful when 0 is returned).</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    internal static long Resolve(ref byte[] program, List<byte[]> argv, out byte[] file)
    {
        ArgumentNullException.ThrowIfNull(argv);
        long r = ReadFile(program, out file);
        if (r < 0)
        {
            return r;
        }

        // As Linux's exec_binprm: a script's interpreter may itself be a script, up to MaxScriptDepth of them.
        for (int depth = 0; file.Length >= 2 && file[0] == (byte)'#' && file[1] == (byte)'!'; depth++)
        {
            if (depth == MaxScriptDepth)
            {
                return -(long)LinuxError.ELOOP;
            }

            r = ScriptLine.Parse(file, out byte[] interpreter, out byte[]? optional);
            if (r < 0)
            {
                return r;
            }

            var prefix = new List<byte[]> { interpreter };
            if (optional is not null)
            {
                prefix.Add(optional);
            }

            prefix.Add(program);
            if (argv.Count > 0)
            {
                argv.RemoveAt(0);
            }

            argv.InsertRange(0, prefix);
            program = interpreter;
            r = ReadFile(program, out file);
            if (r < 0)
            {
                return r;
            }
        }

        if (ElfImage.TryParse(file, out ElfImage? image) != LinuxError.None
            || InterpreterPath.TryRead(image!, file, out byte[] linkerPath) != LinuxError.None)
        {
            return -(long)LinuxError.ENOEXEC;
        }

        if (linkerPath.Length != 0)
        {
            // As Linux, a dynamic linker that cannot be opened fails the execve (ENOENT, EACCES...).
            r = ReadFile(linkerPath, out byte[] linker);
            if (r < 0)
            {
                return r;
            }

            if (ElfImage.TryParse(linker, out _) != LinuxError.None)
            {
                return -(long)LinuxError.ELIBBAD;
            }
        }

        return 0;
    }

    /// <summary>The lookup and permission part of opening a program (Linux's <c>do_open_execat</c>, which execve
    /// runs before it reads argv): ENOENT, ENOTDIR, ENAMETOOLONG, ELOOP or EACCES for a path that names no executable
    /// file, 0 otherwise.</summary>
    /// <param name="path">The host path (no terminating NUL).</param>
    /// <returns>0, or <c>-errno</c>.</returns>
    internal static long CheckExecutable(byte[] path)
    {
        byte[] z = new byte[path.Length + 1];
        path.CopyTo(z, 0);
        return HostLinux.Syscall((long)SyscallNumber.Faccessat, z, 1, [AtFdCwd, 0, ExecuteOk, 0, 0, 0]);
    }

    /// <summary>Checks execute permission and reads the whole file.</summary>
    /// <param name="path">The host path without NUL.</param>
    /// <param name="file">The contents.</param>
    /// <returns>0 or <c>-errno</c>.</returns>
    public static long ReadFile(byte[] path, out byte[] file)
    {
        ArgumentNullException.ThrowIfNull(path);
        file = [];
        byte[] z = new byte[path.Length + 1];
        path.CopyTo(z, 0);
        long r = CheckExecutable(path);
        if (r < 0)
        {
            return r;
        }

        // O_NONBLOCK: a FIFO (or a device) opens at once and is refused below as Linux refuses it, instead of the open
        // waiting for a writer; the file is read with pread, which the flag does not change for a regular file.
        long fd = HostLinux.Syscall((long)SyscallNumber.Openat, z, 1, [AtFdCwd, 0, (long)(OpenFlags.ReadOnly | OpenFlags.CloseOnExec | OpenFlags.NonBlock), 0, 0, 0]);
        if (fd < 0)
        {
            return fd;
        }

        try
        {
            byte[] stat = new byte[144];
            r = HostLinux.Syscall((long)SyscallNumber.Fstat, stat, 1, [fd, 0, 0, 0, 0, 0]);
            if (r < 0)
            {
                return r;
            }

            uint mode = BitConverter.ToUInt32(stat, 24);
            if ((mode & 0xF000) != 0x8000)
            {
                return -(long)LinuxError.EACCES; // not a regular file
            }

            long size = BitConverter.ToInt64(stat, 48);
            if (size > 256L << 20)
            {
                return -(long)LinuxError.ENOMEM;
            }

            file = new byte[size];
            r = HostLinux.ReadExactlyAt((int)fd, file, 0);
            return r < 0 ? r : 0;
        }
        finally
        {
            HostLinux.Syscall((long)SyscallNumber.Close, fd);
        }
    }
}
