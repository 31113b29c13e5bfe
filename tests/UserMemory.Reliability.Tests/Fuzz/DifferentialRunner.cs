using System;
using System.Collections.Concurrent;
using System.Threading;
using UserMemory.Reliability.Tests.Model;

namespace UserMemory.Reliability.Tests.Fuzz;

/// <summary>A difference between the implementation and the model.</summary>
public sealed class FuzzMismatchException : Exception
{
    /// <summary>A mismatch with its description.</summary>
    public FuzzMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Required constructor.</summary>
    public FuzzMismatchException()
    {
    }

    /// <summary>Required constructor.</summary>
    public FuzzMismatchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// Runs a scenario against a real implementation and the model side by side: after every operation the errno, the
/// numbers, the data and (after writes) the whole user memory must be equal, and the access context back at depth 0.
/// </summary>
public static class DifferentialRunner
{
    private static long s_cases;

    /// <summary>Operations compared so far (all threads).</summary>
    public static long Cases => Interlocked.Read(ref s_cases);

    /// <summary>Outcome counts per "kind errno", for the coverage summary.</summary>
    public static ConcurrentDictionary<string, long> Coverage { get; } = new();

    /// <summary>Runs one scenario; throws <see cref="FuzzMismatchException"/> on the first difference.</summary>
    public static void Run(Scenario scenario)
    {
        using FuzzTarget target = FuzzTarget.Create(scenario.Kind, scenario.Layout, out Layout seen);
        ModelSpace model = BuildModel(seen);
        CompareMemory(target, model, "after setup");
        for (int i = 0; i < scenario.Ops.Length; i++)
        {
            Op op = scenario.Ops[i];
            ApplyPlaces(target, model, op);
            if (op.Kind == OpKind.CompareExchange32 && (op.Extra & 1) != 0 && model.IsMapped(op.Address) && model.IsMapped(op.Address + 3))
            {
                op = op with { Address2 = BitConverter.ToUInt32(model.Read(op.Address, 4)) };
            }

            bool[]? populatedBefore = null;
            if (op.Kind is OpKind.CaptureIn or OpKind.CaptureOut)
            {
                populatedBefore = Populated(target, model);
                model.SetPopulated(populatedBefore);
            }

            Outcome actual;
            using (UserAccess access = UserAccess.Begin(target.Space))
            {
                actual = op.Type.Run(in access, op);
            }

            Outcome expected = Oracle.Expect(model, op);
            Interlocked.Increment(ref s_cases);
            Coverage.AddOrUpdate($"{op.Kind} {actual.Error.Name()}", 1, (_, n) => n + 1);
            if (!actual.Equals(expected))
            {
                throw new FuzzMismatchException($"op #{i} {op}\n  actual   {actual}\n  expected {expected}");
            }

            if (populatedBefore is not null && !Populated(target, model).AsSpan().SequenceEqual(populatedBefore))
            {
                throw new FuzzMismatchException($"op #{i} {op}: a fault-capturing copy changed which pages are populated");
            }

            if (UserAccessContext.Depth != 0)
            {
                throw new FuzzMismatchException($"op #{i} {op}: access context depth {UserAccessContext.Depth} after the scope ended");
            }

            CompareMemory(target, model, $"after op #{i} {op}");
        }
    }

    private static bool[] Populated(FuzzTarget target, ModelSpace model)
    {
        bool[] pages = new bool[(model.End - model.Start) / Pages.Size4K];
        for (int p = 0; p < pages.Length; p++)
        {
            pages[p] = target.IsPopulated(model.Start + ((ulong)p * Pages.Size4K));
        }

        return pages;
    }

    private static ModelSpace BuildModel(Layout seen)
    {
        var model = new ModelSpace(seen.UserStart, seen.UserEnd - seen.UserStart);
        foreach (AreaSpec area in seen.Areas)
        {
            model.Map(area.Start, area.Size, area.Flags);
            if (area.Filled)
            {
                model.Write(area.Start, seen.ContentsOf(area));
            }
        }

        return model;
    }

    /// <summary>Setup writes land on mapped bytes only, in both worlds.</summary>
    private static void ApplyPlaces(FuzzTarget target, ModelSpace model, Op op)
    {
        foreach (Placement place in op.Places)
        {
            int i = 0;
            while (i < place.Bytes.Length)
            {
                ulong at = place.Address + (ulong)i;
                if (at < place.Address || !model.IsMapped(at))
                {
                    i++;
                    continue;
                }

                int run = 1;
                while (i + run < place.Bytes.Length && place.Address + (ulong)(i + run) > place.Address && model.IsMapped(place.Address + (ulong)(i + run)))
                {
                    run++;
                }

                ReadOnlySpan<byte> bytes = place.Bytes.AsSpan(i, run);
                target.Poke(at, bytes);
                model.Write(at, bytes);
                i += run;
            }
        }
    }

    /// <summary>Every populated page equals the model; every unpopulated page is zero in the model (it will read as
    /// zero when populated); no unmapped page is populated.</summary>
    private static void CompareMemory(FuzzTarget target, ModelSpace model, string when)
    {
        Span<byte> page = stackalloc byte[(int)Pages.Size4K];
        ReadOnlySpan<byte> values = model.Values;
        for (ulong p = model.Start; p < model.End; p += Pages.Size4K)
        {
            ReadOnlySpan<byte> expected = values.Slice((int)(p - model.Start), (int)Pages.Size4K);
            if (!target.IsPopulated(p))
            {
                if (expected.ContainsAnyExcept((byte)0))
                {
                    throw new FuzzMismatchException($"{when}: page 0x{p:x} is not populated but the model holds data there");
                }

                continue;
            }

            if (!model.IsMapped(p))
            {
                throw new FuzzMismatchException($"{when}: unmapped page 0x{p:x} is populated");
            }

            target.PeekPage(p, page);
            if (!page.SequenceEqual(expected))
            {
                int at = 0;
                while (page[at] == expected[at])
                {
                    at++;
                }

                throw new FuzzMismatchException($"{when}: memory differs at 0x{p + (ulong)at:x}: actual {page[at]:x2}, expected {expected[at]:x2}");
            }
        }
    }
}
