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
    [InlineData(0.9f, 1.6448536)] // z: the standard normal quantile at (1 + level) / 2
    [InlineData(0.6f, 0.8416212)]
    public void CalibratedBoundsHoldTheirLevelOnUnseenValues(float level, double z)
    {
        const int train = 2400, test = 1200, horizon = 2;
        float[] series = Series(train + test);
        var mlContext = new MLContext(seed: 1);
        var options = new LstmForecastingOptions
        {
            InputColumnName = nameof(Point.Value), LowerBoundColumnName = "Lower", UpperBoundColumnName = "Upper",
            WindowSize = 12, Horizon = horizon, DifferencingOrder = 0, HiddenSize = 16, Epochs = 15, Seed = 3,
            ConfidenceLevel = level, CalibrationFraction = 0.25f, // about 600 held-out windows: coverage good to about 2% (sampling of 600 calibration and 1200 test values)
        };
        LstmForecastingTransformer model = mlContext.Forecasting.ForecastByLstm(options)
            .Fit(mlContext.Data.LoadFromEnumerable(series[..train].Select(v => new Point { Value = v })));
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
            Console.WriteLine($"level {level}, step {k}: coverage {coverage:F3}, half-width {halfWidth:F3} (noise alone {ideal:F3})");
            // ±0.05 is about two standard deviations of the sampling at level 0.6 (measured 0.603-0.614; 0.902-0.906 at 0.9).
            Assert.InRange(coverage, level - 0.05, level + 0.05);
            // Measured 1.05-1.12 times the noise's own half-width: the network's error adds little to the noise.
            Assert.InRange(halfWidth, 0.9 * ideal, 1.5 * ideal);
        }
    }
}
