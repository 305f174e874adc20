using System.Globalization;
using Microsoft.ML;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Tests.Support;

namespace MLNet.Extensions.Trainers.Tests.Persistence;

/// <summary>
/// Model zips saved by earlier code (tests/MLNet.Extensions.GoldenMaker; see its README) must still load with a plain
/// <c>Model.Load</c> in a fresh MLContext and score as they did. Only the public API is used here, so the files keep
/// checking the format while the internals are rewritten. Inputs and outputs are stored beside each zip as float bit
/// patterns (8 hexadecimal digits per value, one row per line).
/// </summary>
public class GoldenModelTests
{
    /// <summary>
    /// A value matches when it is within 1e-5 of the golden one, absolutely or relative to the golden value's magnitude
    /// (forecasts are near 50, classifier scores near 0.1): the format must read exactly, but a kernel that changes its
    /// summation order may move the last bits (same-build round trips are checked bit for bit in PersistenceTests).
    /// NaN matches only NaN (forecast rows before enough history).
    /// </summary>
    private const double Tolerance = 1e-5;

    private static readonly string s_folder = Path.Combine(AppContext.BaseDirectory, "Golden");

    public sealed class VariableRow
    {
        public float[] Features { get; set; } = [];
    }

    public sealed class RegressionRow
    {
        [VectorType(8)]
        public float[] Features { get; set; } = [];
    }

    public sealed class ImageRow
    {
        [VectorType(64)]
        public float[] Features { get; set; } = [];
    }

    public sealed class SeriesPoint
    {
        public float Value { get; set; }
    }

    [Fact]
    public void CnnMulticlassV1StillLoadsAndScores()
    {
        // Made on commit bb7ef81 from MNIST digits; scored on the bundled digits 9000-9019.
        var mlContext = new MLContext();
        ITransformer model = mlContext.Model.Load(Path.Combine(s_folder, "cnn-multiclass-v1.zip"), out _);
        IDataView test = Digits.ImageView(mlContext, 9000, 20);
        AssertClose(Golden("cnn-multiclass-v1.scores.txt"), Column(model.Transform(test), "Score"));
    }

    [Fact]
    public void LstmClassifierV1StillLoadsAndScores()
    {
        // Standardize, then a 2-layer bidirectional LSTM (hidden 8, dropout 0.1), dense head, 2 trailing features, variable length.
        var mlContext = new MLContext();
        ITransformer model = mlContext.Model.Load(Path.Combine(s_folder, "lstm-classifier-v1.zip"), out _);
        IDataView test = mlContext.Data.LoadFromEnumerable(Golden("lstm-classifier-v1.rows.txt").Select(r => new VariableRow { Features = r }));
        AssertClose(Golden("lstm-classifier-v1.scores.txt"), Column(model.Transform(test), "Score"));
    }

    [Fact]
    public void LstmRegressionV1StillLoadsAndScores()
    {
        var mlContext = new MLContext();
        ITransformer model = mlContext.Model.Load(Path.Combine(s_folder, "lstm-regression-v1.zip"), out _);
        IDataView test = mlContext.Data.LoadFromEnumerable(Golden("lstm-regression-v1.rows.txt").Select(r => new RegressionRow { Features = r }));
        AssertClose(Golden("lstm-regression-v1.scores.txt"), Column(model.Transform(test), "Score"));
    }

    [Theory]
    [InlineData("forecaster-v1")] // the first format: its own LSTM fields, history with timings
    [InlineData("forecaster-v3")] // the checksummed monolith (version 0x00010003) saved before the forecaster became its parts
    [InlineData("forecaster-v4")] // the forecaster as its parts (0x00010004), saved before covariates were added
    public void ForecasterStillLoadsForecastsAndRunsItsEngine(string name)
    {
        // Window 6, horizon 2, first differences, 90% bounds, trained on every step.
        var mlContext = new MLContext();
        ITransformer loaded = mlContext.Model.Load(Path.Combine(s_folder, $"{name}.zip"), out _);
        var model = Assert.IsType<LstmForecastingTransformer>(loaded);
        float[] series = Golden($"{name}.rows.txt").Select(r => Assert.Single(r)).ToArray();
        IDataView scored = model.Transform(mlContext.Data.LoadFromEnumerable(series.Select(v => new SeriesPoint { Value = v })));
        float[][] forecast = Column(scored, "Forecast"), lower = Column(scored, "Lower"), upper = Column(scored, "Upper");
        AssertClose(Golden($"{name}.scores.txt"), forecast.Select((f, row) => f.Concat(lower[row]).Concat(upper[row]).ToArray()).ToArray());

        // The engine is primed with all but the last two values, then updated with those two.
        LstmForecastEngine engine = model.CreateForecastEngine(series[..^2]);
        engine.Update(series[^2]);
        engine.Update(series[^1]);
        ForecastResult next = engine.Predict();
        AssertClose(Golden($"{name}.engine.txt"), [[.. next.Forecast, .. next.LowerBound, .. next.UpperBound]]);
    }

    [Fact]
    public void FeaturizerV1StillLoadsAndFeaturizes()
    {
        // A small CNN's penultimate layer (dense 8 after ReLU) as "Learned", then ML.NET's LbfgsMaximumEntropy reading it.
        var mlContext = new MLContext();
        ITransformer model = mlContext.Model.Load(Path.Combine(s_folder, "featurizer-v1.zip"), out _);
        IDataView test = mlContext.Data.LoadFromEnumerable(Golden("featurizer-v1.rows.txt").Select(r => new ImageRow { Features = r }));
        IDataView scored = model.Transform(test);
        AssertClose(Golden("featurizer-v1.scores.txt"), Column(scored, "Learned"));
        Assert.All(Column(scored, "Score"), score => Assert.Equal(1.0, score.Sum(), 1e-4));
    }

    private static float[][] Golden(string name) => File.ReadAllLines(Path.Combine(s_folder, name))
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(word => BitConverter.Int32BitsToSingle(int.Parse(word, NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToArray())
        .ToArray();

    private static float[][] Column(IDataView scored, string name) => scored.Schema[name].Type is VectorDataViewType
        ? scored.GetColumn<float[]>(name).ToArray()
        : scored.GetColumn<float>(name).Select(v => new[] { v }).ToArray();

    private static void AssertClose(float[][] golden, float[][] now)
    {
        Assert.NotEmpty(golden);
        Assert.Equal(golden.Length, now.Length);
        for (int row = 0; row < golden.Length; row++)
        {
            Assert.Equal(golden[row].Length, now[row].Length);
            for (int i = 0; i < golden[row].Length; i++)
            {
                double e = golden[row][i], a = now[row][i], difference = Math.Abs(e - a);
                bool close = double.IsNaN(e) ? double.IsNaN(a) : difference <= Tolerance || difference <= Tolerance * Math.Abs(e);
                Assert.True(close, $"row {row}, value {i}: golden {e:R}, now {a:R}");
            }
        }
    }
}
