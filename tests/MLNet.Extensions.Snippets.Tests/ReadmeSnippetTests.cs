using System.Text.RegularExpressions;
using MLNet.Extensions.Snippets.Tests.Support;

namespace MLNet.Extensions.Snippets.Tests;

/// <summary>
/// Every C# block of the READMEs is a snippet file, quoted verbatim under a <c>&lt;!-- snippet: path --&gt;</c> line, so
/// the code that SnippetRunTests compiles and runs is the code readers copy.
/// </summary>
public sealed partial class ReadmeSnippetTests
{
    /// <summary>The documents whose C# blocks must be snippets.</summary>
    private static readonly string[] s_documents = ["README.md", "samples/README.md"];

    /// <summary>The documents as theory data.</summary>
    public static TheoryData<string> Documents => new(s_documents);

    private const string SnippetFolder = "tests/MLNet.Extensions.Snippets.Tests/Snippets";

    [GeneratedRegex(@"^```(?<lang>[A-Za-z#]*)[ \t]*\n(?<code>.*?)^```[ \t]*$", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"<!--\s*snippet:\s*(?<path>\S+)\s*-->\s*\n$")]
    private static partial Regex SnippetMarker();

    /// <summary>The C# blocks of a document with the snippet path named above each (null when none is).</summary>
    private static List<(string? Path, string Code, int Line)> CSharpBlocks(string document)
    {
        string text = File.ReadAllText(Repository.PathOf(document)).ReplaceLineEndings("\n");
        var blocks = new List<(string?, string, int)>();
        foreach (Match block in FencedBlock().Matches(text))
        {
            string lang = block.Groups["lang"].Value.ToLowerInvariant();
            if (lang is not ("csharp" or "cs" or "c#"))
                continue;
            Match marker = SnippetMarker().Match(text[..block.Index]);
            int line = text[..block.Index].Count(c => c == '\n') + 1;
            blocks.Add((marker.Success ? marker.Groups["path"].Value : null, block.Groups["code"].Value, line));
        }
        return blocks;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void EveryCSharpBlockQuotesItsSnippetFileVerbatim(string document)
    {
        foreach ((string? path, string code, int line) in CSharpBlocks(document))
        {
            Assert.True(path is not null, $"{document}:{line}: a C# block without a <!-- snippet: {SnippetFolder}/Name.cs --> line above it.");
            Assert.StartsWith(SnippetFolder + "/", path);
            string file = Repository.PathOf(path);
            Assert.True(File.Exists(file), $"{document}:{line} names {path}, which does not exist.");
            string expected = File.ReadAllText(file).ReplaceLineEndings("\n");
            Assert.True(expected == code,
                $"{document}:{line} differs from {path}; copy the file into the block (or the block into the file). First difference at character {FirstDifference(expected, code)}.");
        }
    }

    [Fact]
    public void EverySnippetFileIsQuotedOnceAndHasATest()
    {
        var quoted = s_documents.SelectMany(CSharpBlocks).Select(b => b.Path).ToList();
        string[] files = Directory.GetFiles(Repository.PathOf(SnippetFolder), "*.cs")
            .Select(f => SnippetFolder + "/" + Path.GetFileName(f)).Order().ToArray();
        Assert.NotEmpty(files);
        foreach (string file in files)
            Assert.True(quoted.Count(p => p == file) == 1, $"{file} is quoted {quoted.Count(p => p == file)} times in the READMEs; expected once.");
        // Each snippet is run by a test named after it.
        string[] tested = typeof(SnippetRunTests).GetMethods().Select(m => m.Name).ToArray();
        foreach (string file in files)
        {
            string name = Path.GetFileNameWithoutExtension(file);
            Assert.True(tested.Any(t => t.StartsWith(name, StringComparison.Ordinal)), $"No SnippetRunTests method starts with {name}.");
        }
    }

    private static int FirstDifference(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (a[i] != b[i])
                return i;
        }
        return n;
    }
}
