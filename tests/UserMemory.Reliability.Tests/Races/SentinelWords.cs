using System;

namespace UserMemory.Reliability.Tests.Races;

/// <summary>
/// The sentinel pattern of the race tests: every 8-byte word of a mapping generation holds that generation, tagged as
/// written by the mapper (<see cref="PatternTag"/>) or by a kernel-side writer that saw that generation
/// (<see cref="MarkTag"/>). A lazily mapped generation may also hold zero words (not yet filled).
/// </summary>
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

    /// <summary>The generation of a non-zero word, or null when the word is not a sentinel at all.</summary>
    public static ulong? GenerationOf(ulong word)
    {
        ulong tag = word & ~GenerationMask;
        return tag is PatternTag or MarkTag ? word & GenerationMask : null;
    }

    /// <summary>
    /// Checks that <paramref name="words"/> (read inside one access scope) come from one generation: every non-zero
    /// word is a sentinel of the same generation, and zero words appear only in lazy generations.
    /// </summary>
    /// <returns>The generation (0 when all words are zero), or an error text.</returns>
    public static (ulong Generation, string? Error) Check(ReadOnlySpan<ulong> words, Func<ulong, bool> isLazy)
    {
        ulong generation = 0;
        bool sawZero = false;
        foreach (ulong word in words)
        {
            if (word == 0)
            {
                sawZero = true;
                continue;
            }

            ulong? g = GenerationOf(word);
            if (g is null)
            {
                return (0, $"word 0x{word:x16} is no sentinel");
            }

            if (generation == 0)
            {
                generation = g.Value;
            }
            else if (g.Value != generation)
            {
                return (0, $"generations {generation} and {g.Value} mixed in one scope");
            }
        }

        if (sawZero && generation != 0 && !isLazy(generation))
        {
            return (0, $"zero words in eager generation {generation}");
        }

        return (generation, null);
    }
}
