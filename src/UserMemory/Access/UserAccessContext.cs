using System;

namespace UserMemory;

/// <summary>
/// Per-thread "this kernel code is accessing user memory" state, consulted by page-fault handlers: a kernel-mode
/// fault on a user address is legal only while <see cref="IsAccessingUserMemory"/> is true.
/// </summary>
/// <remarks>
/// It is a nesting counter, not a flag, so an inner scope ending does not clear an outer one; and it is per thread,
/// not per CPU, because a fault handler may block and the task may resume elsewhere. Each scope restores the depth it
/// found, also when an exception unwinds through a <c>using</c>.
/// </remarks>
public static class UserAccessContext
{
    /// <summary>True while the calling thread is inside at least one scope.</summary>
    public static bool IsAccessingUserMemory => ScopeClaims.CurrentDepth > 0;

    /// <summary>How many scopes the calling thread is nested in.</summary>
    public static int Depth => ScopeClaims.CurrentDepth;

    /// <summary>Enters a scope; dispose it (with <c>using</c>) to leave.</summary>
    /// <returns>The scope.</returns>
    public static Scope Enter()
    {
        ScopeClaims state = ScopeClaims.Current;
        int saved = state.Depth;
        state.Depth = saved + 1;
        return new Scope(saved);
    }

    /// <summary>One level of <see cref="UserAccessContext"/>; restores the previous depth when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly int _saved;

        internal Scope(int saved) => _saved = saved;

        /// <summary>Restores the depth that was current when the scope was entered.</summary>
        public void Dispose() => ScopeClaims.Current.Depth = _saved;
    }
}
