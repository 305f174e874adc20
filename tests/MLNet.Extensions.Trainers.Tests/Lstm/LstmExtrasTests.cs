using Microsoft.ML;
using MLNet.Extensions.Kernels.Primitives;
using MLNet.Extensions.TestUtilities;
using MLNet.Extensions.Trainers.Lstm;

namespace MLNet.Extensions.Trainers.Tests.Lstm;

/// <summary>Trailing per-sequence features, options as plain data, and an LSTM model loaded in another process.</summary>
public class LstmExtrasTests
{
    public sealed class Row
    {
        public float[] Values { get; set; } = [];
        public float Target { get; set; }
    }

    /// <summary>
    /// Four steps of one feature then one trailing feature s; the target is s times the first step, so the model must
    /// use both the sequence and the trailing feature.
    /// </summary>
    private static Row[] Rows(int count, ulong seed)
    {
        var random = new KernelRandom(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var values = Enumerable.Range(0, 5).Select(_ => random.NextSingle() * 2 - 1).ToArray();
            values[4] = random.NextSingle() > 0.5f ? 1f : -1f;
            return new Row { Values = values, Target = values[4] * values[0] };
        }).ToArray();
    }

    private static LstmOptions Options() => new()
    {
        FeatureColumnName = nameof(Row.Values),
        LabelColumnName = nameof(Row.Target),
        FeaturesPerStep = 1,
        TrailingFeatures = 1,
        VariableLength = true,
        HiddenSize = 16,
        DenseUnits = 16,
        Epochs = 12,
        BatchSize = 16,
        LearningRate = 5e-3f,
        Seed = 2,
    };

    [Fact]
    public void TrailingFeaturesJoinTheLastHiddenState()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Rows(1000, 1));
        IDataView test = mlContext.Data.LoadFromEnumerable(Rows(200, 2));
        var model = mlContext.Regression.Trainers.Lstm(Options()).Fit(train);
        var metrics = mlContext.Regression.Evaluate(model.Transform(test), labelColumnName: nameof(Row.Target));
        Assert.True(metrics.RSquared > 0.8, $"R^2 {metrics.RSquared:F3}");
        Assert.Contains("1 trailing", model.Model.Layers[0]);
    }

    [Fact]
    public void OptionsArePlainData()
    {
        LstmOptions a = Options(), b = Options();
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        LstmOptions c = a with { HiddenSize = 32 };
        Assert.NotEqual(a, c);
        Assert.Contains("HiddenSize = 32", c.ToString());
        var cnn = new MLNet.Extensions.Trainers.Cnn.CnnOptions { Layers = MLNet.Extensions.Trainers.Cnn.CnnOptions.DefaultLayers };
        Assert.Equal(cnn, new MLNet.Extensions.Trainers.Cnn.CnnOptions { Layers = new MLNet.Extensions.Trainers.Network.Specs.LayerStack(MLNet.Extensions.Trainers.Cnn.CnnOptions.DefaultLayers.ToArray()) });
        Assert.Contains("conv(32, 3x3", cnn.ToString());
    }

    [Fact]
    public void AnLstmModelLoadsInAnotherProcessBitIdentically()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = mlContext.Data.LoadFromEnumerable(Rows(200, 3));
        var model = mlContext.Regression.Trainers.Lstm(Options() with { Epochs = 1 }).Fit(train);
        string folder = Directory.CreateTempSubdirectory("mlnet-ext-lstm-").FullName;
        try
        {
            string path = Path.Combine(folder, "lstm.zip");
            mlContext.Model.Save(model, train.Schema, path);
            IDataView test = mlContext.Data.LoadFromEnumerable(Rows(30, 4));
            Assert.Equal(LoadProbe.ScoreHere(model.Transform(test), "Score"), LoadProbe.Score(mlContext, path, test, "Score"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
