using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Tests.Support;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Cnn;

/// <summary>The multiclass CNN trainer end to end: fit, evaluate, prediction engine, save/load, determinism.</summary>
public class CnnMulticlassTests : IClassFixture<CnnMulticlassTests.TrainedModel>
{
    private readonly TrainedModel _trained;

    public CnnMulticlassTests(TrainedModel trained) => _trained = trained;

    /// <summary>One model trained once for the whole class (training is the slow part).</summary>
    public sealed class TrainedModel
    {
        public TrainedModel()
        {
            MLContext = new MLContext(seed: 1);
            Train = Digits.ImageView(MLContext, 0, 1200);
            Test = Digits.ImageView(MLContext, 9000, 400);
            var pipeline = MLContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
                .Append(MLContext.MulticlassClassification.Trainers.Cnn(CnnTestNetworks.Options(), p => Progress.Add(p)));
            Model = pipeline.Fit(Train);
        }

        public MLContext MLContext { get; }
        public IDataView Train { get; }
        public IDataView Test { get; }
        public TransformerChain<MulticlassNetworkPredictionTransformer> Model { get; }
        public List<TrainingProgress> Progress { get; } = [];
    }

    [Fact]
    public void LearnsDigitsWellAboveChance()
    {
        var metrics = _trained.MLContext.MulticlassClassification.Evaluate(_trained.Model.Transform(_trained.Test));
        Assert.True(metrics.MicroAccuracy > 0.85, $"accuracy {metrics.MicroAccuracy:F3}");
        Assert.True(metrics.LogLoss < 0.6, $"log-loss {metrics.LogLoss:F3}");
    }

    [Fact]
    public void ReportsProgressEveryEpochWithFallingLoss()
    {
        Assert.Equal(3, _trained.Progress.Count);
        Assert.Equal([1, 2, 3], _trained.Progress.Select(p => p.Epoch));
        Assert.True(_trained.Progress[^1].TrainLoss < _trained.Progress[0].TrainLoss);
        Assert.All(_trained.Progress, p => Assert.True(p.SamplesPerSecond > 0));
        Assert.Equal(_trained.Progress, _trained.Model.LastTransformer.Model.TrainingHistory);
    }

    [Fact]
    public void ExposesTheNetwork()
    {
        MulticlassNetworkModelParameters model = _trained.Model.LastTransformer.Model;
        Assert.Equal(10, model.ClassCount);
        Assert.Equal(784, model.InputSize);
        Assert.Equal(32, model.FeatureSize);
        // conv 8: 8*9+8, conv 16: 16*8*9+16, bn: 32, dense 32: 32*16*7*7... avg pool 7x7 -> 784 inputs.
        int expected = (8 * 9 + 8) + (16 * 8 * 9 + 16) + 2 * 16 + (32 * 16 * 7 * 7 + 32) + (10 * 32 + 10);
        Assert.Equal(expected, model.ParameterCount);
        Assert.Equal("input (1, 28, 28)", model.Layers[0]);
        Assert.Contains(model.Layers, l => l.StartsWith("dense 10", StringComparison.Ordinal));
        Assert.Equal(32, model.Featurize(Digits.All[0].Pixels).Length);
    }

    [Fact]
    public void ScoresAreProbabilitiesWithLabelSlotNames()
    {
        IDataView scored = _trained.Model.Transform(_trained.Test);
        DataViewSchema.Column score = scored.Schema["Score"];
        // The digits are keys over uint values; ML.NET records them on the score column as the training label values.
        DataViewSchema.Column? labelValues = score.Annotations.Schema.GetColumnOrNull("TrainingLabelValues");
        Assert.NotNull(labelValues);
        Assert.Equal(10, ((VectorDataViewType)labelValues.Value.Type).Size);
        foreach (float[] row in scored.GetColumn<float[]>("Score").Take(20))
            Assert.Equal(1.0, row.Sum(), 3);
    }

    [Fact]
    public void SaveAndLoadGivesBitIdenticalScores()
    {
        using var stream = new MemoryStream();
        _trained.MLContext.Model.Save(_trained.Model, _trained.Train.Schema, stream);
        stream.Position = 0;
        var fresh = new MLContext();
        ITransformer loaded = fresh.Model.Load(stream, out DataViewSchema inputSchema);
        Assert.NotNull(inputSchema.GetColumnOrNull("Pixels"));
        float[][] before = _trained.Model.Transform(_trained.Test).GetColumn<float[]>("Score").ToArray();
        float[][] after = loaded.Transform(_trained.Test).GetColumn<float[]>("Score").ToArray();
        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++)
            Assert.Equal(before[i], after[i]);
    }

    [Fact]
    public void PredictionEnginesAgreeWithTransformAcrossThreads()
    {
        DigitRow[] rows = Digits.Rows(9000, 64);
        var first = _trained.MLContext.Model.CreatePredictionEngine<DigitRow, ScoreRow>(_trained.Model, inputSchemaDefinition: Digits.ImageSchema());
        float[][] expected = rows.Select(r => first.Predict(r).Score).ToArray();
        // Transform scores blocks as one batch (another summation order): within 1e-5 relative of the single-row path.
        float[][] batched = _trained.Model.Transform(_trained.Test).GetColumn<float[]>("Score").Take(64).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            for (int c = 0; c < expected[i].Length; c++)
                Assert.True(Math.Abs(expected[i][c] - batched[i][c]) <= 1e-5f * Math.Max(Math.Abs(expected[i][c]), 1e-3f), $"row {i}, class {c}");
        }
        Parallel.For(0, 4, worker =>
        {
            var engine = _trained.MLContext.Model.CreatePredictionEngine<DigitRow, ScoreRow>(_trained.Model, inputSchemaDefinition: Digits.ImageSchema());
            for (int i = worker; i < rows.Length; i += 4)
                Assert.Equal(expected[i], engine.Predict(rows[i]).Score);
        });
    }

    [Fact]
    public void SameSeedGivesTheSameModel()
    {
        var mlContext = new MLContext(seed: 1);
        IDataView train = Digits.ImageView(mlContext, 0, 200);
        var options = CnnTestNetworks.Options(epochs: 1);
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", nameof(DigitRow.Digit))
            .Append(mlContext.MulticlassClassification.Trainers.Cnn(options));
        float[] first = pipeline.Fit(train).LastTransformer.Model.Featurize(Digits.All[5].Pixels);
        float[] second = pipeline.Fit(train).LastTransformer.Model.Featurize(Digits.All[5].Pixels);
        Assert.Equal(first, second);
    }

    /// <summary>Score output of the prediction engine.</summary>
    public sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
        public uint PredictedLabel { get; set; }
    }
}
