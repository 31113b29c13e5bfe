using Microsoft.CodeAnalysis;

namespace UserMemory.Analyzers;

/// <summary>The UserMemory types the rules look for, resolved once per compilation.</summary>
internal sealed class KnownTypes
{
    /// <summary>The metadata name of the scope.</summary>
    public const string UserAccessName = "UserMemory.UserAccess";

    /// <summary>The metadata name of the raw-route attribute.</summary>
    public const string RequiresUnsafeName = "UserMemory.UnsafeAccess.RequiresUnsafeUserMemoryAttribute";

    private KnownTypes(INamedTypeSymbol? userAccess, INamedTypeSymbol? requiresUnsafe)
    {
        UserAccess = userAccess;
        RequiresUnsafe = requiresUnsafe;
    }

    /// <summary><c>UserMemory.UserAccess</c>, or null when the compilation does not reference the core.</summary>
    public INamedTypeSymbol? UserAccess { get; }

    /// <summary>The attribute, or null when the compilation does not reference the core.</summary>
    public INamedTypeSymbol? RequiresUnsafe { get; }

    /// <summary>Resolves the types in <paramref name="compilation"/>.</summary>
    public static KnownTypes From(Compilation compilation) =>
        new(compilation.GetTypeByMetadataName(UserAccessName), compilation.GetTypeByMetadataName(RequiresUnsafeName));

    /// <summary>True when <paramref name="type"/> is the scope type.</summary>
    public bool IsUserAccess(ITypeSymbol? type) =>
        UserAccess is not null && SymbolEqualityComparer.Default.Equals(type?.OriginalDefinition, UserAccess);

    /// <summary>True when <paramref name="symbol"/> carries the raw-route attribute.</summary>
    public bool IsMarked(ISymbol? symbol)
    {
        if (symbol is null || RequiresUnsafe is null)
        {
            return false;
        }

        foreach (AttributeData a in symbol.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(a.AttributeClass, RequiresUnsafe))
            {
                return true;
            }
        }

        return false;
    }
}
