using System.Runtime.CompilerServices;
using UserMemory.UnsafeAccess;

namespace UserMemory;

/// <summary>
/// An access scope on one address space: the lifetime every borrowed reference and span is tied to.
/// </summary>
/// <remarks>
/// <para>Opening it enters the address space's shared side (<see cref="IUserAddressSpace.EnterAccess"/>, or its
/// <see cref="IUserAddressSpace.ScopeLock"/> directly), so no
/// mapping can be removed or re-protected until it is disposed, and it enters <see cref="UserAccessContext"/>.
/// Borrowing members take it as <c>ref readonly UserAccess</c> (callers write <c>in access</c>); the C# compiler then
/// refuses to let the returned <see cref="UserRef{T}"/> or <see cref="UserSpan{T}"/> escape the method that declared
/// the scope, and warns when a temporary scope (one nobody disposes) is passed. Declare it with
/// <c>using var</c> so that it ends with that method, also on exceptions:</para>
/// <code>
/// using var access = UserAccess.Begin(provider);
/// UserRef&lt;int&gt; r = ptr.Get(in access);
/// if (!r.IsOk) return r.Error;
/// r.Value = 42;
/// </code>
/// <para><b>One owner.</b> The variable that first uses the scope by reference (a borrow, or
/// <see cref="Dispose"/>) owns it. A copy of the struct (<c>var b = access;</c>, passing it by value) is not a second
/// scope: borrowing through a copy, or disposing a copy, throws <see cref="System.InvalidOperationException"/> (a
/// programming error) and leaves the owner's protection in place. The <c>UserMemory.Analyzers</c> analyzer flags such
/// copies at compile time (UM0001).</para>
/// <para><b>Ended scopes.</b> After <see cref="Dispose"/>, borrowing through the scope throws, and so does reading
/// <c>Value</c> of a <see cref="UserRef{T}"/>, <see cref="UserSpan{T}"/> (or their read-only forms) obtained from it. A
/// plain <see cref="System.Span{T}"/> taken out of a borrow earlier cannot be checked at run time; the analyzer flags
/// its use after an explicit <c>Dispose()</c> (UM0002).</para>
/// <para>Keep scopes short: unmap and protect on the same address space wait for them.</para>
/// </remarks>
public ref struct UserAccess
{
    private IUserAddressSpace? _space;
    private readonly AccessScopeLock? _lock;
    private readonly ScopeClaims? _claims;
    private readonly int _savedDepth;
    private readonly ulong _tag; // the scope's tag in its thread's record (see ScopeClaims)
    private nint _home;

    // The cached window (see Prepare), as four plain fields rather than one ValidatedWindow: the JIT then builds a new
    // scope field by field in place, instead of zeroing a 32-byte struct in a temporary and block-copying the scope
    // (a wide load over a narrower, just-made store that the CPU cannot forward: a stall on every scope entry).
    // _windowFlags == None (the initial state) matches nothing.
    private ulong _windowFirst;
    private ulong _windowLast;
    private nuint _windowDelta;
    private MappingFlags _windowFlags;

    private UserAccess(IUserAddressSpace space)
    {
        // One thread-static load for the whole scope: the thread's record serves the lock's shared side, the context
        // depth and the owner table, at entry and again at exit (a scope never leaves its thread: it is a ref struct).
        ScopeClaims claims = ScopeClaims.Current;
        AccessScopeLock? scopeLock = space.ScopeLock;

        if (scopeLock is not null)
        {
            scopeLock.EnterRead(claims);
        }
        else
        {
            space.EnterAccess();
        }

        Unsafe.SkipInit(out this); // _windowFlags == None leaves the other three window fields unread until PrepareMiss
        _space = space;
        _lock = scopeLock;
        _claims = claims;
        _savedDepth = claims.Open(out _tag);
        _home = 0;
        _windowFlags = MappingFlags.None;
    }

    /// <summary>Opens a scope on <paramref name="space"/>.</summary>
    /// <param name="space">The address space.</param>
    /// <returns>The scope; dispose it.</returns>
    public static UserAccess Begin(IUserAddressSpace space) =>
        new(space ?? throw new System.ArgumentNullException(nameof(space)));

    /// <summary>Opens a scope on the address space <paramref name="provider"/> gives now.</summary>
    /// <param name="provider">The provider.</param>
    /// <returns>The scope; dispose it.</returns>
    public static UserAccess Begin(IAddrSpaceProvider provider) =>
        new((provider ?? throw new System.ArgumentNullException(nameof(provider))).AddressSpace);

    /// <summary>The address space this scope is open on; throws once disposed.</summary>
    public readonly IUserAddressSpace AddressSpace => _space ?? ThrowDisposed();

    /// <summary>True until <see cref="Dispose"/>.</summary>
    public readonly bool IsActive => _space is not null;

    /// <summary>Ends the scope: leaves the access context and the address space's shared side. Idempotent on the
    /// variable that owns the scope.</summary>
    /// <exception cref="System.InvalidOperationException">Called on a copy of the scope (the scope stays open, and
    /// the owner must still dispose it), or on a copy after the owner ended it.</exception>
    /// <remarks>A <c>readonly</c> member, so that an explicit call on a <c>using</c> variable acts on the variable
    /// itself rather than on a defensive copy.</remarks>
    public readonly void Dispose()
    {
        IUserAddressSpace? space = _space;
        if (space is null)
        {
            return;
        }

        ref UserAccess self = ref Unsafe.AsRef(in this);
        nint here = KernelMemory.IdentityOf(in this);
        ScopeClaims state = _claims!; // set whenever _space is
        if (_home != 0 || !state.TryCloseUnowned(_savedDepth, _tag))
        {
            if (_home != here)
            {
                Claim(ref self, here, state);
            }

            state.Close(_savedDepth, here);
        }

        self._space = null;
        if (_lock is { } scopeLock)
        {
            scopeLock.ExitRead(state);
        }
        else
        {
            space.ExitAccess();
        }
    }

    /// <summary>Linux's <c>access_ok</c>: <c>[address, address + size)</c> lies in the user range (it may end exactly
    /// at the top), with the end computed without wrapping. With size 0: the address is inside the range or at its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly bool IsUserRange(ulong address, ulong size)
    {
        VirtAddrRange user = Live(in this).UserRange;
        return address >= user.Start.Value && address <= user.End.Value && size <= user.End.Value - address;
    }

    /// <summary>The address space, for a borrow made through <paramref name="access"/>: checks that the scope is
    /// open and that <paramref name="access"/> is the variable owning it (not a copy). The check is one compare when
    /// it passes.</summary>
    /// <exception cref="System.InvalidOperationException">The scope has ended, or <paramref name="access"/> is a copy.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static IUserAddressSpace Live(ref readonly UserAccess access)
    {
        if (access._home != KernelMemory.IdentityOf(in access))
        {
            ClaimForBorrow(in access);
        }

        return access._space ?? ThrowDisposed();
    }

    /// <summary>
    /// Validates and populates <c>[address, address + size)</c> for <paramref name="access"/> through the scope owned by
    /// <paramref name="scope"/> and answers its kernel address. The scope remembers the last run the address space
    /// validated (<see cref="IUserAddressSpace.PrepareWindow"/>): an access inside it is answered here, inlined, with no
    /// address-space call. That is sound because nothing can unmap, re-protect or depopulate memory while the scope is
    /// open (the <see cref="IUserAddressSpace"/> contract).
    /// </summary>
    /// <param name="scope">The scope.</param>
    /// <param name="address">The first user address.</param>
    /// <param name="size">The number of bytes; above zero.</param>
    /// <param name="access">The required flags.</param>
    /// <param name="kernelAddress">The kernel address of <paramref name="address"/> on success, else 0.</param>
    /// <returns>As <see cref="IUserAddressSpace.PrepareAccess"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static LinuxError Prepare(ref readonly UserAccess scope, ulong address, ulong size, MappingFlags access, out nuint kernelAddress)
    {
        IUserAddressSpace space = Live(in scope);
        if (WindowCovers(in scope, address, size, access))
        {
            kernelAddress = (nuint)address + scope._windowDelta;
            return LinuxError.None;
        }

        return PrepareMiss(in scope, space, address, size, access, out kernelAddress);
    }

    /// <summary>The inlined hit of <see cref="Prepare"/> alone: true, with the kernel address, when the scope's cached
    /// window covers the access (which also proves the range lies in user space). False means "ask
    /// <see cref="Prepare"/>", not an error.</summary>
    /// <param name="scope">The scope.</param>
    /// <param name="address">The first user address.</param>
    /// <param name="size">The number of bytes; above zero.</param>
    /// <param name="access">The required flags.</param>
    /// <param name="kernelAddress">The kernel address on a hit.</param>
    /// <returns>Whether the cached window answered.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryCached(ref readonly UserAccess scope, ulong address, ulong size, MappingFlags access, out nuint kernelAddress)
    {
        _ = Live(in scope);
        kernelAddress = (nuint)address + scope._windowDelta;
        return WindowCovers(in scope, address, size, access);
    }

    /// <summary><see cref="ValidatedWindow.Covers"/> on the scope's cached window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool WindowCovers(ref readonly UserAccess scope, ulong address, ulong size, MappingFlags access) =>
        (scope._windowFlags & access) == access && access != MappingFlags.None
        && address - scope._windowFirst <= scope._windowLast - scope._windowFirst && size - 1 <= scope._windowLast - address;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static LinuxError PrepareMiss(ref readonly UserAccess scope, IUserAddressSpace space, ulong address, ulong size, MappingFlags access, out nuint kernelAddress)
    {
        LinuxError e = space.PrepareWindow(address, size, access, out ValidatedWindow window);
        if (e != LinuxError.None)
        {
            kernelAddress = 0;
            return e;
        }

        ref UserAccess owner = ref Unsafe.AsRef(in scope); // the owner's own fields: Live checked that scope is the owner
        owner._windowFirst = window.First;
        owner._windowLast = window.Last;
        owner._windowDelta = window.KernelDelta;
        owner._windowFlags = window.Flags;
        kernelAddress = (nuint)address + window.KernelDelta;
        return LinuxError.None;
    }

    /// <summary>The field a borrowed view watches (see <see cref="ScopeCheck"/>): the owner's address space, cleared
    /// by <see cref="Dispose"/>. Call it after <see cref="Live"/>, so that it is the owner's field.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ref readonly IUserAddressSpace? ScopeSlot(ref readonly UserAccess access) => ref access._space;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ClaimForBorrow(ref readonly UserAccess access)
    {
        if (access._space is null)
        {
            ThrowDisposed();
        }

        Claim(ref Unsafe.AsRef(in access), KernelMemory.IdentityOf(in access), access._claims!);
    }

    /// <summary>Makes the variable at <paramref name="here"/> the owner, or throws when another variable owns the
    /// scope or the scope has ended.</summary>
    private static void Claim(ref UserAccess self, nint here, ScopeClaims state)
    {
        if (self._home != 0)
        {
            ThrowCopy(); // the owner was already known when this copy was made
        }

        switch (state.TryClaim(self._savedDepth, self._tag, here))
        {
            case ScopeClaims.ClaimResult.Owned:
                self._home = here;
                return;
            case ScopeClaims.ClaimResult.Copy:
                ThrowCopy();
                return;
            default:
                ThrowHelper.ThrowInvalidOperation("This user access scope was already ended (through a copy of it).");
                return;
        }
    }

    private static void ThrowCopy() =>
        ThrowHelper.ThrowInvalidOperation(
            "This is a copy of a user access scope: only the variable that owns the scope may borrow through it or end it. "
            + "Pass the scope with 'in', never by value; the scope stays open until its owner is disposed.");

    private static IUserAddressSpace ThrowDisposed()
    {
        ThrowHelper.ThrowInvalidOperation("The user access scope has ended (or was never begun).");
        return null!;
    }
}
