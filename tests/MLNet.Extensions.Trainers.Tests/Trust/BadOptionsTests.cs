using Microsoft.ML;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Trust;

/// <summary>
/// Options and columns that cannot work fail first with our messages, which name the option or column and the fix:
/// sizes that would overflow or not fit in memory, a label that is not a key, Boolean or Single, a shift larger than the image.
/// </summary>
public sealed class BadOptionsTests
{
    /// <summary>A row with a string label (MapValueToKey forgotten) and a double regression target.</summary>
    public sealed class RawRow
    {
        [VectorType(64)]
        public float[] Pixels { get; set; } = [];

        public string Label { get; set; } = "";

        public double Target { get; set; }
    }

    private static IDataView RawData(MLContext ml) => ml.Data.LoadFromEnumerable(TinyModels.Images(20, 1)
        .Select(r => new RawRow { Pixels = r.Pixels, Label = $"class {r.Label}", Target = r.Label }));

    /// <summary>ML.NET's SchemaShape.Create (internal to ML.NET; pipelines call it before GetOutputSchema).</summary>
    private static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)(typeof(SchemaShape).GetMethod("Create", System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, [typeof(DataViewSchema)])
            ?? throw new InvalidOperationException("ML.NET's SchemaShape.Create is gone; update this test.")).Invoke(null, [schema])!;

    [Fact]
    public void ALabelThatIsNotAKeyGetsOurMessageInGetOutputSchemaAndFit()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = RawData(ml);
        var trainer = ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions());
        var schema = Assert.ThrowsAny<ArgumentException>(() => trainer.GetOutputSchema(Shape(data.Schema)));
        Assert.Contains("MapValueToKey", schema.Message);
        IEstimator<ITransformer> pipeline = ml.Transforms.CopyColumns("Copy", "Pixels").Append(trainer);
        var fit = Assert.ThrowsAny<ArgumentException>(() => pipeline.Fit(data));
        Assert.Contains("MapValueToKey", fit.Message);
        Assert.Contains("'Label'", fit.Message);
    }

    [Fact]
    public void ADoubleRegressionTargetAndANonBooleanBinaryLabelNameTheConversion()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = RawData(ml);
        var regression = ml.Regression.Trainers.Cnn(TinyModels.CnnOptions() with { LabelColumnName = "Target" });
        var target = Assert.ThrowsAny<ArgumentException>(() => regression.Fit(data));
        Assert.Contains("ConvertType", target.Message);
        Assert.Contains("Double", target.Message);
        var binary = ml.BinaryClassification.Trainers.Cnn(TinyModels.CnnOptions());
        var label = Assert.ThrowsAny<ArgumentException>(() => binary.Fit(data));
        Assert.Contains("Boolean", label.Message);
    }

    [Fact]
    public void AHiddenSizeTooLargeIsRefusedWhenTheTrainerIsCreated()
    {
        var ml = new MLContext(seed: 1);
        var options = TinyModels.GruOptions() with { HiddenSize = 1 << 15, Cell = RecurrentKind.Lstm };
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm(options));
        Assert.Equal("HiddenSize", e.ParamName);
    }

    [Fact]
    public void ARecurrentLayerWhoseArraysWouldOverflowIsRefusedNamingHiddenSize()
    {
        // Within the Units limit, but 16384 units over 1,000,000 steps need more floats than an array holds.
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            new SequentialNetwork(TensorShape.Sequence(1_000_000, 1), [new LstmSpec(16_384), new DenseSpec(1)]));
        Assert.Contains("HiddenSize is 16384", e.Message);
    }

    [Fact]
    public void ABatchTooLargeForMemoryIsRefusedNamingBatchSize()
    {
        var ml = new MLContext(seed: 1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        // 2^28 images of 8x8 through a convolution: terabytes of activations on any machine.
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions() with { BatchSize = 1 << 28 }).Fit(TinyModels.ImageData(ml, 20, 1)));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 << 20);
        Assert.Equal("BatchSize", e.ParamName);
        Assert.Contains("GB", e.Message);
    }

    [Fact]
    public void TheMemoryEstimateNamesWhatDominates()
    {
        var layout = new InputLayout(TensorShape.Vector(1000));
        var wide = new LayerStack(new DenseSpec(1000), new DenseSpec(10));
        var options = TinyModels.CnnOptions() with { BatchSize = 4 };
        // 1,011,010 parameters x 5 copies x 4 bytes is about 20 MB; a batch of 4 is a few kB.
        long total = TrainingMemory.EstimateBytes(layout, wide, 4, out long parameters, out long activations);
        Assert.InRange(parameters, 20_000_000, 20_300_000);
        Assert.True(activations < 100_000);
        TrainingMemory.Check(layout, wide, options, "Layers", budgetBytes: total);
        var tooWide = Assert.Throws<ArgumentException>(() => TrainingMemory.Check(layout, wide, options, "Layers", budgetBytes: total - 1));
        Assert.Equal("Layers", tooWide.ParamName);
        var narrow = new LayerStack(new DenseSpec(10));
        var tooMany = Assert.Throws<ArgumentException>(() =>
            TrainingMemory.Check(layout, narrow, options with { BatchSize = 100_000 }, "Layers", budgetBytes: 64 << 20));
        Assert.Equal("BatchSize", tooMany.ParamName);
    }

    [Fact]
    public void ARandomShiftAsLargeAsTheImageNamesTheOption()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions() with { RandomShiftPixels = 8 }).Fit(TinyModels.ImageData(ml, 20, 1)));
        Assert.Equal("RandomShiftPixels", e.ParamName);
        Assert.Contains("8x8", e.Message);
    }

    /// <summary>An image with a real target.</summary>
    public sealed class ImageTarget
    {
        [VectorType(64)]
        public float[] Pixels { get; set; } = [];

        public float Label { get; set; }
    }

    [Fact]
    public void HugeFeaturesAreReportedAsAScalingProblemNotALearningRateOne()
    {
        var ml = new MLContext(seed: 1);
        var rows = TinyModels.Images(20, 1).Select(r => new ImageTarget { Pixels = r.Pixels.Select(p => p * 1e38f).ToArray(), Label = r.Label }).ToArray();
        var e = Assert.Throws<InvalidOperationException>(() =>
            ml.Regression.Trainers.Cnn(TinyModels.CnnOptions()).Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Contains("NormalizeMeanVariance", e.Message);
        Assert.DoesNotContain("LearningRate", e.Message);
    }
}
