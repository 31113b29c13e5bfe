using System;
using System.Threading;

namespace UserMemory.Reliability.Tests.Races;

/// <summary>What a worker thread does against a <see cref="ChurnWorld"/>: random borrows, copies, writes and scans
/// over random ranges of random slots (sometimes running into the unmapped page between slots), each in its own
/// access scope, checking that everything seen inside one scope belongs to one mapping generation.</summary>
public static class ChurnWorker
{
    private const int SlotWords = ChurnWorld.SlotPages * ChurnWorld.PageWords;

    /// <summary>One random operation.</summary>
    public static void Step(ChurnWorld world, Random random)
    {
        int slot = random.Next(ChurnWorld.Slots);
        int firstWord = random.Next(SlotWords);
        int words = 1 + random.Next(SlotWords + ChurnWorld.PageWords - firstWord); // may run into the gap page
        ulong address = ChurnWorld.SlotStart(slot) + ((ulong)firstWord * 8);
        using UserAccess access = UserAccess.Begin(world.Scoped);
        switch (random.Next(7))
        {
            case 0:
            {
                // Borrow for reading; the view must not change generation while the scope is open.
                UserReadOnlySpan<ulong> span = ((UserConstPtr<ulong>)address).GetAsSlice(in access, (ulong)words);
                if (span.TryGetValue(out ReadOnlySpan<ulong> view))
                {
                    ulong g = Check(world, view, "borrowed span");
                    Thread.SpinWait(random.Next(200));
                    if (g != 0 && Check(world, view, "borrowed span, second look") is var again && again != 0 && again != g)
                    {
                        world.Fail($"borrowed span changed generation {g} -> {again} inside one scope");
                    }
                }

                break;
            }

            case 1:
            {
                // Borrow for writing: mark the words with the generation seen in this scope.
                UserSpan<ulong> span = ((UserPtr<ulong>)address).GetAsSlice(in access, (ulong)words);
                if (span.TryGetValue(out Span<ulong> view))
                {
                    ulong g = Check(world, view, "mutable span");
                    if (g != 0)
                    {
                        view.Fill(SentinelWords.Mark(g));
                    }
                }

                break;
            }

            case 2:
            {
                ulong[] copy = new ulong[words];
                CopyResult r = UserCopy.CopyIn(in access, (UserConstPtr<ulong>)address, copy.AsSpan());
                Check(world, copy.AsSpan(0, (int)(r.BytesDone / 8)), $"copied in ({r})");
                break;
            }

            case 3:
            {
                // Copy out marks of the generation read first, in the same scope.
                UserResult<ulong> first = UserCopy.ReadValue(in access, (UserConstPtr<ulong>)address);
                if (first.TryGetValue(out ulong word) && SentinelWords.GenerationOf(word) is ulong g)
                {
                    ulong[] marks = new ulong[words];
                    Array.Fill(marks, SentinelWords.Mark(g));
                    _ = UserCopy.CopyOut(in access, (UserPtr<ulong>)address, (ReadOnlySpan<ulong>)marks);
                }

                break;
            }

            case 4:
            {
                // Scans: sentinel words are never zero, so an eager slot scan ends at the bound or at the gap.
                UserReadOnlySpan<ulong> found = ((UserConstPtr<ulong>)address).GetAsNullTerminated(in access, (ulong)words * 8);
                if (found.TryGetValue(out ReadOnlySpan<ulong> view))
                {
                    Check(world, view, "scanned span");
                }

                StrnlenResult n = UserCopy.StrnlenUser(in access, (UserConstPtr<byte>)address, (ulong)words * 8);
                if (n.IsOk && n.Length > (ulong)words * 8)
                {
                    world.Fail($"strnlen went past its limit: {n}");
                }

                break;
            }

            case 5:
            {
                UserRef<ulong> one = ((UserPtr<ulong>)address).Get(in access);
                if (one.IsOk && SentinelWords.GenerationOf(one.Value) is ulong g)
                {
                    one.Value = SentinelWords.Mark(g);
                }

                break;
            }

            default:
            {
                // A scope nested in this one (the shared side must be re-entrant while the mapper waits).
                using UserAccess inner = UserAccess.Begin(world.Scoped);
                UserResult<ulong> value = UserCopy.ReadValue(in inner, (UserConstPtr<ulong>)address);
                if (value.TryGetValue(out ulong w) && w != 0 && SentinelWords.GenerationOf(w) is null)
                {
                    world.Fail($"nested read saw 0x{w:x16}");
                }

                break;
            }
        }
    }

    private static ulong Check(ChurnWorld world, ReadOnlySpan<ulong> words, string what)
    {
        // Snapshot first: a borrowed span is live memory that other kernel writers of this generation may be filling.
        (ulong g, string? error) = SentinelWords.Check(words.ToArray(), world.IsLazy);
        if (error is not null)
        {
            world.Fail($"{what}: {error}");
        }

        return g;
    }
}
