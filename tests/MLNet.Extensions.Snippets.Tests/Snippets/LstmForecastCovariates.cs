using Microsoft.ML;
using MLNet.Extensions.Trainers.Forecasting;

// Daily sales follow the previous day's advertising spend, plus noise; the spend is known at the end of each day.
var random = new Random(1);
float[] spend = Enumerable.Range(0, 400).Select(_ => 10 * random.NextSingle()).ToArray();
Day[] days = Enumerable.Range(0, 400)
    .Select(t => new Day { Spend = spend[t], Sales = 50 + 3 * spend[Math.Max(t - 1, 0)] + random.NextSingle() })
    .ToArray();
var mlContext = new MLContext(seed: 1);
IDataView history = mlContext.Data.LoadFromEnumerable(days[..^30]);

// At each of the last 7 days the network reads the sales and the spend (each standardized with Fit's statistics).
var forecaster = mlContext.Forecasting.ForecastByLstm(new LstmForecastingOptions
{
    InputColumnName = nameof(Day.Sales),
    CovariateColumnNames = [nameof(Day.Spend)],
    WindowSize = 7,
    DifferencingOrder = 0,
    Epochs = 30,
}).Fit(history);

// One day at a time: forecast tomorrow, then add the day's sales with its spend.
LstmForecastEngine engine = forecaster.CreateForecastEngine(history);
double error = 0;
foreach (Day day in days[^30..])
{
    error += Math.Abs(engine.Predict().Forecast[0] - day.Sales);
    engine.Update(day.Sales, day.Spend);
}
Console.WriteLine($"mean absolute error: {error / 30:F3}");

/// <summary>One day: the sales to forecast and the spend observed the same day.</summary>
public sealed class Day
{
    public float Sales { get; set; }
    public float Spend { get; set; }
}
