using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace UserMemory.Analyzers;

/// <summary>
/// UM0003: reports a use (call, property read, method group) of a member marked <c>[RequiresUnsafeUserMemory]</c>, or
/// of any member of a type so marked, unless the code using it opts in: the attribute on the enclosing method or
/// property, on an enclosing type, or on the assembly. A member that implements or overrides a marked member is an
/// address-space implementation and counts as opted in.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RawRouteAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(UserMemoryDiagnostics.RawRoute);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KnownTypes types = KnownTypes.From(start.Compilation);
            if (types.RequiresUnsafe is null || types.IsMarked(start.Compilation.Assembly))
            {
                return;
            }

            start.RegisterOperationAction(
                c => Analyze(c, types),
                OperationKind.Invocation,
                OperationKind.PropertyReference,
                OperationKind.MethodReference);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownTypes types)
    {
        ISymbol? member = context.Operation switch
        {
            IInvocationOperation i => i.TargetMethod,
            IPropertyReferenceOperation p => p.Property,
            IMethodReferenceOperation m => m.Method,
            _ => null,
        };

        if (member is null || !IsRawRoute(member, types) || IsOptedIn(context.ContainingSymbol, types))
        {
            return;
        }

        context.ReportDiagnostic(Diagnostic.Create(
            UserMemoryDiagnostics.RawRoute,
            context.Operation.Syntax.GetLocation(),
            member.ContainingType.Name + "." + member.Name));
    }

    private static bool IsRawRoute(ISymbol member, KnownTypes types)
    {
        ISymbol definition = member.OriginalDefinition;
        return types.IsMarked(definition) || types.IsMarked(definition.ContainingType);
    }

    private static bool IsOptedIn(ISymbol? symbol, KnownTypes types)
    {
        for (ISymbol? s = symbol; s is not null; s = s.ContainingSymbol)
        {
            if (types.IsMarked(s) || ImplementsRawRoute(s, types))
            {
                return true;
            }

            if (s is IMethodSymbol { AssociatedSymbol: { } associated } && (types.IsMarked(associated) || ImplementsRawRoute(associated, types)))
            {
                return true;
            }

            if (s is IAssemblySymbol)
            {
                break;
            }
        }

        return false;
    }

    private static bool ImplementsRawRoute(ISymbol member, KnownTypes types)
    {
        if (member is not (IMethodSymbol or IPropertySymbol) || member.ContainingType is not { } type)
        {
            return false;
        }

        ISymbol? overridden = member switch
        {
            IMethodSymbol m => m.OverriddenMethod,
            IPropertySymbol p => p.OverriddenProperty,
            _ => null,
        };

        if (overridden is not null && IsRawRoute(overridden, types))
        {
            return true;
        }

        foreach (INamedTypeSymbol iface in type.AllInterfaces)
        {
            foreach (ISymbol candidate in iface.GetMembers(member.Name.Substring(member.Name.LastIndexOf('.') + 1)))
            {
                if (IsRawRoute(candidate, types)
                    && SymbolEqualityComparer.Default.Equals(type.FindImplementationForInterfaceMember(candidate), member))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
