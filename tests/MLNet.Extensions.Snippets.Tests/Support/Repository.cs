namespace MLNet.Extensions.Snippets.Tests.Support;

/// <summary>Paths in the repository these tests check, and the facts the build wrote beside the test assembly.</summary>
public static class Repository
{
    /// <summary>The folder holding MLNet.Extensions.sln, found above the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path relative to the repository root.</summary>
    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The version of every package Directory.Packages.props pinned for this build (ranges as written).</summary>
    public static IReadOnlyDictionary<string, string> PinnedPackages { get; } = ReadFacts()
        .Where(line => line.StartsWith("package ", StringComparison.Ordinal))
        .Select(line => line["package ".Length..].Split('=', 2))
        .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.OrdinalIgnoreCase);

    /// <summary>Our package version (Directory.Build.props).</summary>
    public static string Version { get; } = Fact("version");

    /// <summary>The configuration the test assembly and the src projects were built in.</summary>
    public static string Configuration { get; } = Fact("configuration");

    /// <summary>The version NuGet restores for a pinned package: a range's lower bound, or the version itself.</summary>
    public static string RestoredVersion(string package)
    {
        string pinned = PinnedPackages[package];
        return pinned.TrimStart('[', '(').Split(',')[0].TrimEnd(']', ')').Trim();
    }

    private static string Fact(string name) =>
        ReadFacts().Single(line => line.StartsWith(name + "=", StringComparison.Ordinal))[(name.Length + 1)..];

    private static string[] ReadFacts() => File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "build-facts.txt"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MLNet.Extensions.sln")))
                return dir.FullName;
        }
        throw new DirectoryNotFoundException($"No MLNet.Extensions.sln above '{AppContext.BaseDirectory}'.");
    }
}
