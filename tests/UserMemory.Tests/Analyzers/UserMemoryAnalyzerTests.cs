using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using UserMemory.Analyzers;

namespace UserMemory.Tests.Analyzers;

/// <summary>
/// The analyzer shipped with the core (issue 15): small kernels are compiled against the core with Roslyn, the way
/// <c>BorrowLifetimeCompileTests</c> does, and run through the analyzers; each misuse must produce its diagnostic and
/// the intended patterns none.
/// </summary>
public class UserMemoryAnalyzerTests
{
    private const string Prelude = """
        using System;
        using UserMemory;
        using UserMemory.UnsafeAccess;
        public static class Kernel
        {
        """;

    private static IReadOnlyList<Diagnostic> Analyze(string body, string outside = "")
    {
        string source = Prelude + body + "\n}\n";
        string runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        IEnumerable<MetadataReference> refs = Directory.GetFiles(runtimeDir, "*.dll")
            .Where(f => !f.Contains("Native", StringComparison.Ordinal))
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f))
            .Append(MetadataReference.CreateFromFile(typeof(UserAccess).Assembly.Location));
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Probe",
            [
                CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview)),
                CSharpSyntaxTree.ParseText("using System;\nusing UserMemory;\nusing UserMemory.UnsafeAccess;\n" + outside, new CSharpParseOptions(LanguageVersion.Preview)),
            ],
            refs,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        ImmutableArray<DiagnosticAnalyzer> analyzers = [new ScopeCopyAnalyzer(), new BorrowAfterDisposeAnalyzer(), new RawRouteAnalyzer()];
        return compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }

    private static IEnumerable<string> Ids(IReadOnlyList<Diagnostic> d) => d.Select(x => x.Id);

    [Fact]
    public void TheIntendedPatternsAreClean()
    {
        IReadOnlyList<Diagnostic> d = Analyze("""
            public static LinuxError Sys(IAddrSpaceProvider p, ulong addr)
            {
                using var access = UserAccess.Begin(p);
                UserSpan<byte> s = UserPtr<byte>.FromAddress(addr).GetAsSlice(in access, 16);
                if (!s.IsOk) return s.Error;
                Span<byte> bytes = s.Value;
                bytes.Clear();
                return Helper(in access, addr);
            }

            private static LinuxError Helper(ref readonly UserAccess access, ulong addr) =>
                UserPtr<int>.FromAddress(addr).Get(in access).Error;

            public static long ReadThenEnd(IAddrSpaceProvider p, ulong addr)
            {
                var access = UserAccess.Begin(p);
                UserRef<long> r = UserPtr<long>.FromAddress(addr).Get(in access);
                long copy = r.IsOk ? r.Value : 0;
                access.Dispose();
                access.Dispose();                // idempotent, not a use of a borrow
                return copy + (access.IsActive ? 1 : 0);   // a value copied out is not a borrow
            }
            """);
        Assert.Empty(d);
    }

    [Theory]
    [InlineData("var copy = access;")]
    [InlineData("UserAccess copy; copy = access;")]
    [InlineData("ByValue(access);")]
    [InlineData("using (access) { }")]
    public void CopyingAScopeIsUM0001(string statement)
    {
        IReadOnlyList<Diagnostic> d = Analyze($$"""
            public static void Sys(IAddrSpaceProvider p)
            {
                var access = UserAccess.Begin(p);
                {{statement}}
                access.Dispose();
            }

            private static void ByValue(UserAccess scope) { }
            """);
        Assert.Contains("UM0001", Ids(d));
    }

    [Fact]
    public void RefLocalsAndInArgumentsAreNotCopies()
    {
        IReadOnlyList<Diagnostic> d = Analyze("""
            public static void Sys(IAddrSpaceProvider p)
            {
                using var access = UserAccess.Begin(p);
                ref readonly UserAccess alias = ref access;
                _ = UserPtr<int>.FromAddress(0x1000).Get(in alias);
                _ = UserCopy.AtomicLoad32(in access, UserConstPtr<uint>.FromAddress(0x1000));
            }
            """);
        Assert.DoesNotContain("UM0001", Ids(d));
    }

    [Fact]
    public void UsingASpanAfterAnExplicitDisposeIsUM0002()
    {
        IReadOnlyList<Diagnostic> d = Analyze("""
            public static void Sys(IAddrSpaceProvider p, ulong addr)
            {
                var access = UserAccess.Begin(p);
                UserSpan<byte> s = UserPtr<byte>.FromAddress(addr).GetAsSlice(in access, 16);
                Span<byte> raw = s.Value;
                access.Dispose();
                raw[0] = 1;
                s.Value.Clear();
            }
            """);
        Assert.Equal(2, d.Count(x => x.Id == "UM0002"));
    }

    [Fact]
    public void UsingARefOrBorrowingAgainAfterDisposeIsUM0002()
    {
        IReadOnlyList<Diagnostic> d = Analyze("""
            public static int Sys(IAddrSpaceProvider p, ulong addr)
            {
                using var access = UserAccess.Begin(p);
                ref int r = ref UserPtr<int>.FromAddress(addr).Get(in access).Value;
                access.Dispose();
                r = 3;
                return UserPtr<int>.FromAddress(addr).Get(in access).Error == LinuxError.None ? 1 : 0;
            }
            """);
        Assert.Equal(2, d.Count(x => x.Id == "UM0002"));
    }

    [Theory]
    [InlineData("_ = access.AddressSpace.GetKernelAddress(addr);")]
    [InlineData("_ = access.AddressSpace.PrepareAccess(addr, 4, MappingFlags.Write, out _);")]
    [InlineData("_ = access.AddressSpace.PrepareWindow(addr, 4, MappingFlags.Write, out _);")]
    [InlineData("unsafe { _ = UserPtr<int>.FromAddress(addr).AsPtr(); }")]
    [InlineData("unsafe { _ = UserConstPtr<int>.FromAddress(addr).AsPtr(); }")]
    [InlineData("_ = ((IHostMappedAddressSpace)access.AddressSpace).KernelViewBase;")]
    public void ARawRouteOutsideOptedInCodeIsUM0003(string statement)
    {
        IReadOnlyList<Diagnostic> d = Analyze($$"""
            public static void Sys(IAddrSpaceProvider p, ulong addr)
            {
                using var access = UserAccess.Begin(p);
                {{statement}}
            }
            """);
        Assert.Contains("UM0003", Ids(d));
    }

    [Fact]
    public void OptedInCodeAndImplementationsMayUseRawRoutes()
    {
        IReadOnlyList<Diagnostic> d = Analyze(
            """
            [RequiresUnsafeUserMemory("mirrors guest memory into the CPU")]
            public static nuint Mirror(IUserAddressSpace s, ulong addr) => s.GetKernelAddress(addr);
            """,
            """
            [RequiresUnsafeUserMemory]
            public static class OptedInType
            {
                public static nuint Translate(IUserAddressSpace s, ulong addr) => s.GetKernelAddress(addr);
            }

            public sealed class Forwarding(IUserAddressSpace inner) : IUserAddressSpace
            {
                public VirtAddrRange UserRange => inner.UserRange;
                public bool CheckRegionAccess(VirtAddrRange range, MappingFlags access) => inner.CheckRegionAccess(range, access);
                public LinuxError PopulateArea(VirtAddrRange range) => inner.PopulateArea(range);
                public bool HandlePageFault(VirtAddr address, MappingFlags access) => inner.HandlePageFault(address, access);
                public bool IsPopulated(VirtAddr address) => inner.IsPopulated(address);
                public nuint GetKernelAddress(VirtAddr address) => inner.GetKernelAddress(address);
                public void EnterAccess() => inner.EnterAccess();
                public void ExitAccess() => inner.ExitAccess();
                public LinuxError PrepareAccess(VirtAddr start, ulong size, MappingFlags access, out nuint kernelAddress) =>
                    inner.PrepareAccess(start, size, access, out kernelAddress);
            }
            """);
        Assert.DoesNotContain("UM0003", Ids(d));
    }

    [Fact]
    public void AnAssemblyCanOptInAsAWhole()
    {
        IReadOnlyList<Diagnostic> d = Analyze(
            "public static nuint Translate(IUserAddressSpace s, ulong addr) => s.GetKernelAddress(addr);",
            "[assembly: RequiresUnsafeUserMemory]");
        Assert.DoesNotContain("UM0003", Ids(d));
    }
}
