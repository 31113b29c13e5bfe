using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UserMemory.Analyzers;

/// <summary>
/// UM0002: within one method, after an explicit <c>scope.Dispose()</c> on a <c>UserAccess</c> variable, reports every
/// later use of a borrow taken through that scope, and every later borrow through it.
/// </summary>
/// <remarks>
/// A borrow is a local of a ref struct type (or a <c>ref</c> local) whose value came from a call that was passed the
/// scope (<c>ptr.GetAsSlice(in access, n)</c>), or from another borrow (<c>Span&lt;byte&gt; s = borrow.Value</c>). Values
/// copied out of user memory (<c>long v = r.Value</c>) are not borrows. "Later" is source order, which is what the
/// run time sees except around loops: a borrow used at the top of a loop whose body disposes at the bottom is not
/// reported (the run-time check in <c>Value</c> still refuses it).
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class BorrowAfterDisposeAnalyzer : DiagnosticAnalyzer
{
    private const int MaxPropagationPasses = 8;

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(UserMemoryDiagnostics.BorrowAfterDispose);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KnownTypes types = KnownTypes.From(start.Compilation);
            if (types.UserAccess is null)
            {
                return;
            }

            start.RegisterOperationBlockAction(c => Analyze(c, types));
        });
    }

    private static void Analyze(OperationBlockAnalysisContext context, KnownTypes types)
    {
        foreach (IOperation block in context.OperationBlocks)
        {
            AnalyzeBody(context, types, block);
        }
    }

    private static void AnalyzeBody(OperationBlockAnalysisContext context, KnownTypes types, IOperation body)
    {
        List<IOperation> all = new(body.DescendantsAndSelf());
        Dictionary<ISymbol, int> disposedAt = new(SymbolEqualityComparer.Default);
        foreach (IOperation op in all)
        {
            if (op is IInvocationOperation { TargetMethod.Name: "Dispose" } call
                && types.IsUserAccess(call.TargetMethod.ContainingType)
                && ScopeSymbol(call.Instance) is { } scope)
            {
                int end = call.Syntax.Span.End;
                disposedAt[scope] = disposedAt.TryGetValue(scope, out int known) && known < end ? known : end;
            }
        }

        if (disposedAt.Count == 0)
        {
            return;
        }

        Dictionary<ILocalSymbol, ISymbol> borrowOf = FindBorrows(all, disposedAt);
        foreach (IOperation op in all)
        {
            if (op is ILocalReferenceOperation local
                && borrowOf.TryGetValue(local.Local, out ISymbol? scope)
                && op.Syntax.SpanStart >= disposedAt[scope]
                && !IsRebinding(op, local.Local))
            {
                Report(context, op, local.Local.Name, scope.Name);
            }
            else if (op is IArgumentOperation argument
                && ScopeSymbol(argument.Value) is { } borrowedThrough
                && disposedAt.TryGetValue(borrowedThrough, out int at)
                && op.Syntax.SpanStart >= at)
            {
                Report(context, op, argument.Syntax.ToString(), borrowedThrough.Name);
            }
        }
    }

    private static Dictionary<ILocalSymbol, ISymbol> FindBorrows(List<IOperation> all, Dictionary<ISymbol, int> disposedAt)
    {
        Dictionary<ILocalSymbol, ISymbol> borrowOf = new(SymbolEqualityComparer.Default);
        for (int pass = 0; pass < MaxPropagationPasses; pass++)
        {
            int before = borrowOf.Count;
            foreach (IOperation op in all)
            {
                (ILocalSymbol? target, IOperation? value) = op switch
                {
                    IVariableDeclaratorOperation { Initializer: { } init } d => (d.Symbol, init.Value),
                    ISimpleAssignmentOperation { Target: ILocalReferenceOperation t } a => (t.Local, a.Value),
                    _ => (null, null),
                };

                if (target is null || value is null || borrowOf.ContainsKey(target)
                    || !(target.Type.IsRefLikeType || target.RefKind != RefKind.None))
                {
                    continue;
                }

                if (SourceScope(value, disposedAt, borrowOf) is { } scope)
                {
                    borrowOf[target] = scope;
                }
            }

            if (borrowOf.Count == before)
            {
                break;
            }
        }

        return borrowOf;
    }

    private static ISymbol? SourceScope(IOperation value, Dictionary<ISymbol, int> disposedAt, Dictionary<ILocalSymbol, ISymbol> borrowOf)
    {
        foreach (IOperation op in value.DescendantsAndSelf())
        {
            if (op is IArgumentOperation argument && ScopeSymbol(argument.Value) is { } scope && disposedAt.ContainsKey(scope))
            {
                return scope;
            }

            if (op is ILocalReferenceOperation local && borrowOf.TryGetValue(local.Local, out ISymbol? from))
            {
                return from;
            }
        }

        return null;
    }

    private static ISymbol? ScopeSymbol(IOperation? operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation switch
        {
            ILocalReferenceOperation l => l.Local,
            IParameterReferenceOperation p => p.Parameter,
            _ => null,
        };
    }

    /// <summary>True when <paramref name="op"/> gives the borrow variable a new value without touching the memory it
    /// pointed into: assigning a ref struct variable, or re-pointing a <c>ref</c> local. (Assigning through a
    /// <c>ref</c> local writes user memory and is a use.)</summary>
    private static bool IsRebinding(IOperation op, ILocalSymbol local) =>
        op.Parent is ISimpleAssignmentOperation assignment && ReferenceEquals(assignment.Target, op)
        && (assignment.IsRef || local.RefKind == RefKind.None);

    private static void Report(OperationBlockAnalysisContext context, IOperation op, string what, string scope) =>
        context.ReportDiagnostic(Diagnostic.Create(UserMemoryDiagnostics.BorrowAfterDispose, op.Syntax.GetLocation(), what, scope));
}
