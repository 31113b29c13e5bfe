using Microsoft.CodeAnalysis;

namespace UserMemory.Analyzers;

/// <summary>The diagnostics this analyzer reports.</summary>
public static class UserMemoryDiagnostics
{
    /// <summary>The category of every rule.</summary>
    public const string Category = "UserMemory.Safety";

    /// <summary>UM0001: a <c>UserAccess</c> scope is copied.</summary>
    public static readonly DiagnosticDescriptor ScopeCopied = new(
        id: "UM0001",
        title: "A UserAccess scope is copied",
        messageFormat: "'{0}' copies a UserAccess scope; a copy cannot borrow or end the scope (it throws at run time). Pass the scope with 'in'.",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A scope has one owner, the variable that opened it. Copying it (assigning it, passing it by value, "
            + "returning it, 'using (existing)') makes a second variable that looks open but must not be used.");

    /// <summary>UM0002: a borrow is used after the scope's explicit <c>Dispose()</c>.</summary>
    public static readonly DiagnosticDescriptor BorrowAfterDispose = new(
        id: "UM0002",
        title: "A borrow is used after its scope was disposed",
        messageFormat: "'{0}' was borrowed from scope '{1}', which is disposed earlier in this method; the memory is no longer protected",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "After an explicit Dispose() of a UserAccess scope, unmap and protect may run: a span or reference "
            + "borrowed through the scope may point at freed memory. Use borrows only before the scope ends.");

    /// <summary>UM0003: a raw route is used outside code that opts in.</summary>
    public static readonly DiagnosticDescriptor RawRoute = new(
        id: "UM0003",
        title: "A raw user-memory route is used outside code that opts in",
        messageFormat: "'{0}' skips validation of guest memory; use UserPtr/UserCopy, or mark the calling code [RequiresUnsafeUserMemory]",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Members marked [RequiresUnsafeUserMemory] hand out kernel addresses nothing checks. Ordinary kernel "
            + "code reaches guest memory through validation; address-space implementers and memory mirrors opt in with the "
            + "attribute on the method, type or assembly.");
}
