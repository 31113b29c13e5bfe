using System;

namespace UserMemory.Linux.Loader;

/// <summary>Reads the dynamic linker's path from an image's PT_INTERP segment (a NUL-terminated host path, e.g.
/// <c>/lib64/ld-linux-x86-64.so.2</c>), checked against the file as Linux checks it.</summary>
internal static class InterpreterPath
{
    /// <summary>Linux's limit on the PT_INTERP string (PATH_MAX).</summary>
    public const int MaxLength = 4096;

    /// <summary>Finds and validates the interpreter path.</summary>
    /// <param name="image">The parsed image.</param>
    /// <param name="file">The file it was parsed from.</param>
    /// <param name="path">The path without its NUL, or empty when the image has no PT_INTERP.</param>
    /// <returns>None (also when there is no PT_INTERP); ENOEXEC for a PT_INTERP outside the file, too short, too long,
    /// empty or not NUL-terminated, or for more than one PT_INTERP.</returns>
    public static LinuxError TryRead(ElfImage image, ReadOnlySpan<byte> file, out byte[] path)
    {
        ArgumentNullException.ThrowIfNull(image);
        path = [];
        bool seen = false;
        foreach (ElfSegment s in image.Segments)
        {
            if (s.Type != ElfSegment.Interpreter)
            {
                continue;
            }

            if (seen || s.FileSize < 2 || s.FileSize > MaxLength || s.Offset > (ulong)file.Length
                || s.FileSize > (ulong)file.Length - s.Offset)
            {
                return LinuxError.ENOEXEC;
            }

            ReadOnlySpan<byte> text = file.Slice((int)s.Offset, (int)s.FileSize);
            if (text[^1] != 0)
            {
                return LinuxError.ENOEXEC;
            }

            path = text[..text.IndexOf((byte)0)].ToArray(); // an embedded NUL ends the path, as in Linux
            if (path.Length == 0)
            {
                return LinuxError.ENOEXEC;
            }

            seen = true;
        }

        return LinuxError.None;
    }
}
