using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace MLNet.Extensions.Snippets.Tests.Support;

/// <summary>
/// Compiles a snippet file as the Program.cs of a new console project (implicit usings, nullable on, warnings as errors)
/// against the framework, ML.NET and our assemblies, then runs it in this process in a given working directory.
/// </summary>
public static class SnippetCompiler
{
    // The usings `dotnet new console` turns on (ImplicitUsings for Microsoft.NET.Sdk).
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>Compiles <paramref name="snippetPath"/>; fails the test with every error or warning it produces.</summary>
    public static Assembly Compile(string snippetPath)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        SyntaxTree[] trees =
        [
            CSharpSyntaxTree.ParseText(File.ReadAllText(snippetPath), parse, snippetPath),
            CSharpSyntaxTree.ParseText(ImplicitUsings, parse, "GlobalUsings.g.cs"),
        ];
        var options = new CSharpCompilationOptions(OutputKind.ConsoleApplication,
            nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release,
            generalDiagnosticOption: ReportDiagnostic.Error);
        var compilation = CSharpCompilation.Create(Path.GetFileNameWithoutExtension(snippetPath) + "Snippet", trees, References(), options);
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToArray();
        Assert.True(result.Success && problems.Length == 0, $"{snippetPath} does not compile cleanly:\n{string.Join("\n", problems)}");
        return Assembly.Load(image.ToArray());
    }

    /// <summary>Runs the snippet's top-level program with <paramref name="workingDirectory"/> as current folder; returns what it printed.</summary>
    public static string Run(Assembly snippet, string workingDirectory)
    {
        MethodInfo main = snippet.EntryPoint ?? throw new InvalidOperationException($"{snippet.GetName().Name} has no entry point.");
        TextWriter console = Console.Out;
        string folder = Environment.CurrentDirectory;
        using var output = new StringWriter();
        Console.SetOut(output);
        Environment.CurrentDirectory = workingDirectory;
        try
        {
            main.Invoke(null, main.GetParameters().Length == 0 ? null : [Array.Empty<string>()]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new InvalidOperationException($"The snippet failed after printing:\n{output}", e.InnerException);
        }
        finally
        {
            Environment.CurrentDirectory = folder;
            Console.SetOut(console);
        }
        return output.ToString();
    }

    /// <summary>
    /// The framework's assemblies plus ML.NET's and ours, from the test host's own list: what a console project that
    /// installs our package and the README's ML.NET packages compiles against (no test or compiler assemblies).
    /// </summary>
    private static MetadataReference[] References()
    {
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => Path.GetDirectoryName(path) == framework
                || Path.GetFileName(path).StartsWith("Microsoft.ML.", StringComparison.Ordinal)
                || (Path.GetFileName(path).StartsWith("MLNet.Extensions.", StringComparison.Ordinal)
                    && !Path.GetFileName(path).StartsWith("MLNet.Extensions.Snippets", StringComparison.Ordinal)))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToArray();
    }
}
