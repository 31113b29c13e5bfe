using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UserMemory.Analyzers;

/// <summary>
/// UM0001: reports every place a <c>UserAccess</c> held in a variable, parameter or field is read as a value, which
/// copies it: initialising or assigning another variable, passing it to a by-value parameter, returning it, or
/// <c>using (existing)</c>. Passing it with <c>in</c>/<c>ref</c>, <c>ref</c> locals and calls on it are not copies.
/// A fresh scope (<c>UserAccess.Begin(...)</c>) is not a copy either.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScopeCopyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(UserMemoryDiagnostics.ScopeCopied);

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

            start.RegisterOperationAction(
                c => Analyze(c, types),
                OperationKind.LocalReference,
                OperationKind.ParameterReference,
                OperationKind.FieldReference);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownTypes types)
    {
        IOperation reference = context.Operation;
        if (!types.IsUserAccess(reference.Type) || !IsCopy(reference))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(UserMemoryDiagnostics.ScopeCopied, reference.Syntax.GetLocation(), reference.Syntax.ToString()));
    }

    private static bool IsCopy(IOperation reference)
    {
        IOperation? parent = reference.Parent;
        while (parent is IConversionOperation or IParenthesizedOperation)
        {
            reference = parent;
            parent = parent.Parent;
        }

        switch (parent)
        {
            case IArgumentOperation argument:
                return argument.Parameter is { RefKind: RefKind.None };
            case IVariableInitializerOperation initializer:
                return initializer.Parent is IVariableDeclaratorOperation { Symbol.RefKind: RefKind.None };
            case ISimpleAssignmentOperation assignment:
                return !assignment.IsRef && ReferenceEquals(assignment.Value, reference);
            case IReturnOperation ret:
                return !ReturnsByRef(ret);
            case IUsingOperation:
                return true;
            case ITupleOperation:
                return true;
            default:
                return false;
        }
    }

    private static bool ReturnsByRef(IReturnOperation ret) => ret.SemanticModel?.GetEnclosingSymbol(ret.Syntax.SpanStart) is IMethodSymbol { ReturnsByRef: true } or IMethodSymbol { ReturnsByRefReadonly: true };
}
