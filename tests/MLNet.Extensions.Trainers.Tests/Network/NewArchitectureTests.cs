using Microsoft.ML;
using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Kernels.Convolution;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Tests.Lstm;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Network;

/// <summary>
/// Stacks the one network makes possible, each trained through its ML.NET trainer on data with a known answer, then
/// saved and scored bit-identically by a fresh process.
/// </summary>
public sealed class NewArchitectureTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mlnet-ext-arch-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AConvolutionFeedingAnLstmTrainsOnDigitsAndReloads()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = Digits.ImageView(mlContext, 0, 600);
        IDataView test = Digits.ImageView(mlContext, 9000, 200);
        var options = new CnnOptions
        {
            FeatureColumnName = "Pixels",
            Layers = new LayerStack(
                new Conv2dSpec(8, 3, Padding: 1), new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max),
                new ToSequenceSpec(), new LstmSpec(32)),
            Epochs = 4, BatchSize = 32, LearningRate = 3e-3f, Seed = 3,
        };
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(options)).Fit(train);
        Assert.Contains(model.LastTransformer.Model.Layers, line => line.StartsWith("lstm 32"));
        double accuracy = mlContext.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        // Measured 0.810 (seed 3); chance is 0.1. Margin 0.09 for rounding differences across SIMD widths and machines.
        Assert.True(accuracy > 0.72, $"accuracy {accuracy:F3}");
        AssertReloadsBitIdentically(mlContext, model, train, test);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AGruClassifierLearnsWhichPulseIsLargestAndReloads(bool bidirectional)
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Sequences.Make(600, 6, 6, 1));
        IDataView test = mlContext.Data.LoadFromEnumerable(Sequences.Make(200, 6, 6, 2));
        var options = new LstmOptions
        {
            FeatureColumnName = nameof(SequenceRow.Values), FeaturesPerStep = 2, VariableLength = true, Cell = RecurrentKind.Gru, HiddenSize = 16,
            Bidirectional = bidirectional, LayerCount = bidirectional ? 2 : 1, Epochs = 12, BatchSize = 32, LearningRate = 1e-2f, Seed = 2,
        };
        var model = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(SequenceRow.Class))
            .Append(mlContext.MulticlassClassification.Trainers.Lstm(options)).Fit(train);
        Assert.Contains(model.LastTransformer.Model.Layers, line => line.StartsWith(bidirectional ? "bidirectional gru 16" : "gru 16"));
        double accuracy = mlContext.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        // Measured 1.000 for both (seed 2); chance is 0.33; margin 0.1.
        Assert.True(accuracy > 0.9, $"accuracy {accuracy:F3}");
        AssertReloadsBitIdentically(mlContext, model, train, test);
    }

    [Fact]
    public void AConv1dSequenceRegressorLearnsALinearFilterAndReloads()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(FilterRows(800, 1));
        IDataView test = mlContext.Data.LoadFromEnumerable(FilterRows(200, 2));
        var options = new LstmOptions
        {
            FeatureColumnName = nameof(FilterRow.Values), LabelColumnName = nameof(FilterRow.Target), FeaturesPerStep = 2,
            Layers = new LayerStack(new Conv1dSpec(8, 3, Padding: Conv1dPaddingMode.Same), new GlobalPoolingSpec(PoolingKind.Average)),
            Epochs = 30, BatchSize = 32, LearningRate = 1e-2f, GradientClipNorm = 0, Seed = 4,
        };
        var model = mlContext.Regression.Trainers.Lstm(options).Fit(train);
        Assert.Contains(model.Model.Layers, line => line.StartsWith("conv1d 8@3"));
        double r2 = mlContext.Regression.Evaluate(model.Transform(test), labelColumnName: nameof(FilterRow.Target)).RSquared;
        // The target is linear in the inputs, so conv -> average -> dense can fit it exactly. Measured R² 0.9999-1.0000 over seeds 4-6; margin 0.01.
        Assert.True(r2 > 0.99, $"R² {r2:F4}");
        AssertReloadsBitIdentically(mlContext, model, train, test);
    }

    /// <summary>12 steps of 2 features; target = 3 · mean over t of (2·x[t, 0] − x[t − 1, 1]): a linear filter two steps wide.</summary>
    private static FilterRow[] FilterRows(int count, ulong seed)
    {
        var random = new Kernels.Primitives.KernelRandom(seed);
        var rows = new FilterRow[count];
        for (int r = 0; r < count; r++)
        {
            var values = new float[24];
            for (int i = 0; i < values.Length; i++)
                values[i] = random.NextSingle() * 2 - 1;
            double sum = 0;
            for (int t = 1; t < 12; t++)
                sum += 2 * values[t * 2] - values[(t - 1) * 2 + 1];
            rows[r] = new FilterRow { Values = values, Target = (float)(3 * sum / 11) };
        }
        return rows;
    }

    /// <summary>A fixed-length sequence and its real target.</summary>
    public sealed class FilterRow
    {
        [Microsoft.ML.Data.VectorType(24)]
        public float[] Values { get; set; } = [];

        public float Target { get; set; }
    }

    private void AssertReloadsBitIdentically(MLContext mlContext, ITransformer model, IDataView train, IDataView test)
    {
        string path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".zip");
        mlContext.Model.Save(model, train.Schema, path);
        Assert.Equal(LoadProbe.ScoreHere(model.Transform(test), "Score"), LoadProbe.Score(mlContext, path, test, "Score"));
    }
}
