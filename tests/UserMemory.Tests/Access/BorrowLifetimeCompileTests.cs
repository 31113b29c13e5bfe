using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace UserMemory.Tests.Access;

/// <summary>
/// The compiler is what keeps a borrow from outliving its scope: these tests compile small kernels against the core
/// and assert that the escapes are rejected, while the intended pattern compiles cleanly.
/// </summary>
public class BorrowLifetimeCompileTests
{
    private const string Prelude = """
        using System;
        using UserMemory;
        public static class Kernel
        {
            public static UserSpan<byte> Field;
        """;

    private static IReadOnlyList<Diagnostic> Compile(string body)
    {
        string source = Prelude.Replace("public static UserSpan<byte> Field;", string.Empty, StringComparison.Ordinal) + body + "\n}";
        string runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        IEnumerable<MetadataReference> refs = Directory.GetFiles(runtimeDir, "*.dll")
            .Where(f => !f.Contains("Native", StringComparison.Ordinal))
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f))
            .Append(MetadataReference.CreateFromFile(typeof(UserAccess).Assembly.Location));
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Probe",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview))],
            refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        return compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
    }

    [Fact]
    public void TheIntendedPatternCompilesCleanly()
    {
        IReadOnlyList<Diagnostic> d = Compile("""
            public static LinuxError Sys(IAddrSpaceProvider p, ulong addr)
            {
                using var access = UserAccess.Begin(p);
                UserSpan<byte> s = UserPtr<byte>.FromAddress(addr).GetAsSlice(in access, 16);
                if (!s.IsOk) return s.Error;
                s.Value.Clear();
                return LinuxError.None;
            }
            """);
        Assert.Empty(d);
    }

    [Fact]
    public void ASpanCannotBeReturnedPastTheMethodHoldingTheScope()
    {
        IReadOnlyList<Diagnostic> d = Compile("""
            public static Span<byte> Leak(IAddrSpaceProvider p, ulong addr)
            {
                using var access = UserAccess.Begin(p);
                return UserPtr<byte>.FromAddress(addr).GetAsSlice(in access, 16).Value;
            }
            """);
        Assert.Contains(d, x => x.Severity == DiagnosticSeverity.Error && x.Id is "CS8347" or "CS8352" or "CS8157" or "CS8166" or "CS8167");
    }

    [Fact]
    public void AReferenceCannotBeReturnedPastTheMethodHoldingTheScope()
    {
        IReadOnlyList<Diagnostic> d = Compile("""
            public static ref int Leak(IAddrSpaceProvider p, ulong addr)
            {
                using var access = UserAccess.Begin(p);
                return ref UserPtr<int>.FromAddress(addr).Get(in access).Value;
            }
            """);
        Assert.Contains(d, x => x.Severity == DiagnosticSeverity.Error && x.Id is "CS8347" or "CS8352" or "CS8157" or "CS8166" or "CS8167");
    }

    [Fact]
    public void ABorrowCannotBeStoredOnTheHeapOrCapturedByALambda()
    {
        IReadOnlyList<Diagnostic> stored = Compile("""
            public sealed class Holder { public UserSpan<byte> Span; }
            """);
        Assert.Contains(stored, x => x.Id == "CS8345");

        IReadOnlyList<Diagnostic> captured = Compile("""
            public static Action Capture(IAddrSpaceProvider p, ulong addr)
            {
                using var access = UserAccess.Begin(p);
                UserSpan<byte> s = UserPtr<byte>.FromAddress(addr).GetAsSlice(in access, 16);
                return () => s.Value.Clear();
            }
            """);
        Assert.Contains(captured, x => x.Id == "CS8175");
    }

    [Fact]
    public void PassingATemporaryScopeThatNobodyDisposesIsFlagged()
    {
        IReadOnlyList<Diagnostic> d = Compile("""
            public static LinuxError Forget(IAddrSpaceProvider p, ulong addr) =>
                UserPtr<int>.FromAddress(addr).Get(UserAccess.Begin(p)).Error;
            """);
        Assert.Contains(d, x => x.Id == "CS9193" || x.Id == "CS9195" || x.Id == "CS9192");
    }
}
