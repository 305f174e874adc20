using Microsoft.ML;
using MLNet.Extensions.Trainers.Forecasting;

namespace MLNet.Extensions.Trainers.Tests.Forecasting;

/// <summary>The LSTM forecaster on a trending seasonal series: accuracy against naive baselines, bounds, engine state, save/load, bad input.</summary>
public class LstmForecasterTests
{
    /// <summary>A series row.</summary>
    public sealed class Point
    {
        public float Value { get; set; }
    }

    /// <summary>Linear trend + 12-step season + small noise: what differencing and an LSTM should handle.</summary>
    private static float[] Series(int length)
    {
        var random = new Kernels.Primitives.KernelRandom(42);
        return Enumerable.Range(0, length)
            .Select(t => 300f + 0.15f * t + 3f * MathF.Sin(2 * MathF.PI * t / 12) + 0.1f * (random.NextSingle() - 0.5f))
            .ToArray();
    }

    private static LstmForecastingOptions Options(int horizon = 1) => new()
    {
        InputColumnName = nameof(Point.Value),
        OutputColumnName = "Forecast",
        LowerBoundColumnName = "Lower",
        UpperBoundColumnName = "Upper",
        WindowSize = 12,
        Horizon = horizon,
        HiddenSize = 16,
        Epochs = 30,
        Seed = 1,
    };

    private static IDataView View(MLContext mlContext, IEnumerable<float> values) =>
        mlContext.Data.LoadFromEnumerable(values.Select(v => new Point { Value = v }));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BeatsSeasonalNaiveAndPersistenceOneStepAhead(bool everyStep)
    {
        var mlContext = new MLContext(seed: 1);
        float[] series = Series(240);
        int split = 192;
        var options = Options() with { TrainOnEveryStep = everyStep };
        LstmForecastingTransformer model = mlContext.Forecasting.ForecastByLstm(options).Fit(View(mlContext, series[..split]));
        // Scoring the whole series row by row gives, at row t, the forecast of t+1 from everything up to t.
        float[][] forecasts = model.Transform(View(mlContext, series)).GetColumn<float[]>("Forecast").ToArray();
        double model2 = 0, seasonal2 = 0, persistence2 = 0;
        int count = 0;
        for (int t = split; t < series.Length; t++)
        {
            model2 += Square(forecasts[t - 1][0] - series[t]);
            seasonal2 += Square(series[t - 12] - series[t]);
            persistence2 += Square(series[t - 1] - series[t]);
            count++;
        }
        double rmse = Math.Sqrt(model2 / count), seasonal = Math.Sqrt(seasonal2 / count), persistence = Math.Sqrt(persistence2 / count);
        Assert.True(rmse < seasonal && rmse < persistence, $"RMSE {rmse:F3}, seasonal naive {seasonal:F3}, persistence {persistence:F3}");
        Assert.All(forecasts.Take(12), f => Assert.True(float.IsNaN(f[0])));
    }

    [Fact]
    public void EngineForecastsSeveralStepsWithBoundsAndRestoresItsState()
    {
        var mlContext = new MLContext(seed: 1);
        float[] series = Series(150);
        var options = Options(horizon: 3) with { Epochs = 10 };
        LstmForecastingTransformer model = mlContext.Forecasting.ForecastByLstm(options).Fit(View(mlContext, series[..120]));
        LstmForecastEngine engine = model.CreateForecastEngine(series[..120]);
        ForecastResult first = engine.Predict();
        Assert.Equal(3, first.Forecast.Length);
        for (int k = 0; k < 3; k++)
            Assert.True(first.LowerBound[k] < first.Forecast[k] && first.Forecast[k] < first.UpperBound[k]);

        using var state = new MemoryStream();
        engine.SaveState(state);
        engine.Update(series[120]);
        ForecastResult moved = engine.Predict();
        Assert.NotEqual(first.Forecast, moved.Forecast);
        state.Position = 0;
        engine.LoadState(state);
        Assert.Equal(first.Forecast, engine.Predict().Forecast);

        state.SetLength(5);
        state.Position = 0;
        Assert.Throws<InvalidDataException>(() => engine.LoadState(state));
    }

    [Fact]
    public void SavesAndLoadsWithTheRestOfThePipeline()
    {
        var mlContext = new MLContext(seed: 1);
        float[] series = Series(100);
        var options = Options() with { Epochs = 3 };
        IDataView data = View(mlContext, series);
        LstmForecastingTransformer model = mlContext.Forecasting.ForecastByLstm(options).Fit(data);
        using var stream = new MemoryStream();
        mlContext.Model.Save(model, data.Schema, stream);
        stream.Position = 0;
        ITransformer loaded = new MLContext().Model.Load(stream, out _);
        float[][] before = model.Transform(data).GetColumn<float[]>("Upper").ToArray();
        float[][] after = loaded.Transform(data).GetColumn<float[]>("Upper").ToArray();
        Assert.Equal(before, after);
    }

    [Fact]
    public void TooShortOrEmptySeriesAndBadOptionsAreRejected()
    {
        var mlContext = new MLContext(seed: 1);
        var tooShort = Assert.Throws<ArgumentException>(() => mlContext.Forecasting.ForecastByLstm(Options(horizon: 20)).Fit(View(mlContext, Series(25))));
        Assert.Contains("Horizon", tooShort.Message);
        Assert.Throws<ArgumentException>(() => mlContext.Forecasting.ForecastByLstm(Options()).Fit(View(mlContext, [])));
        var nan = Assert.Throws<ArgumentException>(() => mlContext.Forecasting.ForecastByLstm(Options()).Fit(View(mlContext, Series(60).Select((v, i) => i == 30 ? float.NaN : v))));
        Assert.Contains("row 30", nan.Message);
        var bad = Assert.ThrowsAny<ArgumentException>(() => mlContext.Forecasting.ForecastByLstm(Options() with { WindowSize = 0 }));
        Assert.Contains("WindowSize", bad.Message);
        foreach (int folds in new[] { 1, -1 })
        {
            var badFolds = Assert.ThrowsAny<ArgumentException>(() => mlContext.Forecasting.ForecastByLstm(Options() with { CalibrationFolds = folds }));
            Assert.Contains("CalibrationFolds", badFolds.Message);
        }
    }

    [Fact]
    public void ASeriesTooShortForTheCalibrationFoldsFallsBackToTheTail()
    {
        // 60 values give 47 windows and 43 training windows: a fifth of them plus 12 on each side would leave a fold 10.
        var mlContext = new MLContext(seed: 1);
        var messages = new System.Collections.Concurrent.ConcurrentQueue<string>();
        mlContext.Log += (_, e) => messages.Enqueue(e.Message);
        IDataView data = View(mlContext, Series(60));
        var model = mlContext.Forecasting.ForecastByLstm(Options() with { Epochs = 5 }).Fit(data);
        Assert.Contains(messages, m => m.Contains("CalibrationFolds 5") && m.Contains("held-out tail alone"));
        Assert.Contains(messages, m => m.Contains("Bounds calibrated on") && m.Contains("held-out windows"));
        float[] upper = model.Transform(data).GetColumn<float[]>("Upper").Last(), forecast = model.Transform(data).GetColumn<float[]>("Forecast").Last();
        Assert.True(upper[0] > forecast[0]);
    }

    [Fact]
    public void WithoutATailTheFoldsAloneCalibrateTheBounds()
    {
        // No held-out tail: before the folds, such a forecaster fell back to the training residuals assumed normal.
        var mlContext = new MLContext(seed: 1);
        var messages = new System.Collections.Concurrent.ConcurrentQueue<string>();
        mlContext.Log += (_, e) => messages.Enqueue(e.Message);
        IDataView data = View(mlContext, Series(400));
        var model = mlContext.Forecasting.ForecastByLstm(Options() with { Epochs = 5, CalibrationFraction = 0, ValidationFraction = 0 }).Fit(data);
        // 387 windows, all training: every one gets an out-of-fold error.
        Assert.Contains(messages, m => m.Contains("Bounds calibrated on 387 out-of-fold errors (5 folds)"));
        float[] upper = model.Transform(data).GetColumn<float[]>("Upper").Last(), forecast = model.Transform(data).GetColumn<float[]>("Forecast").Last();
        Assert.True(upper[0] > forecast[0]);
    }

    private static double Square(double x) => x * x;
}
