// Which forecaster is best for the bundled Mauna Loa CO2 series, one month ahead? The LSTM forecaster's window size,
// hidden size, layers, differencing and learning rate are tuned (tree-structured Parzen estimator) against a linear
// model (SDCA) on the same differenced lags. Trains on the first 80% of the months; the metric is the RMSE of the
// one-step forecasts over the last 20%. Prints the leaderboard and saves the best model.
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Experiments;
using MLNet.Extensions.Trainers.Forecasting;

const int Lags = 12;
string csv = Path.Combine(FindDataFolder(), "co2-concentration.csv");
float[] series = File.ReadLines(csv).Skip(1).Select(line => float.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)).ToArray();
int split = (int)(series.Length * 0.8);
var budget = TimeSpan.FromMinutes(args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 6);

// Row t: the value, the last Lags month-to-month changes up to t (zeros before the series starts) and the next change.
Month[] months = Enumerable.Range(0, series.Length).Select(t => new Month
{
    Value = series[t],
    LagDiffs = Enumerable.Range(0, Lags).Select(k => t - k >= 1 ? series[t - k] - series[t - k - 1] : 0f).Reverse().ToArray(),
    NextDiff = t + 1 < series.Length ? series[t + 1] - series[t] : 0f,
}).ToArray();
var mlContext = new MLContext(seed: 1);
var schema = SchemaDefinition.Create(typeof(Month));
schema[nameof(Month.LagDiffs)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, Lags);
IDataView train = mlContext.Data.LoadFromEnumerable(months[..split], schema);
IDataView all = mlContext.Data.LoadFromEnumerable(months, schema);
Console.WriteLine($"{series.Length} months; training on the first {split}, scoring one-month forecasts of the last {series.Length - split}.");

// Row t - 1 of the scored series forecasts month t: the forecaster's Forecast[0], or the linear model's change plus the value.
var rmse = ExperimentMetric.Custom("RMSE", context =>
{
    float[] values = context.Scored.GetColumn<float>(nameof(Month.Value)).ToArray();
    float[] forecast = context.Scored.Schema.GetColumnOrNull("Forecast") is not null
        ? context.Scored.GetColumn<float[]>("Forecast").Select(f => f[0]).ToArray()
        : context.Scored.GetColumn<float>("Score").Zip(values, (change, value) => value + change).ToArray();
    double sum = 0;
    for (int t = split; t < values.Length; t++)
        sum += Math.Pow(forecast[t - 1] - values[t], 2);
    return Math.Sqrt(sum / (values.Length - split));
}, higherIsBetter: false);

var forecaster = new ExperimentCandidate("lstm-forecaster", NetworkSearchSpaces.Forecaster().Without(nameof(LstmForecastingOptions.BatchSize)),
    trial => trial.MLContext.Forecasting.ForecastByLstm(NetworkSearchSpaces.ForecasterOptions(trial.Parameters, new LstmForecastingOptions
    {
        InputColumnName = nameof(Month.Value),
        OutputColumnName = "Forecast",
        Epochs = 40,
        // Trials are ranked on the forecast's RMSE alone: the calibration folds' networks would only cost time.
        CalibrationFolds = 0,
        Seed = trial.Seed,
        ThreadCount = trial.ThreadBudget,
    })));

var linear = new ExperimentCandidate("linear-lags", new SearchSpace().AddRange("L2", 1e-4, 1.0, logScale: true, init: 1e-2),
    trial => trial.MLContext.Regression.Trainers.Sdca(nameof(Month.NextDiff), "Features",
        l2Regularization: (float)trial.Parameters.Get<double>("L2"), maximumNumberOfIterations: 50),
    featurizer: trial => trial.MLContext.Transforms.NormalizeMeanVariance("Features", nameof(Month.LagDiffs)));

ExperimentResult result = mlContext.Experiments().CreateExperiment()
    .SetDataset(train, all)
    .SetTask(ExperimentTask.Regression, nameof(Month.NextDiff))
    .SetMetric(rmse)
    .AddCandidate(forecaster).AddCandidate(linear)
    .SetTuner(new TreeParzenTuner(startupTrials: 6))
    .SetMaxTrials(30)
    .SetTimeBudget(budget)
    .SetSeed(1)
    .Run();

Console.WriteLine($"Search stopped because {result.StopReason} after {result.Duration.TotalSeconds:F0} s.");
Console.WriteLine(result.ToTable());
double seasonal = Math.Sqrt(Enumerable.Range(split, series.Length - split).Average(t => Math.Pow(series[t - 12] - series[t], 2)));
double persistence = Math.Sqrt(Enumerable.Range(split, series.Length - split).Average(t => Math.Pow(series[t - 1] - series[t], 2)));
Console.WriteLine($"best: {result.BestTrial.Candidate} [{result.BestTrial.Parameters}], RMSE {result.BestTrial.Metric:F3} ppm "
    + $"(seasonal naive {seasonal:F3}, persistence {persistence:F3})");
string path = Path.Combine(Path.GetTempPath(), "co2-experiment-best.zip");
mlContext.Model.Save(result.BestModel, result.InputSchema, path);
Console.WriteLine($"saved the best model to {path}");

static string FindDataFolder()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        string candidate = Path.Combine(dir.FullName, "samples", "data");
        if (File.Exists(Path.Combine(candidate, "co2-concentration.csv")))
            return candidate;
    }
    throw new DirectoryNotFoundException("No samples/data folder with co2-concentration.csv above the program.");
}

/// <summary>One month of the series with the features the linear model reads.</summary>
public sealed class Month
{
    /// <summary>CO2 in ppm.</summary>
    public float Value { get; set; }

    /// <summary>The last 12 month-to-month changes, oldest first.</summary>
    public float[] LagDiffs { get; set; } = [];

    /// <summary>Next month's change: the linear model's label.</summary>
    public float NextDiff { get; set; }
}
