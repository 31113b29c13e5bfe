using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;
using UserMemory.Tests.Support;
using UserMemory.UnsafeAccess;

namespace UserMemory.Tests.Access;

/// <summary>
/// The scope's owner rules (the thread's claim table: one word per depth, a scope's tag until a variable claims it,
/// then that variable's address) against a plain model, over random sequences of begin, copy, borrow and dispose on
/// four scope variables, including copies of ended scopes, copies into former owners, out-of-order disposal and
/// scopes reopened at the same depth. The model: the first variable to use a scope by reference (a borrow, or
/// <c>Dispose</c>) owns it; only its owner ends it; ending the scope at depth <c>d</c> ends every scope at depth
/// <c>d</c> and deeper for the claim table (their locks stay held until their owners are disposed, which then change
/// nothing else). Checked after every
/// step: which operations throw, the number of shared-side holds, and <see cref="UserAccessContext.Depth"/>.
/// </summary>
public sealed class ScopeClaimsPropertyTests : IDisposable
{
    private const ulong Base = 0x10000;
    private const ulong Page = 4096;
    private const int Variables = 4;
    private const int MaxDepth = 6;

    private readonly TestAddressSpace _inner;

    public ScopeClaimsPropertyTests()
    {
        _inner = new TestAddressSpace(Base, 16 * Page);
        _inner.Map(Base, 4 * Page, MappingFlags.Read | MappingFlags.Write);
    }

    private enum Kind
    {
        Begin,
        Copy,
        Borrow,
        Dispose,
    }

    private sealed record Op(Kind Kind, int Target, int Source)
    {
        public override string ToString() => Kind == Kind.Copy ? $"v{Target} = v{Source}" : $"{Kind}(v{Target})";
    }

    private static readonly Gen<Op> GenOp =
        Gen.Select(
                Gen.Frequency((2, Gen.Const(Kind.Begin)), (2, Gen.Const(Kind.Copy)), (3, Gen.Const(Kind.Borrow)), (3, Gen.Const(Kind.Dispose))),
                Gen.Int[0, Variables - 1],
                Gen.Int[0, Variables - 1])
            .Select(t => new Op(t.Item1, t.Item2, t.Item3));

    public void Dispose() => _inner.Dispose();

    [Fact]
    public void Owners_copies_and_ended_scopes_behave_as_the_model_says() =>
        GenOp.Array[1, 40].Sample(Run, iter: 400, threads: 1, print: ops => string.Join("; ", ops.Select(o => o.ToString())));

    private void Run(Op[] ops)
    {
        var space = new HoldCountingSpace(_inner);
        var model = new Model();
        Vars vars = default;

        // The sequence runs inside a context scope, so that whatever it leaves open, the thread's depth is restored.
        UserAccessContext.Scope outer = UserAccessContext.Enter();
        int baseDepth = UserAccessContext.Depth;
        try
        {
            foreach (Op op in ops)
            {
                Step(ref vars, space, model, op, baseDepth);
            }
        }
        finally
        {
            outer.Dispose();
        }
    }

    private static void Step(ref Vars vars, HoldCountingSpace space, Model model, Op op, int baseDepth)
    {
        ref UserAccess target = ref vars.At(op.Target);
        switch (op.Kind)
        {
            case Kind.Begin:
                if (model.OwnsLive(op.Target) || model.Depth >= MaxDepth)
                {
                    return; // never overwrite a live owner (that scope could no longer be ended); keep depths small
                }

                target = UserAccess.Begin(space);
                model.Begin(op.Target);
                break;
            case Kind.Copy:
                if (op.Source == op.Target || model.OwnsLive(op.Target))
                {
                    return;
                }

                target = vars.At(op.Source);
                model.Copy(op.Source, op.Target);
                break;
            case Kind.Borrow:
            {
                bool expected = model.Borrow(op.Target);
                bool actual = TryBorrow(in target);
                Assert.True(expected == actual, $"borrow through v{op.Target}: model {(expected ? "ok" : "throws")}, scope {(actual ? "ok" : "threw")}");
                break;
            }

            default:
            {
                bool expected = model.Dispose(op.Target);
                bool actual = TryDispose(ref target);
                Assert.True(expected == actual, $"dispose v{op.Target}: model {(expected ? "ok" : "throws")}, scope {(actual ? "ok" : "threw")}");
                break;
            }
        }

        Assert.Equal(model.Holds, space.OpenScopes);
        Assert.Equal(baseDepth + model.Depth, UserAccessContext.Depth);
    }

    private static bool TryBorrow(ref readonly UserAccess access)
    {
        try
        {
            UserRef<long> r = UserPtr<long>.FromAddress(Base).Get(in access);
            Assert.True(r.IsOk);
            r.Value = 1;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryDispose(ref UserAccess access)
    {
        try
        {
            access.Dispose();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The test space with its shared side replaced by a plain count (scopes the model leaves ended but held
    /// would otherwise keep the test space's reader lock held past the test).</summary>
    private sealed class HoldCountingSpace(TestAddressSpace inner) : IUserAddressSpace
    {
        public int OpenScopes { get; private set; }

        public VirtAddrRange UserRange => inner.UserRange;

        public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) => inner.CheckRegionAccess(range, access);

        public LinuxError PopulateArea(VirtAddrRange range) => inner.PopulateArea(range);

        public bool HandlePageFault(VirtAddr address, MappingFlags access) => inner.HandlePageFault(address, access);

        public bool IsPopulated(VirtAddr address) => inner.IsPopulated(address);

        public nuint GetKernelAddress(VirtAddr address) => inner.GetKernelAddress(address);

        public void EnterAccess() => OpenScopes++;

        public void ExitAccess() => OpenScopes--;
    }

    /// <summary>Four scope variables, each with its own stack address.</summary>
    private ref struct Vars
    {
        public UserAccess A;
        public UserAccess B;
        public UserAccess C;
        public UserAccess D;

        [System.Diagnostics.CodeAnalysis.UnscopedRef]
        public ref UserAccess At(int i)
        {
            switch (i)
            {
                case 0: return ref A;
                case 1: return ref B;
                case 2: return ref C;
                default: return ref D;
            }
        }
    }

    /// <summary>The model: scopes by number, and per variable the scope its value names, whether the variable itself
    /// was disposed, and which variable the value records as owner (what a copy carries along).</summary>
    private sealed class Model
    {
        private readonly List<(int Depth, int Owner, bool Ended)> _scopes = [];
        private readonly int[] _value = [-1, -1, -1, -1];
        private readonly bool[] _disposed = new bool[Variables];
        private readonly int[] _home = [-1, -1, -1, -1];

        public int Depth { get; private set; }

        public int Holds { get; private set; }

        public bool OwnsLive(int v) =>
            _value[v] >= 0 && !_disposed[v] && _home[v] == v && _scopes.Exists(s => s.Owner == v && !s.Ended);

        public void Begin(int v)
        {
            _scopes.Add((Depth, -1, false));
            Depth++;
            Holds++;
            _value[v] = _scopes.Count - 1;
            _disposed[v] = false;
            _home[v] = -1;
        }

        public void Copy(int from, int to)
        {
            _value[to] = _value[from];
            _disposed[to] = _disposed[from];
            _home[to] = _home[from];
        }

        public bool Borrow(int v)
        {
            int s = _value[v];
            if (s < 0 || _disposed[v])
            {
                return false;
            }

            if (_home[v] == v)
            {
                return true; // the owner's own variable: one compare, whatever happened around it
            }

            return TryClaim(v, s);
        }

        public bool Dispose(int v)
        {
            int s = _value[v];
            if (s < 0 || _disposed[v])
            {
                return true; // a no-op
            }

            (int depth, int owner, bool ended) = _scopes[s];
            bool unownedAndCurrent = _home[v] == -1 && !ended && owner == -1;
            if (!unownedAndCurrent && _home[v] != v && !TryClaim(v, s))
            {
                return false;
            }

            if (!_scopes[s].Ended)
            {
                Close(depth); // an owner whose scope an out-of-order end already took off the table only lets go
            }

            _disposed[v] = true;
            Holds--;
            return true;
        }

        private bool TryClaim(int v, int s)
        {
            if (_home[v] != -1)
            {
                return false; // the value already names another owner: a copy
            }

            (int depth, int owner, bool ended) = _scopes[s];
            if (ended || (owner != -1 && owner != v))
            {
                return false;
            }

            _scopes[s] = (depth, v, false);
            _home[v] = v;
            return true;
        }

        private void Close(int depth)
        {
            for (int i = 0; i < _scopes.Count; i++)
            {
                if (_scopes[i].Depth >= depth)
                {
                    _scopes[i] = _scopes[i] with { Ended = true };
                }
            }

            Depth = depth;
        }
    }
}
