using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using UserMemory.Linux.Abi;
using UserMemory.Linux.Interop;

namespace UserMemory.Linux.Process;

/// <summary>The runner process's own open host descriptors, as the host lists them in <c>/proc/self/fd</c> (the
/// runner's view of the host, never the guest's synthetic <c>/proc</c>).</summary>
/// <remarks>Read with raw <c>getdents64</c>: .NET's directory enumeration stats every symbolic link it meets to learn
/// whether its target is a directory, and every entry here is one (about 2 % of a subshell fork's CPU, since every
/// new runner lists them at start).</remarks>
internal static class OwnHostDescriptors
{
    private const long AtFdCwd = -100;
    private const int BufferBytes = 4096;
    private const int RecordLengthOffset = 16; // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
    private const int NameOffset = 19;
    private const int MaxDigits = 9; // every descriptor number fits an int
    private const int Decimal = 10;
    private static readonly byte[] DirectoryPath = "/proc/self/fd\0"u8.ToArray();

    /// <summary>The numbers open now (the listing's own directory descriptor included, which carries close-on-exec);
    /// empty when the host has no <c>/proc</c>.</summary>
    /// <returns>The numbers.</returns>
    public static List<int> List()
    {
        var list = new List<int>();
        long dir = HostLinux.Syscall((long)SyscallNumber.Openat, DirectoryPath, 1,
            [AtFdCwd, 0, (long)(OpenFlags.Directory | OpenFlags.CloseOnExec), 0, 0, 0]);
        if (dir < 0)
        {
            return list;
        }

        Span<byte> buffer = stackalloc byte[BufferBytes];
        try
        {
            long read;
            while ((read = HostLinux.Syscall((long)SyscallNumber.Getdents64, buffer, 1, [dir, 0, BufferBytes, 0, 0, 0])) > 0)
            {
                for (int at = 0; at < read;)
                {
                    int length = BinaryPrimitives.ReadUInt16LittleEndian(buffer[(at + RecordLengthOffset)..]);
                    if (length <= NameOffset || at + length > read)
                    {
                        break;
                    }

                    if (TryParseNumber(buffer.Slice(at + NameOffset, length - NameOffset), out int fd))
                    {
                        list.Add(fd);
                    }

                    at += length;
                }
            }
        }
        finally
        {
            HostLinux.Syscall((long)SyscallNumber.Close, dir);
        }

        return list;
    }

    /// <summary>Parses a NUL-terminated decimal name ("." and ".." are not numbers).</summary>
    private static bool TryParseNumber(ReadOnlySpan<byte> name, out int value)
    {
        int end = name.IndexOf((byte)0);
        ReadOnlySpan<byte> digits = end < 0 ? name : name[..end];
        value = 0;
        if (digits.IsEmpty || digits.Length > MaxDigits)
        {
            return false;
        }

        foreach (byte b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }

            value = (value * Decimal) + (b - '0');
        }

        return true;
    }
}
