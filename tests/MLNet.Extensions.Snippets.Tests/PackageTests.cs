using System.IO.Compression;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using MLNet.Extensions.Snippets.Tests.Support;
using Xunit.Abstractions;

namespace MLNet.Extensions.Snippets.Tests;

/// <summary>
/// The packages as a user gets them: packed into a temporary folder, installed into a fresh console project with the
/// README's PackageReference lines and warnings as errors, which trains a tiny CNN, saves it, and scores it again in a
/// second process. Uses the normal NuGet cache; the check's own package version is removed from it afterwards.
/// </summary>
public sealed partial class PackageTests(ITestOutputHelper output) : IDisposable
{
    private static readonly string[] s_packages = ["MLNet.Extensions", "MLNet.Extensions.Trainers", "MLNet.Extensions.Transforms", "MLNet.Extensions.Kernels"];
    private static readonly TimeSpan s_stepLimit = TimeSpan.FromMinutes(5);

    private readonly string _folder = Directory.CreateTempSubdirectory("mlnet-ext-pack-").FullName;
    // A version no published package has, so the NuGet cache can never hand back an older build of ours.
    private readonly string _version = $"{Repository.Version}-check.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";

    [GeneratedRegex(@"```xml\n(?<xml><ItemGroup>.*?</ItemGroup>)\n```", RegexOptions.Singleline)]
    private static partial Regex InstallBlock();

    /// <summary>The README's install block: package id and version of each PackageReference.</summary>
    private static Dictionary<string, string> ReadmePackageReferences()
    {
        string readme = File.ReadAllText(Repository.PathOf("README.md")).ReplaceLineEndings("\n");
        Match block = InstallBlock().Match(readme);
        Assert.True(block.Success, "README.md has no ```xml block with the <ItemGroup> of PackageReference lines.");
        return XElement.Parse(block.Groups["xml"].Value).Elements("PackageReference")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
    }

    [Fact]
    public void ReadmeInstallsTheVersionsThisBuildUses()
    {
        Dictionary<string, string> references = ReadmePackageReferences();
        Assert.Equal(["MLNet.Extensions", "Microsoft.ML", "Microsoft.ML.ImageAnalytics"], references.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(Repository.Version, references["MLNet.Extensions"]);
        Assert.Equal(Repository.RestoredVersion("Microsoft.ML"), references["Microsoft.ML"]);
        Assert.Equal(Repository.RestoredVersion("Microsoft.ML.ImageAnalytics"), references["Microsoft.ML.ImageAnalytics"]);
    }

    [Fact]
    [Trait("Category", "Packaging")]
    public void PackedPackagesInstallTrainSaveAndScoreInAFreshConsoleProject()
    {
        string packages = Path.Combine(_folder, "packages");
        Step("dotnet", ["pack", Repository.PathOf("MLNet.Extensions.sln"), "-c", Repository.Configuration, "--no-build",
            "-o", packages, $"-p:PackageVersion={_version}", "-nodeReuse:false"], Repository.Root);
        foreach (string id in s_packages)
            CheckPackage(Path.Combine(packages, $"{id}.{_version}.nupkg"), id);
        foreach (string id in s_packages.Skip(1))
            Assert.True(File.Exists(Path.Combine(packages, $"{id}.{_version}.snupkg")), $"no symbol package for {id}");

        string consumer = WriteConsumer(packages);
        Step("dotnet", ["build", "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false"], consumer);

        string digits = Path.Combine(_folder, "digits");
        DigitFolder.Write(digits, 0, 300);
        string program = Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll");
        string model = Path.Combine(_folder, "model.zip");
        string trained = Step("dotnet", [program, "train", digits, model], _folder);
        string reloaded = Step("dotnet", [program, "score", digits, model], _folder);

        Match accuracy = Regex.Match(trained, @"training accuracy: (?<value>[0-9.]+)");
        Assert.True(accuracy.Success, trained);
        // 3 epochs of a one-convolution network on 300 digits, seeds fixed: measured 0.92; chance is 0.1.
        Assert.True(double.Parse(accuracy.Groups["value"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0.8, trained);
        string[] before = Scores(trained), after = Scores(reloaded);
        Assert.Equal(300, before.Length);
        Assert.Equal(before, after);
    }

    private static string[] Scores(string printed) =>
        printed.Split('\n', StringSplitOptions.TrimEntries).Where(l => l.StartsWith("scores ", StringComparison.Ordinal)).ToArray();

    private void CheckPackage(string path, string id)
    {
        Assert.True(File.Exists(path), $"dotnet pack made no {Path.GetFileName(path)}");
        using ZipArchive zip = ZipFile.OpenRead(path);
        XDocument nuspec;
        using (Stream stream = zip.GetEntry($"{id}.nuspec")!.Open())
            nuspec = XDocument.Load(stream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal(_version, (string?)metadata.Element(ns + "version"));
        Assert.Equal("MIT", (string?)metadata.Element(ns + "license"));
        Assert.Equal("README.md", (string?)metadata.Element(ns + "readme"));
        Assert.NotNull(zip.GetEntry("README.md"));
        Assert.StartsWith($"## {Repository.Version}", (string?)metadata.Element(ns + "releaseNotes"));
        string[] dependencies = metadata.Descendants(ns + "dependency").Select(d => (string)d.Attribute("id")!).ToArray();
        if (id == "MLNet.Extensions")
        {
            Assert.Equal(s_packages.Skip(1).Order(), dependencies.Order());
            return;
        }
        Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.dll"));
        Assert.NotNull(zip.GetEntry($"lib/net10.0/{id}.xml"));
        if (id != "MLNet.Extensions.Kernels")
            Assert.Contains("Microsoft.ML", dependencies);
    }

    /// <summary>A console project outside the repository (no Directory.*.props reach it) that installs the README's packages.</summary>
    private string WriteConsumer(string packages)
    {
        string consumer = Path.Combine(_folder, "consumer");
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(_folder, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(_folder, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(_folder, "Directory.Packages.props"), "<Project />");
        File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="mlnet-extensions-check" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        var references = ReadmePackageReferences();
        references["MLNet.Extensions"] = _version;
        string items = string.Join("\n", references.Select(r => $"""    <PackageReference Include="{r.Key}" Version="{r.Value}" />"""));
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <WarningsNotAsErrors>NU1603</WarningsNotAsErrors>
              </PropertyGroup>
              <ItemGroup>
            {items}
              </ItemGroup>
            </Project>
            """);
        File.Copy(Repository.PathOf("tests/MLNet.Extensions.Snippets.Tests/Consumer/Program.cs"), Path.Combine(consumer, "Program.cs"));
        return consumer;
    }

    private string Step(string file, string[] arguments, string workingDirectory)
    {
        (int exitCode, string printed) = ChildProcess.Run(file, arguments, workingDirectory, s_stepLimit);
        output.WriteLine($"$ {file} {string.Join(' ', arguments)}\n{printed}");
        Assert.True(exitCode == 0, $"{file} {string.Join(' ', arguments)} exited with {exitCode}:\n{printed}");
        return printed;
    }

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (string id in s_packages)
        {
            string package = Path.Combine(cache, id.ToLowerInvariant());
            string installed = Path.Combine(package, _version);
            if (Directory.Exists(installed))
                Directory.Delete(installed, recursive: true);
            if (Directory.Exists(package) && !Directory.EnumerateFileSystemEntries(package).Any())
                Directory.Delete(package);
        }
    }
}
