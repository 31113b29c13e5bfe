using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// An access scope on one address space: the lifetime every borrowed reference and span is tied to.
/// </summary>
/// <remarks>
/// <para>Opening it enters the address space's shared side (<see cref="IUserAddressSpace.EnterAccess"/>), so no
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
/// <para>Keep scopes short: unmap and protect on the same address space wait for them. Do not copy the struct.</para>
/// </remarks>
public ref struct UserAccess
{
    private IUserAddressSpace? _space;
    private readonly int _savedDepth;

    private UserAccess(IUserAddressSpace space)
    {
        space.EnterAccess();
        _space = space;
        _savedDepth = UserAccessContext.EnterRaw();
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

    /// <summary>Ends the scope: leaves the access context and the address space's shared side. Idempotent.</summary>
    public void Dispose()
    {
        IUserAddressSpace? space = _space;
        if (space is null)
        {
            return;
        }

        _space = null;
        UserAccessContext.Restore(_savedDepth);
        space.ExitAccess();
    }

    /// <summary>Linux's <c>access_ok</c>: <c>[address, address + size)</c> lies in the user range (it may end exactly
    /// at the top), with the end computed without wrapping. With size 0: the address is inside the range or at its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal readonly bool IsUserRange(ulong address, ulong size)
    {
        VirtAddrRange user = AddressSpace.UserRange;
        return address >= user.Start.Value && address <= user.End.Value && size <= user.End.Value - address;
    }

    private static IUserAddressSpace ThrowDisposed()
    {
        ThrowHelper.ThrowInvalidOperation("The user access scope has ended (or was never begun).");
        return null!;
    }
}
