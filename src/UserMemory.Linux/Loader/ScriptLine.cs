using System;
using UserMemory.Linux.Abi;

namespace UserMemory.Linux.Loader;

/// <summary>
/// The <c>#!</c> line of a script, parsed as Linux's <c>binfmt_script</c> does. Only the first
/// <see cref="BufferSize"/> bytes count, NUL-padded when the file is shorter. The line ends at the first newline in
/// them; without one, the interpreter name must end (space, tab or NUL) inside them, or the path could be truncated
/// and the answer is ENOEXEC. Trailing spaces and tabs are dropped, the name is the first word, and the optional
/// argument is the rest after the spaces and tabs that follow it; both are C strings (a NUL ends them).
/// </summary>
internal static class ScriptLine
{
    /// <summary><c>BINPRM_BUF_SIZE</c>: the bytes of the file the kernel looks at.</summary>
    internal const int BufferSize = 256;

    private const int LineStart = 2;

    /// <summary>Parses the line of <paramref name="file"/> (which starts with <c>#!</c>).</summary>
    /// <param name="file">The file's bytes (at least its first <see cref="BufferSize"/>).</param>
    /// <param name="interpreter">The interpreter path.</param>
    /// <param name="optional">The optional argument, or null.</param>
    /// <returns>0, or <c>-ENOEXEC</c> when there is no interpreter name or it may be truncated, or <c>-EACCES</c> when
    /// the name is empty (it starts with a NUL).</returns>
    internal static long Parse(ReadOnlySpan<byte> file, out byte[] interpreter, out byte[]? optional)
    {
        interpreter = [];
        optional = null;
        Span<byte> buffer = stackalloc byte[BufferSize];
        buffer.Clear();
        file[..Math.Min(file.Length, BufferSize)].CopyTo(buffer);
        int last = BufferSize - 1;
        int end = buffer.IndexOf((byte)'\n');
        if (end < 0)
        {
            int first = NextNonSpaceTab(buffer, LineStart, last + 1);
            if (first < 0 || NextTerminator(buffer, first, last + 1) < 0)
            {
                return -(long)LinuxError.ENOEXEC; // only spaces, or a name that may go on past the buffer
            }

            end = last;
        }

        while (end > LineStart && IsSpaceTab(buffer[end - 1]))
        {
            end--;
        }

        int name = NextNonSpaceTab(buffer, LineStart, end);
        if (name < 0)
        {
            return -(long)LinuxError.ENOEXEC; // no interpreter name
        }

        int separator = NextTerminator(buffer, name, end);
        interpreter = buffer[name..(separator < 0 ? end : separator)].ToArray();
        if (interpreter.Length == 0)
        {
            return -(long)LinuxError.EACCES; // a name that starts with NUL ("#!" alone in a short file): Linux's answer
        }

        if (separator >= 0 && buffer[separator] != 0)
        {
            int argument = NextNonSpaceTab(buffer, separator, end);
            if (argument >= 0)
            {
                ReadOnlySpan<byte> rest = buffer[argument..end];
                int nul = rest.IndexOf((byte)0);
                optional = (nul < 0 ? rest : rest[..nul]).ToArray();
            }
        }

        return 0;
    }

    private static bool IsSpaceTab(byte b) => b is (byte)' ' or (byte)'\t';

    /// <summary>The first index in <c>[from, to)</c> that is not a space or tab, or -1.</summary>
    private static int NextNonSpaceTab(ReadOnlySpan<byte> buffer, int from, int to) =>
        Offset(from, buffer[from..to].IndexOfAnyExcept((byte)' ', (byte)'\t'));

    /// <summary>The first index in <c>[from, to)</c> holding a space, tab or NUL, or -1.</summary>
    private static int NextTerminator(ReadOnlySpan<byte> buffer, int from, int to) =>
        Offset(from, buffer[from..to].IndexOfAny((byte)' ', (byte)'\t', (byte)0));

    private static int Offset(int from, int found) => found < 0 ? -1 : from + found;
}
