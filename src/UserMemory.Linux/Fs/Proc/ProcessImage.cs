using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using UserMemory.Linux.Loader;

namespace UserMemory.Linux.Fs.Proc;

/// <summary>
/// What <c>execve</c> recorded about the running program, as Linux keeps it in <c>mm_struct</c>: where argv and the
/// environment strings lie in guest memory (<c>/proc/PID/cmdline</c> and <c>environ</c> read those ranges of guest
/// memory, so a guest that rewrites its argv sees the change), the auxiliary vector (<c>auxv</c>) and the ranges of
/// guest memory backed by the executable file (named in <c>maps</c>).
/// </summary>
/// <param name="ArgStart">The first byte of argv[0].</param>
/// <param name="ArgEnd">One past the last argv string's NUL.</param>
/// <param name="EnvStart">The first byte of envp[0].</param>
/// <param name="EnvEnd">One past the last environment string's NUL.</param>
/// <param name="AuxiliaryVector">The auxv pairs, without the terminating AT_NULL.</param>
/// <param name="FileRanges">The page-aligned guest ranges mapped from the executable, with their file offsets.</param>
public sealed record ProcessImage(
    ulong ArgStart,
    ulong ArgEnd,
    ulong EnvStart,
    ulong EnvEnd,
    IReadOnlyList<KeyValuePair<ulong, ulong>> AuxiliaryVector,
    IReadOnlyList<ImageFileRange> FileRanges)
{
    private const char Separator = ';';
    private const char ItemSeparator = ',';
    private const char PairSeparator = ':';

    /// <summary>An image with nothing recorded (a process whose hand-off did not carry it).</summary>
    public static ProcessImage Empty { get; } = new(0, 0, 0, 0, [], []);

    /// <summary>Computes the image of a freshly loaded program from its initial stack and ELF segments.</summary>
    /// <param name="stack">The initial stack the loader wrote.</param>
    /// <param name="segments">The executable's segments.</param>
    /// <param name="bias">The load bias.</param>
    /// <returns>The image.</returns>
    public static ProcessImage FromLoad(InitialStack stack, IReadOnlyList<ElfSegment> segments, ulong bias)
    {
        ArgumentNullException.ThrowIfNull(stack);
        ArgumentNullException.ThrowIfNull(segments);
        (ulong argStart, ulong argEnd, ulong envStart, ulong envEnd) = StringRanges(stack);
        var aux = new List<KeyValuePair<ulong, ulong>>();
        foreach (KeyValuePair<AuxvType, ulong> p in stack.AuxiliaryVector)
        {
            aux.Add(new((ulong)p.Key, p.Value));
        }

        var ranges = new List<ImageFileRange>();
        foreach (ElfSegment s in segments)
        {
            if (s.Type != ElfSegment.Load || s.FileSize == 0)
            {
                continue;
            }

            ulong start = Pages.AlignDown4K(bias + s.VirtualAddress);
            ulong end = Pages.AlignDown4K(bias + s.VirtualAddress + s.FileSize + Pages.OffsetMask4K);
            ranges.Add(new ImageFileRange(start, end, Pages.AlignDown4K(s.Offset)));
        }

        return new ProcessImage(argStart, argEnd, envStart, envEnd, aux, ranges);
    }

    /// <summary>The image as one line of text (for the fork hand-off).</summary>
    /// <returns>The text.</returns>
    public string Serialize()
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{ArgStart:x}{ItemSeparator}{ArgEnd:x}{ItemSeparator}{EnvStart:x}{ItemSeparator}{EnvEnd:x}{Separator}");
        AppendPairs(sb, AuxiliaryVector);
        sb.Append(Separator);
        for (int i = 0; i < FileRanges.Count; i++)
        {
            ImageFileRange r = FileRanges[i];
            sb.Append(i == 0 ? string.Empty : ItemSeparator.ToString())
              .Append(CultureInfo.InvariantCulture, $"{r.Start:x}{PairSeparator}{r.End:x}{PairSeparator}{r.FileOffset:x}");
        }

        return sb.ToString();
    }

    /// <summary>Parses <see cref="Serialize"/>'s text; never throws.</summary>
    /// <param name="text">The text.</param>
    /// <param name="image">The image.</param>
    /// <returns>False when the text is malformed.</returns>
    public static bool TryParse(string? text, out ProcessImage image)
    {
        image = Empty;
        if (text is null)
        {
            return false;
        }

        string[] parts = text.Split(Separator);
        if (parts.Length != 3)
        {
            return false;
        }

        string[] strings = parts[0].Split(ItemSeparator);
        ulong[] s = new ulong[4];
        if (strings.Length != 4)
        {
            return false;
        }

        for (int i = 0; i < 4; i++)
        {
            if (!ulong.TryParse(strings[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out s[i]))
            {
                return false;
            }
        }

        var aux = new List<KeyValuePair<ulong, ulong>>();
        var ranges = new List<ImageFileRange>();
        if (!ParseTuples(parts[1], 2, t => aux.Add(new(t[0], t[1]))) || !ParseTuples(parts[2], 3, t => ranges.Add(new ImageFileRange(t[0], t[1], t[2]))))
        {
            return false;
        }

        image = new ProcessImage(s[0], s[1], s[2], s[3], aux, ranges);
        return true;
    }

    private static void AppendPairs(StringBuilder sb, IReadOnlyList<KeyValuePair<ulong, ulong>> pairs)
    {
        for (int i = 0; i < pairs.Count; i++)
        {
            sb.Append(i == 0 ? string.Empty : ItemSeparator.ToString())
              .Append(CultureInfo.InvariantCulture, $"{pairs[i].Key:x}{PairSeparator}{pairs[i].Value:x}");
        }
    }

    private static bool ParseTuples(string text, int width, Action<ulong[]> add)
    {
        if (text.Length == 0)
        {
            return true;
        }

        foreach (string item in text.Split(ItemSeparator))
        {
            string[] fields = item.Split(PairSeparator);
            if (fields.Length != width)
            {
                return false;
            }

            ulong[] values = new ulong[width];
            for (int i = 0; i < width; i++)
            {
                if (!ulong.TryParse(fields[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out values[i]))
                {
                    return false;
                }
            }

            add(values);
        }

        return true;
    }

    /// <summary>Finds argv's and envp's strings in the stack image: they are the NUL-terminated strings the pointer
    /// arrays after argc point at.</summary>
    private static (ulong ArgStart, ulong ArgEnd, ulong EnvStart, ulong EnvEnd) StringRanges(InitialStack stack)
    {
        byte[] image = stack.Image;
        ulong baseAddress = stack.StackPointer;
        ulong Word(int index) => index * 8 + 8 <= image.Length ? BitConverter.ToUInt64(image, index * 8) : 0;
        ulong StringEnd(ulong address)
        {
            long offset = (long)(address - baseAddress);
            if (offset < 0 || offset >= image.Length)
            {
                return address;
            }

            int nul = Array.IndexOf(image, (byte)0, (int)offset);
            return nul < 0 ? address : baseAddress + (ulong)nul + 1;
        }

        ulong argc = Word(0);
        if (argc > (ulong)image.Length / 8)
        {
            return (0, 0, 0, 0);
        }

        int at = 1;
        ulong argStart = 0, argEnd = 0;
        for (ulong i = 0; i < argc; i++, at++)
        {
            ulong p = Word(at);
            argStart = i == 0 ? p : argStart;
            argEnd = StringEnd(p);
        }

        at++; // argv's NULL
        ulong envStart = 0, envEnd = 0;
        for (bool first = true; Word(at) != 0; at++, first = false)
        {
            ulong p = Word(at);
            envStart = first ? p : envStart;
            envEnd = StringEnd(p);
        }

        if (envStart == 0)
        {
            envStart = envEnd = argEnd;
        }

        return (argStart, argEnd, envStart, envEnd);
    }
}
