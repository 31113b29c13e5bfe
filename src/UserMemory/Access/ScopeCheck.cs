using System.Runtime.CompilerServices;

namespace UserMemory;

/// <summary>
/// The run-time check every borrowed view (<see cref="UserRef{T}"/>, <see cref="UserSpan{T}"/>, their read-only forms,
/// <see cref="UserAccessWindow"/>) makes before it hands out memory: the scope it was borrowed from is still open.
/// </summary>
/// <remarks>A view keeps a reference to the address-space field of the <see cref="UserAccess"/> variable that owns
/// its scope; <see cref="UserAccess.Dispose"/> clears that field. A default (never borrowed) view has a null
/// reference and is never refused.</remarks>
internal static class ScopeCheck
{
    /// <summary>Throws <see cref="System.InvalidOperationException"/> when the scope behind <paramref name="scope"/>
    /// has been disposed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ThrowIfEnded(ref readonly IUserAddressSpace? scope)
    {
        if (!Unsafe.IsNullRef(in scope) && scope is null)
        {
            ThrowEnded();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowEnded() =>
        ThrowHelper.ThrowInvalidOperation(
            "This borrow belongs to a user access scope that has been disposed: the memory it points into is no longer protected.");
}
