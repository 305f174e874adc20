using Microsoft.ML;
using MLNet.Extensions.Trainers.Forecasting;

// Twenty years of a monthly series with a trend and a yearly cycle; the last 12 months are kept back.
float[] series = Enumerable.Range(0, 240).Select(t => 400 + 0.2f * t + 3 * MathF.Sin(2 * MathF.PI * t / 12)).ToArray();
var mlContext = new MLContext(seed: 1);
IDataView history = mlContext.Data.LoadFromEnumerable(series[..^12].Select(v => new Observation { Value = v }));

// Forecast the next 6 months with 95% bounds, then go on one month at a time.
var forecaster = mlContext.Forecasting.ForecastByLstm("Forecast", "Value", windowSize: 24, horizon: 6,
    lowerBoundColumnName: "Lower", upperBoundColumnName: "Upper").Fit(history);
LstmForecastEngine engine = forecaster.CreateForecastEngine(history);
Console.WriteLine(engine.Predict());                       // forecast [value (lower..upper), ...]
foreach (float observed in series[^12..^6])
    engine.Update(observed);
ForecastResult next = engine.Predict();
double meanError = next.Forecast.Zip(series[^6..], (f, truth) => Math.Abs(f - truth)).Average();
Console.WriteLine($"last 6 months: {next}");
Console.WriteLine($"mean absolute error: {meanError:F3}");

/// <summary>One month of the series.</summary>
public sealed class Observation
{
    public float Value { get; set; }
}
