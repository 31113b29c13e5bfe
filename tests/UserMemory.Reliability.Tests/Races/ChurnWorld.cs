using System;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Threading;
using UserMemory.AddressSpace;

namespace UserMemory.Reliability.Tests.Races;

/// <summary>
/// An address space whose slots (two pages each, separated by a never-mapped page) are mapped, unmapped, protected
/// and remapped by one mapper thread while workers borrow, copy and scan them. Every mapping generation is filled
/// with its own sentinel words (<see cref="SentinelWords"/>); failures are collected, never thrown across threads.
/// </summary>
public sealed class ChurnWorld : IDisposable
{
    /// <summary>First slot address.</summary>
    public const ulong Base = 0x100000;

    /// <summary>Number of slots.</summary>
    public const int Slots = 6;

    /// <summary>Pages per slot.</summary>
    public const int SlotPages = 2;

    /// <summary>Words per page.</summary>
    public const int PageWords = (int)(Pages.Size4K / 8);

    private const ulong Stride = (SlotPages + 1) * Pages.Size4K;
    private readonly ulong[] _pageGeneration = new ulong[Slots * SlotPages]; // mapper's view; 0 = unmapped
    private readonly ConcurrentDictionary<ulong, bool> _lazy = new();
    private ulong _generations;

    /// <summary>Creates the space with every slot unmapped.</summary>
    public ChurnWorld(AddrSpaceOptions? options = null, bool brokenScopes = false)
    {
        Space = AddrSpace.Create(Base, Stride * (Slots + 1), options);
        Scoped = brokenScopes ? new Support.NoExclusionAddressSpace(Space) : Space;
    }

    /// <summary>The address space.</summary>
    public AddrSpace Space { get; }

    /// <summary>What workers open their scopes on: <see cref="Space"/>, or a wrapper whose scopes exclude nothing.</summary>
    public IUserAddressSpace Scoped { get; }

    /// <summary>Failures seen by any thread.</summary>
    public ConcurrentQueue<string> Failures { get; } = new();

    /// <summary>Mappings created so far.</summary>
    public ulong Generations => Interlocked.Read(ref _generations);

    /// <summary>Start of slot <paramref name="slot"/>.</summary>
    public static ulong SlotStart(int slot) => Base + ((ulong)slot * Stride);

    /// <summary>True when <paramref name="generation"/> was mapped lazily (its pages may hold zero words).</summary>
    public bool IsLazy(ulong generation) => _lazy.TryGetValue(generation, out bool lazy) && lazy;

    /// <summary>Records a failure.</summary>
    public void Fail(string what) => Failures.Enqueue($"[thread {Environment.CurrentManagedThreadId}] {what}");

    /// <summary>One random mapper step: verify the slot's current contents, then unmap, remap, protect or unmap half.</summary>
    public void MapperStep(Random random)
    {
        int slot = random.Next(Slots);
        ulong start = SlotStart(slot);
        VerifySlot(slot, "before change");
        switch (random.Next(5))
        {
            case 0:
                Expect(Space.Unmap(start, SlotPages * Pages.Size4K), "unmap");
                SetSlot(slot, 0);
                break;
            case 1:
            case 2:
            {
                Expect(Space.Unmap(start, SlotPages * Pages.Size4K), "unmap before remap");
                SetSlot(slot, 0);
                ulong g = Interlocked.Increment(ref _generations);
                bool lazy = random.Next(2) == 0;
                _lazy[g] = lazy;
                ulong[] words = new ulong[SlotPages * PageWords];
                Array.Fill(words, SentinelWords.Pattern(g));
                if (lazy)
                {
                    Expect(Space.MapAlloc(start, SlotPages * Pages.Size4K, MappingFlags.Read | MappingFlags.Write, populate: false), "map lazy");
                    SetSlot(slot, g);

                    // Filled from kernel code while workers already race on the lazy pages.
                    using UserAccess access = UserAccess.Begin(Space);
                    CopyResult r = UserCopy.CopyOut(in access, (UserPtr<ulong>)start, (ReadOnlySpan<ulong>)words);
                    if (!r.IsOk)
                    {
                        Fail($"filling lazy generation {g}: {r}");
                    }
                }
                else
                {
                    Expect(Space.MapLinear(start, SlotPages * Pages.Size4K, MappingFlags.Read | MappingFlags.Write, MemoryMarshal.AsBytes(words.AsSpan())), "map eager");
                    SetSlot(slot, g);
                }

                break;
            }

            case 3:
                Expect(Space.Protect(start, SlotPages * Pages.Size4K, random.Next(2) == 0 ? MappingFlags.Read : MappingFlags.Read | MappingFlags.Write), "protect");
                break;
            default:
                Expect(Space.Unmap(start + Pages.Size4K, Pages.Size4K), "unmap second page");
                _pageGeneration[(slot * SlotPages) + 1] = 0;
                break;
        }
    }

    /// <summary>Checks every mapped page of <paramref name="slot"/> holds only its own generation's words (so no write
    /// meant for an earlier mapping landed in it). Called by the mapper thread only.</summary>
    public void VerifySlot(int slot, string when)
    {
        using UserAccess access = UserAccess.Begin(Space);
        for (int p = 0; p < SlotPages; p++)
        {
            ulong g = _pageGeneration[(slot * SlotPages) + p];
            ulong address = SlotStart(slot) + ((ulong)p * Pages.Size4K);
            UserReadOnlySpan<ulong> span = ((UserConstPtr<ulong>)address).GetAsSlice(in access, PageWords);
            if (g == 0)
            {
                if (span.IsOk)
                {
                    Fail($"{when}: unmapped page 0x{address:x} is readable");
                }

                continue;
            }

            if (!span.TryGetValue(out ReadOnlySpan<ulong> words))
            {
                Fail($"{when}: mapped page 0x{address:x} (generation {g}) not readable: {span.Error}");
                continue;
            }

            foreach (ulong word in words)
            {
                if (!SentinelWords.IsOf(word, g, IsLazy(g)))
                {
                    Fail($"{when}: page 0x{address:x} of generation {g} holds 0x{word:x16}");
                    break;
                }
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => Space.Dispose();

    private void SetSlot(int slot, ulong generation)
    {
        for (int p = 0; p < SlotPages; p++)
        {
            _pageGeneration[(slot * SlotPages) + p] = generation;
        }
    }

    private void Expect(LinuxError e, string what)
    {
        if (e != LinuxError.None)
        {
            Fail($"{what}: {e}");
        }
    }
}
