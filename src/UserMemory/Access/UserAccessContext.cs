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
    [ThreadStatic]
    private static int t_depth;

    /// <summary>True while the calling thread is inside at least one scope.</summary>
    public static bool IsAccessingUserMemory => t_depth > 0;

    /// <summary>How many scopes the calling thread is nested in.</summary>
    public static int Depth => t_depth;

    /// <summary>Enters a scope; dispose it (with <c>using</c>) to leave.</summary>
    /// <returns>The scope.</returns>
    public static Scope Enter()
    {
        int saved = t_depth;
        t_depth = saved + 1;
        return new Scope(saved);
    }

    internal static int EnterRaw()
    {
        int saved = t_depth;
        t_depth = saved + 1;
        return saved;
    }

    internal static void Restore(int saved) => t_depth = saved;

    /// <summary>One level of <see cref="UserAccessContext"/>; restores the previous depth when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly int _saved;

        internal Scope(int saved) => _saved = saved;

        /// <summary>Restores the depth that was current when the scope was entered.</summary>
        public void Dispose() => t_depth = _saved;
    }
}
