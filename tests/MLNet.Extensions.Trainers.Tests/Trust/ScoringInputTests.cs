using Microsoft.ML;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Featurization;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Transforms.Sequences;

namespace MLNet.Extensions.Trainers.Tests.Trust;

/// <summary>
/// Scoring checks what training checks: non-finite values, partial and empty sequences and wrong sizes fail naming the
/// column (and the row where a cursor knows it) in Transform, PredictionEngine, the featurizer, the forecaster and
/// SlidingWindow, unless the user asked for NaN outputs.
/// </summary>
public sealed class ScoringInputTests : IClassFixture<TinyModels>
{
    private readonly TinyModels _models;

    public ScoringInputTests(TinyModels models) => _models = models;

    /// <summary>A multiclass score row.</summary>
    public sealed class ClassScores
    {
        public float[] Score { get; set; } = [];
    }

    /// <summary>A variable-length sequence with a real label.</summary>
    public sealed class VariableSequence
    {
        public float[] Steps { get; set; } = [];

        public float Label { get; set; }
    }

    /// <summary>A binary score row.</summary>
    public sealed class BinaryScore
    {
        public float Score { get; set; }
    }

    public static TheoryData<float> NonFinite() => new() { float.NaN, float.PositiveInfinity, float.NegativeInfinity };

    [Theory]
    [MemberData(nameof(NonFinite))]
    public void ANonFinitePixelFailsInTransformAndPredictionEngineNamingTheColumn(float bad)
    {
        var ml = new MLContext(seed: 1);
        ITransformer model = ml.Model.Load(new MemoryStream(_models.Cnn.File), out _);
        TinyImage[] rows = TinyModels.Images(4, 9);
        rows[2].Pixels[17] = bad;
        // StandardizeSequence passes the value on; the network's scorer is where it must be caught.
        var transform = Assert.ThrowsAny<Exception>(() => model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray());
        AssertMentions(transform, "'Pixels'", "non-finite", "slot 17", "ScoreNonFiniteAsNaN");
        var engine = ml.Model.CreatePredictionEngine<TinyImage, ClassScores>(model);
        var predict = Assert.ThrowsAny<Exception>(() => engine.Predict(rows[2]));
        AssertMentions(predict, "'Pixels'", "non-finite");
        Assert.Equal(3, engine.Predict(rows[1]).Score.Length);
    }

    [Fact]
    public void ScoreNonFiniteAsNaNGivesNaNScoresAndIsSavedWithTheModel()
    {
        var ml = new MLContext(seed: 1);
        IDataView train = TinyModels.ImageData(ml, 30, 1);
        var options = TinyModels.CnnOptions() with { Epochs = 1, ScoreNonFiniteAsNaN = true };
        ITransformer model = ml.MulticlassClassification.Trainers.Cnn(options).Fit(train);
        ITransformer loaded = ml.Model.Load(new MemoryStream(TinyModels.Bytes(ml, model, train.Schema)), out _);
        TinyImage[] rows = TinyModels.Images(3, 9);
        rows[1].Pixels[0] = float.NaN;
        foreach (ITransformer m in new[] { model, loaded })
        {
            float[][] scores = m.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score").ToArray();
            Assert.All(scores[1], s => Assert.True(float.IsNaN(s)));
            Assert.All(scores[0].Concat(scores[2]), s => Assert.True(float.IsFinite(s)));
        }
    }

    [Fact]
    public void AVariableLengthSequenceMustHoldWholeStepsAndAtLeastOne()
    {
        var ml = new MLContext(seed: 1);
        var rows = TinyModels.Sequences(20, 3).Select((r, i) => new VariableSequence { Steps = r.Steps[..(i % 2 == 0 ? 12 : 8)], Label = r.Label ? 1 : 0 }).ToArray();
        var options = TinyModels.GruOptions() with { VariableLength = true, Epochs = 1 };
        // A binary classifier cannot take variable-length input (ML.NET's binary scorer); it says so before training.
        var binary = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.Lstm(options));
        AssertMentions(binary, "VariableLength", "multiclass");
        ITransformer model = ml.Regression.Trainers.Lstm(options).Fit(ml.Data.LoadFromEnumerable(rows));
        var engine = ml.Model.CreatePredictionEngine<VariableSequence, BinaryScore>(model);
        Assert.True(float.IsFinite(engine.Predict(new VariableSequence { Steps = rows[0].Steps[..6] }).Score));
        foreach (int length in new[] { 7, 0, 14 })
        {
            var e = Assert.ThrowsAny<Exception>(() => engine.Predict(new VariableSequence { Steps = new float[length] }));
            AssertMentions(e, "'Steps'", $"has {length} values", "whole steps of 2");
        }
    }

    [Fact]
    public void TheFeaturizerNamesItsColumnAndRowForANonFiniteValue()
    {
        var ml = new MLContext(seed: 1);
        IDataView train = TinyModels.ImageData(ml, 30, 1);
        var trained = ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions() with { Epochs = 1 }).Fit(train);
        TinyImage[] rows = TinyModels.Images(5, 9);
        rows[3].Pixels[5] = float.PositiveInfinity;
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        var featurizer = ml.Transforms.FeaturizeByNetwork(trained.Model, "Learned", nameof(TinyImage.Pixels)).Fit(data);
        var e = Assert.ThrowsAny<Exception>(() => featurizer.Transform(data).GetColumn<float[]>("Learned").ToArray());
        AssertMentions(e, "'Pixels'", "row 3", "slot 5", "non-finite");
    }

    [Fact]
    public void TheForecasterFailsAtTheRowOfANonFiniteValueUnlessAskedForNaN()
    {
        var ml = new MLContext(seed: 1);
        IDataView train = TinyModels.SeriesData(ml, 60);
        float[] series = train.GetColumn<float>("Value").ToArray();
        series[20] = float.NaN;
        IDataView scored = ml.Data.LoadFromEnumerable(series.Select(v => new TinyPoint { Value = v }));
        LstmForecastingTransformer strict = ml.Forecasting.ForecastByLstm(TinyModels.ForecastOptions()).Fit(train);
        var e = Assert.ThrowsAny<Exception>(() => strict.Transform(scored).GetColumn<float[]>("Forecast").ToArray());
        AssertMentions(e, "'Value'", "row 20", "non-finite");

        LstmForecastingTransformer lenient = ml.Forecasting.ForecastByLstm(TinyModels.ForecastOptions() with { ScoreNonFiniteAsNaN = true }).Fit(train);
        var loaded = (LstmForecastingTransformer)ml.Model.Load(new MemoryStream(TinyModels.Bytes(ml, lenient, train.Schema)), out _);
        float[][] forecasts = loaded.Transform(scored).GetColumn<float[]>("Forecast").ToArray();
        Assert.True(float.IsNaN(forecasts[20][0]));
        Assert.True(float.IsFinite(forecasts[40][0]));
    }

    [Fact]
    public void TheForecasterRefusesABoundColumnNamedLikeTheOutput()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            ml.Forecasting.ForecastByLstm(TinyModels.ForecastOptions() with { LowerBoundColumnName = "Forecast" }));
        AssertMentions(e, "LowerBoundColumnName", "distinct");
    }

    [Fact]
    public void SlidingWindowRejectsNaNByDefaultAndPassesItWhenAllowed()
    {
        var ml = new MLContext(seed: 1);
        float[] series = Enumerable.Range(0, 20).Select(i => (float)i).ToArray();
        series[9] = float.NaN;
        IDataView data = ml.Data.LoadFromEnumerable(series.Select(v => new TinyPoint { Value = v }));
        var options = new SlidingWindowOptions { WindowSize = 3, TargetColumnName = "Target" };
        var strict = ml.Transforms.SlidingWindow(options).Fit(data);
        var e = Assert.ThrowsAny<Exception>(() => strict.Transform(data).GetColumn<float[]>("Window").ToArray());
        AssertMentions(e, "'Value'", "row 9", "AllowNonFiniteValues");
        var allowed = ml.Transforms.SlidingWindow(options with { AllowNonFiniteValues = true }).Fit(data);
        var reloaded = ml.Model.Load(new MemoryStream(TinyModels.Bytes(ml, allowed, data.Schema)), out _);
        Assert.Contains(reloaded.Transform(data).GetColumn<float[]>("Window"), w => w.Any(float.IsNaN));
    }

    private static void AssertMentions(Exception error, params string[] parts)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
            messages.Add(e.Message);
        string all = string.Join(" | ", messages);
        foreach (string part in parts)
            Assert.True(all.Contains(part, StringComparison.Ordinal), $"'{part}' not in: {all}");
    }
}
