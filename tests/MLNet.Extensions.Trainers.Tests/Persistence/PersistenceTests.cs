using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Support;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Tests.Persistence;

/// <summary>
/// The persistence seam, checked the way it breaks: registration in a fresh ML.NET catalog, a load in another process
/// with no registration call, and damaged files (committed model zips: GoldenModelTests).
/// </summary>
public sealed class PersistenceTests : IClassFixture<PersistenceTests.SavedModel>, IDisposable
{
    private readonly SavedModel _saved;
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnet-ext-persist-").FullName;

    public PersistenceTests(SavedModel saved) => _saved = saved;

    /// <summary>A small CNN pipeline trained once and saved to a zip.</summary>
    public sealed class SavedModel : IDisposable
    {
        public SavedModel()
        {
            MLContext = new MLContext(seed: 1);
            Train = Digits.ImageView(MLContext, 0, 300);
            Test = Digits.ImageView(MLContext, 9000, 20);
            var pipeline = MLContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
                .Append(MLContext.Transforms.StandardizeSequence("Pixels", featuresPerStep: 1))
                .Append(MLContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(epochs: 1)));
            Model = pipeline.Fit(Train);
            Path = System.IO.Path.Combine(Directory.CreateTempSubdirectory("mlnet-ext-model-").FullName, "model.zip");
            MLContext.Model.Save(Model, Train.Schema, Path);
        }

        public MLContext MLContext { get; }
        public IDataView Train { get; }
        public IDataView Test { get; }
        public ITransformer Model { get; }
        public string Path { get; }

        public void Dispose() => Directory.Delete(System.IO.Path.GetDirectoryName(Path)!, recursive: true);
    }

    [Fact]
    public void OurAssembliesRegisterTheirModelLoadersInAFreshCatalog()
    {
        // The load names are written into every saved model: renaming one makes every existing file unloadable.
        string[] expected =
        [
            "BinaryNetworkModelParameters: MLNetExtNetBinary (SignatureLoadModel)",
            "BinaryNetworkPredictionTransformer: MLNetExtNetBinPred (SignatureLoadModel)",
            "LstmForecastingTransformer: MLNetExtLstmForecast (SignatureLoadModel)",
            "MulticlassNetworkModelParameters: MLNetExtNetMulticlass (SignatureLoadModel)",
            "MulticlassNetworkPredictionTransformer: MLNetExtNetMcPred (SignatureLoadModel)",
            "NetworkFeaturizerTransformer: MLNetExtNetFeaturizer (SignatureLoadModel)",
            "RegressionNetworkModelParameters: MLNetExtNetRegression (SignatureLoadModel)",
            "RegressionNetworkPredictionTransformer: MLNetExtNetRegPred (SignatureLoadModel)",
            "SlidingWindowTransformer: MLNetExtSlidingWindow (SignatureLoadModel)",
            "StandardizeSequenceTransformer: MLNetExtStandardizeSeq (SignatureLoadModel)",
        ];
        ComponentCatalog catalog = new MLContext().ComponentCatalog;
        Assert.Empty(OurLoadableClasses(catalog));
        foreach (var assembly in OurAssemblies)
            catalog.RegisterAssembly(assembly);
        Assert.Equal(expected, OurLoadableClasses(catalog));
    }

    [Fact]
    public void AChildProcessLoadsTheModelWithoutRegistrationAndScoresBitIdentically()
    {
        string[] here = LoadProbe.ScoreHere(_saved.Model.Transform(_saved.Test), "Score");
        string[] there = LoadProbe.Score(_saved.MLContext, _saved.Path, _saved.Test, "Score");
        Assert.Equal(here, there);
    }

    [Fact]
    public void TheLowestSupportedMLNetLoadsAModelTrainedOnTheNewestAndScoresBitIdentically()
    {
        // Our packages accept a range of ML.NET versions; the tests run on the newest, this probe on the lowest.
        string range = typeof(PersistenceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "MLNetSupportedRange").Value!;
        string lowest = range.TrimStart('[').Split(',')[0];
        Assert.Equal(lowest, MLNetVersionIn(LoadProbe.ProbeFolder(LoadProbe.Lowest)));
        Assert.NotEqual(lowest, MLNetVersionIn(AppContext.BaseDirectory));

        string[] here = LoadProbe.ScoreHere(_saved.Model.Transform(_saved.Test), "Score");
        string[] there = LoadProbe.Score(_saved.MLContext, _saved.Path, _saved.Test, "Score", LoadProbe.Lowest);
        Assert.Equal(here, there);
    }

    [Fact]
    public void TruncatedEmptyAndForeignFilesFailAsZipArchives()
    {
        byte[] bytes = File.ReadAllBytes(_saved.Path);
        string truncated = Write("truncated.zip", bytes[..(bytes.Length / 2)]);
        string nearlyWhole = Write("nearly-whole.zip", bytes[..^10]);
        string empty = Write("empty.zip", []);
        string foreign = Write("foreign.zip", System.Text.Encoding.UTF8.GetBytes("this is not a model"));
        foreach (string path in new[] { truncated, nearlyWhole, empty, foreign })
        {
            // ML.NET opens the archive before any of our code runs, so its exceptions are what a user sees: a
            // FormatException saying the zip archive failed to open, over the zip reader's central-directory error.
            var e = Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _));
            Assert.IsType<FormatException>(e);
            Assert.Contains("zip archive", e.Message, StringComparison.OrdinalIgnoreCase);
            var archive = Assert.IsType<InvalidDataException>(e.InnerException);
            Assert.Contains("Central Directory", archive.Message, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void ADamagedWeightFailsTheChecksumInsteadOfLoadingSilently()
    {
        string damaged = Path.Combine(_folder, "damaged.zip");
        File.Copy(_saved.Path, damaged);
        using (ZipArchive zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
            ZipArchiveEntry entry = zip.Entries.Where(e => e.FullName.EndsWith("Model.key", StringComparison.Ordinal) || e.FullName.Contains("Model/"))
                .OrderByDescending(e => e.Length).First();
            byte[] content;
            using (var stream = entry.Open())
            using (var memory = new MemoryStream())
            {
                stream.CopyTo(memory);
                content = memory.ToArray();
            }
            content[content.Length / 2] ^= 0x40;
            entry.Delete();
            ZipArchiveEntry replacement = zip.CreateEntry(entry.FullName);
            using var output = replacement.Open();
            output.Write(content);
        }
        var e = Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(damaged, out _));
        // The header is intact, so our loader runs and the weights' checksum catches the flipped bit.
        var damage = Assert.IsType<InvalidDataException>(Innermost(e));
        Assert.Contains("checksum mismatch", damage.Message);
        Assert.Contains("damaged", damage.Message);
    }

    [Fact]
    public void ATruncatedNetworkEntryFailsMLNetsHeaderCheck()
    {
        string damaged = Path.Combine(_folder, "short-entry.zip");
        File.Copy(_saved.Path, damaged);
        using (ZipArchive zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
            // The network's weights make its entry the largest one in the archive.
            ZipArchiveEntry entry = zip.Entries.OrderByDescending(e => e.Length).First();
            byte[] content;
            using (var stream = entry.Open())
            using (var memory = new MemoryStream())
            {
                stream.CopyTo(memory);
                content = memory.ToArray();
            }
            entry.Delete();
            using var output = zip.CreateEntry(entry.FullName).Open();
            output.Write(content.AsSpan(0, content.Length / 3));
        }
        var e = Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(damaged, out _));
        // ML.NET checks each entry's header against the entry's length before it looks for the loader, so our loader's
        // "the saved network is truncated" message is not reached: the innermost error is ML.NET's generic FormatException.
        Exception innermost = Innermost(e);
        Assert.IsType<FormatException>(innermost);
        // Thrown by ML.NET's reading of the entry's header (ModelHeader.BeginRead, or ModelLoadContext's constructor when
        // the JIT inlines it there), not by our loader.
        string thrower = innermost.StackTrace!.Split('\n')[0].Trim();
        Assert.Matches(@"^at Microsoft\.ML\.(ModelHeader|ModelLoadContext)", thrower);
    }

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static Assembly[] OurAssemblies => [typeof(MulticlassNetworkModelParameters).Assembly, typeof(StandardizeSequenceTransformer).Assembly];

    private static string MLNetVersionIn(string folder) =>
        FileVersionInfo.GetVersionInfo(Path.Combine(folder, "Microsoft.ML.Data.dll")).ProductVersion!.Split('+')[0];

    /// <summary>
    /// "Type: load names (signatures)" for each class of ours in <paramref name="catalog"/> that ML.NET can construct
    /// for loading. ML.NET lists a catalog's classes only internally, hence the reflection.
    /// </summary>
    private static string[] OurLoadableClasses(ComponentCatalog catalog)
    {
        MethodInfo getAllClasses = typeof(ComponentCatalog).GetMethod("GetAllClasses", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException("ML.NET's ComponentCatalog.GetAllClasses is gone; update this test.");
        return ((Array)getAllClasses.Invoke(catalog, null)!).Cast<object>()
            .Where(info => OurAssemblies.Contains(Property<Type>(info, "Type").Assembly))
            .Where(info => Property<object?>(info, "Constructor") is not null || Property<object?>(info, "CreateMethod") is not null)
            .Select(info => $"{Property<Type>(info, "Type").Name}: {string.Join(", ", Property<IEnumerable<string>>(info, "LoadNames"))} " +
                $"({string.Join(", ", Property<IEnumerable<Type>>(info, "SignatureTypes").Select(t => t.Name))})")
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private static T Property<T>(object owner, string name) =>
        (T)(owner.GetType().GetProperty(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"ML.NET's {owner.GetType().Name}.{name} is gone; update this test.")).GetValue(owner)!;

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
