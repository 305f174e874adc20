using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using Microsoft.ML;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Tests.Cnn;
using MLNet.Extensions.Trainers.Tests.Support;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Tests.Persistence;

/// <summary>
/// The persistence seam, checked the way it breaks: registration in a fresh ML.NET catalog, a load in another process
/// with no registration call, a model zip committed to the repository, and damaged files.
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
    public void OurAssembliesRegisterInAFreshCatalog()
    {
        foreach (var assembly in new[] { typeof(MulticlassNetworkModelParameters).Assembly, typeof(StandardizeSequenceTransformer).Assembly })
        {
            Assert.NotEmpty(assembly.GetTypes());
            new MLContext().ComponentCatalog.RegisterAssembly(assembly);
        }
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
    public void TheCommittedGoldenModelStillLoadsAndScoresIdentically()
    {
        string folder = Path.Combine(AppContext.BaseDirectory, "Golden");
        string modelPath = Path.Combine(folder, "cnn-multiclass-v1.zip"), expectedPath = Path.Combine(folder, "cnn-multiclass-v1.scores.txt");
        var mlContext = new MLContext(seed: 1);
        IDataView test = Digits.ImageView(mlContext, 9000, 20);
        if (Environment.GetEnvironmentVariable("MLNET_EXTENSIONS_REGENERATE_GOLDEN") == "1")
        {
            // Regenerates the files in the source tree: run once per format change, then commit them.
            string source = Path.Combine(MnistFolderRoot(), "tests", "MLNet.Extensions.Trainers.Tests", "Golden");
            File.Copy(_saved.Path, Path.Combine(source, "cnn-multiclass-v1.zip"), overwrite: true);
            File.WriteAllLines(Path.Combine(source, "cnn-multiclass-v1.scores.txt"), LoadProbe.ScoreHere(_saved.Model.Transform(test), "Score"));
            return;
        }
        ITransformer golden = new MLContext().Model.Load(modelPath, out _);
        // The file format must still read; the scores may differ in the last bits when a kernel changes its summation
        // order (same-build round trips are checked bit for bit elsewhere), so they are compared to 1e-5.
        string[] expected = File.ReadAllLines(expectedPath), actual = LoadProbe.ScoreHere(golden.Transform(test), "Score");
        Assert.Equal(expected.Length, actual.Length);
        for (int row = 0; row < expected.Length; row++)
        {
            float[] e = FromHex(expected[row]), a = FromHex(actual[row]);
            Assert.Equal(e.Length, a.Length);
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f, $"row {row}, class {i}: golden {e[i]}, now {a[i]}");
        }
    }

    [Fact]
    public void TruncatedEmptyAndForeignFilesSayWhatIsWrong()
    {
        byte[] bytes = File.ReadAllBytes(_saved.Path);
        string truncated = Write("truncated.zip", bytes[..(bytes.Length / 2)]);
        string empty = Write("empty.zip", []);
        string foreign = Write("foreign.zip", System.Text.Encoding.UTF8.GetBytes("this is not a model"));
        foreach (string path in new[] { truncated, empty, foreign })
        {
            var e = Assert.ThrowsAny<Exception>(() => new MLContext().Model.Load(path, out _));
            Assert.Contains("zip", AllMessages(e), StringComparison.OrdinalIgnoreCase);
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
        Assert.Matches("checksum|damaged|invalid|non-finite", AllMessages(e));
    }

    [Fact]
    public void ATruncatedNetworkEntrySaysSo()
    {
        string damaged = Path.Combine(_folder, "short-entry.zip");
        File.Copy(_saved.Path, damaged);
        using (ZipArchive zip = ZipFile.Open(damaged, ZipArchiveMode.Update))
        {
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
        Assert.Matches("truncated|ends after|Corrupt|invalid|format", AllMessages(e));
    }

    private static float[] FromHex(string line) =>
        line.Split(' ').Select(word => BitConverter.Int32BitsToSingle(Convert.ToInt32(word, 16))).ToArray();

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string MLNetVersionIn(string folder) =>
        FileVersionInfo.GetVersionInfo(Path.Combine(folder, "Microsoft.ML.Data.dll")).ProductVersion!.Split('+')[0];

    private static string MnistFolderRoot() => Directory.GetParent(Samples.MnistDigits.FindDataFolder())!.Parent!.FullName;

    private static string AllMessages(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + AllMessages(e.InnerException);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
