using System;

namespace UserMemory.Reliability.Tests.Races;

/// <summary>
/// The sentinel pattern of the race tests: every 8-byte word of a mapping generation holds that generation, tagged as
/// written by the mapper (<see cref="PatternTag"/>) or by a kernel-side writer that saw that generation
/// (<see cref="MarkTag"/>). A lazily mapped generation may also hold zero words (not yet filled).
/// </summary>
/// <remarks>
/// Kernel-side writers of one generation legitimately race with each other and with readers (they share the access
/// scope's shared side), and a memmove is not word-atomic, so a reader may see a word torn between two such writes:
/// each byte from zero, the pattern or the mark of the same generation. That is allowed; a byte from any other
/// generation, or a non-sentinel word, is not. A write meant for a replaced mapping carries its old generation's
/// bytes and is caught.
/// </remarks>
public static class SentinelWords
{
    /// <summary>Tag of words the mapper wrote.</summary>
    public const ulong PatternTag = 0xA5UL << 56;

    /// <summary>Tag of words a racing writer wrote.</summary>
    public const ulong MarkTag = 0x5AUL << 56;

    private const ulong GenerationMask = (1UL << 56) - 1;

    /// <summary>The mapper's word for <paramref name="generation"/>.</summary>
    public static ulong Pattern(ulong generation) => PatternTag | generation;

    /// <summary>A writer's word for <paramref name="generation"/>.</summary>
    public static ulong Mark(ulong generation) => MarkTag | generation;

    /// <summary>The generation of a whole sentinel word, or null when the word is not one.</summary>
    public static ulong? GenerationOf(ulong word)
    {
        ulong tag = word & ~GenerationMask;
        return tag is PatternTag or MarkTag ? word & GenerationMask : null;
    }

    /// <summary>True when every byte of <paramref name="word"/> is the same byte of zero, the pattern or the mark of
    /// <paramref name="generation"/> (zero bytes only when <paramref name="zeroAllowed"/>).</summary>
    public static bool IsOf(ulong word, ulong generation, bool zeroAllowed)
    {
        ulong pattern = Pattern(generation);
        ulong mark = Mark(generation);
        for (int shift = 0; shift < 64; shift += 8)
        {
            ulong b = (word >> shift) & 0xFF;
            bool fromWrite = b == ((pattern >> shift) & 0xFF) || b == ((mark >> shift) & 0xFF);
            if (!fromWrite && !(zeroAllowed && b == 0))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Checks that <paramref name="words"/> (read inside one access scope) come from one generation: whole sentinel
    /// words all name the same generation, and every word is made of that generation's bytes (zero bytes only in lazy
    /// generations, or when no generation is visible at all).
    /// </summary>
    /// <returns>The generation (0 when none is visible), or an error text.</returns>
    public static (ulong Generation, string? Error) Check(ReadOnlySpan<ulong> words, Func<ulong, bool> isLazy)
    {
        // A word torn against zero can look like a whole sentinel of a smaller "generation"; so every generation named
        // by some word is a candidate, and the words must all be made of one candidate's bytes.
        var candidates = new System.Collections.Generic.HashSet<ulong>();
        foreach (ulong word in words)
        {
            if (GenerationOf(word) is ulong g)
            {
                candidates.Add(g);
            }
        }

        if (candidates.Count == 0)
        {
            int nonZero = words.IndexOfAnyExcept(0UL);
            return nonZero < 0 ? (0UL, null) : (0UL, $"word {nonZero} of {words.Length}, 0x{words[nonZero]:x16}, is no sentinel");
        }

        string? firstError = null;
        foreach (ulong generation in candidates)
        {
            bool lazy = isLazy(generation);
            int bad = -1;
            for (int i = 0; i < words.Length && bad < 0; i++)
            {
                if (!IsOf(words[i], generation, lazy))
                {
                    bad = i;
                }
            }

            if (bad < 0)
            {
                return (generation, null);
            }

            firstError ??= $"word {bad} of {words.Length}, 0x{words[bad]:x16}, is not made of generation {generation}'s bytes ({(lazy ? "lazy" : "eager")}); generations seen: {string.Join(", ", candidates)}";
        }

        return (0UL, firstError);
    }
}
