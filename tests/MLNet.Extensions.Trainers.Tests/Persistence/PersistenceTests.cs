using System.IO.Compression;
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

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string AllMessages(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + AllMessages(e.InnerException);

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
