using System.Text;
using Microsoft.ML;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Transforms.Persistence;

namespace MLNet.Extensions.Trainers.Tests.Trust;

/// <summary>
/// What each integrity measure guarantees on its own: checksums over every payload byte, sizes checked before
/// allocating, byte-identical saves, and <see cref="ModelFile.Verify(Stream)"/> over ML.NET's entries.
/// </summary>
public sealed class IntegrityTests : IClassFixture<TinyModels>
{
    private readonly TinyModels _models;

    public IntegrityTests(TinyModels models) => _models = models;

    [Fact]
    public void AFlippedBitAnywhereInOurPayloadsIsReportedAsDamageNamingTheComponent()
    {
        // Fields that once loaded silently with another value (activation kind, every-step flag, forecaster mean) sit in
        // these payloads; every bit of the first 64 bytes and a spread of the rest must now fail the checksum.
        int checkedFlips = 0, payloads = 0;
        foreach (TinyModels.Saved saved in _models.All)
        {
            var entries = ModelZip.Entries(saved.File);
            for (int e = 0; e < entries.Count; e++)
            {
                var payload = ModelZip.FindPayload(entries[e].Content, ModelZip.Columns("Pixels", "Pixels"));
                if (payload is null)
                    continue;
                payloads++;
                string component = Encoding.ASCII.GetString(entries[e].Content).Contains("MLNetExtStandardizeSeq")
                    ? "StandardizeSequenceTransformer"
                    : saved.Name.StartsWith("forecaster", StringComparison.Ordinal) ? "LstmForecastingTransformer" : "NetworkModel";
                var ml = new MLContext();
                foreach (int offset in Enumerable.Range(0, 64).Concat(Enumerable.Range(1, 15).Select(k => payload.Value.Length * k / 16))
                             .Where(o => o < payload.Value.Length).Distinct())
                {
                    byte[] content = (byte[])entries[e].Content.Clone();
                    content[payload.Value.Start + offset] ^= (byte)(1 << (offset % 8));
                    var copy = entries.ToList();
                    copy[e] = (entries[e].Name, content);
                    var error = Assert.ThrowsAny<Exception>(() => ml.Model.Load(new MemoryStream(ModelZip.Zip(copy)), out _));
                    Assert.True(Innermost(error) is InvalidDataException, $"{saved.Name} {entries[e].Name} payload byte {offset}: {Innermost(error)}");
                    var damage = (InvalidDataException)Innermost(error);
                    Assert.Contains("checksum mismatch", damage.Message);
                    Assert.Contains("damaged", damage.Message);
                    Assert.Contains(component, damage.Message);
                    checkedFlips++;
                }
            }
        }
        // Two entries of ours in the CNN pipeline (the standardization payload is 24 bytes), one in each of the others.
        Assert.Equal(5, payloads);
        Assert.True(checkedFlips > 24 + 4 * 64, $"{checkedFlips} flips checked");
    }

    [Fact]
    public void APayloadLongerThanItsEntryIsRefusedBeforeItIsAllocated()
    {
        var bytes = new MemoryStream();
        var writer = new BinaryWriter(bytes);
        writer.Write(1 << 30);
        writer.Write(new byte[100]);
        bytes.Position = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => ChecksummedPayload.Read(new BinaryReader(bytes), "Test entry"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 10);
        Assert.Contains("Test entry", e.Message);
        Assert.Contains("damaged", e.Message);
    }

    [Fact]
    public void FloatAndHistoryCountsBeyondTheBytesLeftAreRefusedBeforeAllocating()
    {
        foreach (Action<BinaryReader> read in new Action<BinaryReader>[]
                 {
                     r => FloatBlock.Read(r, "test block"),
                     r => TrainingHistoryFormat.Read(r),
                 })
        {
            var bytes = new MemoryStream();
            new BinaryWriter(bytes).Write(1_000_000);
            bytes.Write(new byte[64]);
            bytes.Position = 0;
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Throws<InvalidDataException>(() => read(new BinaryReader(bytes)));
            // 1,000,000 floats or history records would be 4 MB or 8 MB.
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 256 << 10);
        }
    }

    [Fact]
    public void ASequenceLengthThatWouldTakeGigabytesToScoreIsRefusedAtLoad()
    {
        // An LSTM's parameters do not depend on the sequence length, so the parameter-count check cannot catch a window of
        // 1,000,000 steps; the one-row workspace bound does, before the first scored row allocates it.
        var network = new NeuralNetwork(new InputLayout(TensorShape.Sequence(6, 1)),
            RecurrentStack.Build(RecurrentStack.Lstm, 1, 8, bidirectional: false, dropout: 0, trailing: 0, dense: 0, outputs: 1, everyStep: false));
        var bytes = new MemoryStream();
        NetworkFormat.Write(new BinaryWriter(bytes), network);
        byte[] saved = bytes.ToArray();
        BitConverter.TryWriteBytes(saved.AsSpan(8, 4), 1_000_000); // version, channels, then height = steps
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => NetworkFormat.Read(new BinaryReader(new MemoryStream(saved))));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("score one row", e.Message);
        // The same network at its real length loads.
        BitConverter.TryWriteBytes(saved.AsSpan(8, 4), 6);
        Assert.Equal(network.Sequential.ParameterCount, NetworkFormat.Read(new BinaryReader(new MemoryStream(saved))).Sequential.ParameterCount);
    }

    [Fact]
    public void TheSameTrainingTwiceSavesToTheSameBytes()
    {
        // Timings (samples/s, elapsed) differ between runs; they are kept in memory but not saved.
        var first = new MLContext(seed: 1);
        var second = new MLContext(seed: 1);
        IDataView data = TinyModels.ImageData(first, 60, 1);
        byte[] a = TinyModels.Bytes(first, TinyModels.CnnPipeline(first).Fit(data), data.Schema);
        ITransformer model = TinyModels.CnnPipeline(second).Fit(data);
        byte[] b = TinyModels.Bytes(second, model, data.Schema);
        byte[] c = TinyModels.Bytes(second, model, data.Schema);
        var entriesA = ModelZip.Entries(a);
        foreach (byte[] other in new[] { b, c })
        {
            var entries = ModelZip.Entries(other);
            Assert.Equal(entriesA.Select(e => e.Name), entries.Select(e => e.Name));
            for (int i = 0; i < entries.Count; i++)
                Assert.True(entriesA[i].Content.AsSpan().SequenceEqual(entries[i].Content), $"entry {entries[i].Name} differs");
        }
        var history = ((IEnumerable<ITransformer>)model).OfType<MulticlassNetworkPredictionTransformer>().Single().Model.TrainingHistory;
        Assert.All(history, p => Assert.True(p.SamplesPerSecond > 0));
    }

    [Fact]
    public void VerifyCatchesDamageInMLNetsSchemaEntryThatLoadWouldNotSee()
    {
        ModelFile.Verify(new MemoryStream(_models.Cnn.File));
        byte[] file = (byte[])_models.Cnn.File.Clone();
        // The zip's local header for "Schema": signature, 26 bytes of fields (name and extra lengths at 26 and 28), the name.
        int header = IndexOf(file, [0x50, 0x4B, 0x03, 0x04, .. new byte[22]], "Schema");
        int data = header + 30 + BitConverter.ToUInt16(file, header + 26) + BitConverter.ToUInt16(file, header + 28);
        int compressed = BitConverter.ToInt32(file, header + 18);
        file[data + compressed / 2] ^= 0x10;
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Verify(new MemoryStream(file)));
        Assert.Contains("'Schema'", e.Message);
        Assert.Contains("damaged", e.Message);
    }

    private static int IndexOf(byte[] file, byte[] signature, string name)
    {
        byte[] nameBytes = Encoding.ASCII.GetBytes(name);
        for (int p = 0; p + 30 + nameBytes.Length <= file.Length; p++)
        {
            if (file.AsSpan(p, 4).SequenceEqual(signature.AsSpan(0, 4)) && BitConverter.ToUInt16(file, p + 26) == nameBytes.Length
                && file.AsSpan(p + 30, nameBytes.Length).SequenceEqual(nameBytes))
                return p;
        }
        throw new InvalidOperationException($"No local header for {name}.");
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);
}
