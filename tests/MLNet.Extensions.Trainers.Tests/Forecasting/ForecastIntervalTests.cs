using System.Collections.Concurrent;
using Microsoft.ML;
using MLNet.Extensions.Trainers.Forecasting;

namespace MLNet.Extensions.Trainers.Tests.Forecasting;

/// <summary>
/// The forecaster's bounds on a series with known noise: a 12-step season plus Gaussian noise of standard deviation 0.5,
/// so no forecast can do better than the noise, and bounds at level p should hold about p of the unseen values.
/// </summary>
public sealed class ForecastIntervalTests
{
    private const float Noise = 0.5f;

    /// <summary>A series row.</summary>
    public sealed class Point
    {
        public float Value { get; set; }
    }

    private static float[] Series(int length)
    {
        var random = new Random(7);
        return Enumerable.Range(0, length).Select(t =>
        {
            // Box-Muller: one standard normal draw per step.
            double gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            return 5f + 2f * MathF.Sin(2 * MathF.PI * t / 12) + Noise * (float)gaussian;
        }).ToArray();
    }

    [Theory]
    // z: the standard normal quantile at (1 + level) / 2. Folds 0: the tail alone, 25% of the windows (about 600), so that
    // its sampling is comparable; folds 5: the default tail of 10% plus the out-of-fold errors of nearly every window.
    [InlineData(0.9f, 1.6448536, 0)]
    [InlineData(0.6f, 0.8416212, 0)]
    [InlineData(0.9f, 1.6448536, 5)]
    [InlineData(0.6f, 0.8416212, 5)]
    public void CalibratedBoundsHoldTheirLevelOnUnseenValues(float level, double z, int folds)
    {
        const int train = 2400, test = 1200, horizon = 2;
        float[] series = Series(train + test);
        var mlContext = new MLContext(seed: 1);
        var messages = new ConcurrentQueue<string>();
        mlContext.Log += (_, e) => messages.Enqueue(e.Message);
        var options = new LstmForecastingOptions
        {
            InputColumnName = nameof(Point.Value), LowerBoundColumnName = "Lower", UpperBoundColumnName = "Upper",
            WindowSize = 12, Horizon = horizon, DifferencingOrder = 0, HiddenSize = 16, Epochs = 15, Seed = 3,
            ConfidenceLevel = level, CalibrationFolds = folds, CalibrationFraction = folds == 0 ? 0.25f : 0.1f,
        };
        LstmForecastingTransformer model = mlContext.Forecasting.ForecastByLstm(options)
            .Fit(mlContext.Data.LoadFromEnumerable(series[..train].Select(v => new Point { Value = v })));
        // The folds really ran (a series too short for them would have fallen back to the tail).
        Assert.Equal(folds > 0, messages.Any(m => m.Contains("out-of-fold errors (5 folds")));
        IDataView scored = model.Transform(mlContext.Data.LoadFromEnumerable(series.Select(v => new Point { Value = v })));
        float[][] lower = scored.GetColumn<float[]>("Lower").ToArray(), upper = scored.GetColumn<float[]>("Upper").ToArray();
        float[][] forecast = scored.GetColumn<float[]>("Forecast").ToArray();
        for (int k = 0; k < horizon; k++)
        {
            // Row t - 1 - k forecasts value t at step k.
            int inside = 0, count = 0;
            double width = 0;
            for (int t = train; t < series.Length; t++, count++)
            {
                int row = t - 1 - k;
                inside += series[t] >= lower[row][k] && series[t] <= upper[row][k] ? 1 : 0;
                width += upper[row][k] - forecast[row][k];
            }
            double coverage = (double)inside / count, halfWidth = width / count;
            // The normal quantile of the level times the noise is the narrowest honest half-width.
            double ideal = Noise * z;
            Console.WriteLine($"level {level}, folds {folds}, step {k}: coverage {coverage:F3}, half-width {halfWidth:F3} (noise alone {ideal:F3})");
            // The tail: ±0.05 is about two standard deviations of the sampling of 600 calibration and 1200 test values at level
            // 0.6 (measured 0.601-0.614; 0.899-0.907 at 0.9). The folds: about 2400 calibration errors leave mostly the test's
            // sampling, 0.014 at 0.6 and 0.009 at 0.9, so ±0.03 (measured 0.589-0.593; 0.901-0.907 at 0.9).
            double margin = folds == 0 ? 0.05 : 0.03;
            Assert.InRange(coverage, level - margin, level + margin);
            // Measured 1.04-1.11 times the noise's own half-width: the network's error adds little to the noise.
            Assert.InRange(halfWidth, 0.9 * ideal, 1.5 * ideal);
        }
    }
}
